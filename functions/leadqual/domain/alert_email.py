"""The e-mail a rep gets about a lead nobody has acknowledged: pure.

E-mail is read on phones and kept in inboxes: it names the person by first name and title only (no
address, no phone), and its one link is signed, single-use and expires in a day (ack_links.py).
"""

from __future__ import annotations

from leadqual.domain.schemas.lead import Lead


def reminder_email(lead: Lead, link: str, waited: str, company: str) -> tuple[str, str]:
    who = ", ".join(part for part in (lead.first_name, lead.title) if part) or "A lead"
    grade = (
        f"grade {lead.scores.grade}, {lead.scores.conversion_probability:.0%} likely to convert"
        if lead.scores
        else "not scored"
    )
    reasons = [r.text for r in (lead.scores.top_positive if lead.scores else [])][:3]
    body = [
        f"{who} at {company} is yours and has not been acknowledged after {waited} ({grade}).",
        *(["Why: " + "; ".join(reasons)] if reasons else []),
        f"Acknowledge it (the page asks you to confirm; the link works once, for 24 hours): {link}",
    ]
    return f"Not acknowledged after {waited}: {company}", "\n".join(body)
