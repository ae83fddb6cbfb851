"""The e-mail a rep gets about a lead nobody has acknowledged: pure.

E-mail is read on phones and kept in inboxes: it names the person by first name and title only (no
address, no phone), and its one link is signed, single-use and expires in a day (ack_links.py).
"""

from __future__ import annotations

from datetime import datetime

from leadqual.domain.qualification.flags import flag_words
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.review import Review


def time_left(due_at: datetime, now: datetime) -> str:
    minutes = max(0, int((due_at - now).total_seconds() // 60))
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def who_in_words(lead: Lead) -> str:
    return ", ".join(part for part in (lead.first_name, lead.title) if part) or "A lead"


def grade_words(lead: Lead) -> str:
    if lead.scores is None:
        return "not scored"
    return f"grade {lead.scores.grade}, {lead.scores.conversion_probability:.0%} likely to convert"


def reminder_email(lead: Lead, link: str, waited: str, company: str) -> tuple[str, str]:
    reasons = [r.text for r in (lead.scores.top_positive if lead.scores else [])][:3]
    body = [
        f"{who_in_words(lead)} at {company} is yours and has not been acknowledged after {waited} ({grade_words(lead)}).",
        *(["Why: " + "; ".join(reasons)] if reasons else []),
        f"Acknowledge it (the page asks you to confirm; the link works once, for 24 hours): {link}",
    ]
    return f"Not acknowledged after {waited}: {company}", "\n".join(body)


def review_email(
    lead: Lead, review: Review, link: str, inbox: str, company: str, left: str
) -> tuple[str, str]:
    """One reviewer's e-mail about a review: why a human, the time left, a signed link to pick it up
    (single-use, 24 hours) and the inbox's address, where the reviewer signs in and decides."""
    why = "; ".join(review.review_reasons or [flag_words(t) for t in review.triggers]) or review.rule
    body = [
        f"{who_in_words(lead)} at {company} needs a review within {left} ({grade_words(lead)}); after that it is escalated.",
        f"Why a human: {why}",
        f"Pick it up, so the others know you have it (the page asks you to confirm; the link works once, "
        f"for 24 hours): {link}",
        f"Decide it in the inbox: {inbox}",
    ]
    return f"Review needed: {company}, {left} left", "\n".join(body)
