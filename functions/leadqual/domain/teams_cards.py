"""The Adaptive Card a rep's lead is announced with in the team's Teams channel: pure.

Adaptive Cards as Teams renders them (adaptivecards.io/explorer: AdaptiveCard 1.4, TextBlock,
FactSet, Action.OpenUrl). A channel is read by the whole team, so the card names the person as the
e-mail does (first name and title, no address); its Acknowledge opens the signed, single-use,
24-hour link, whose page acknowledges with a POST (a Workflows card cannot call back).
"""

from __future__ import annotations

from typing import Any

from leadqual.domain.alert_email import grade_words, who_in_words
from leadqual.domain.qualification.flags import flag_words
from leadqual.domain.schemas.lead import Lead


def assignment_card(
    lead: Lead, rep_name: str, link: str, due: str | None, console_url: str
) -> dict[str, Any]:
    company = lead.company.name or lead.account or "a new lead"
    reasons = [r.text for r in (lead.scores.top_positive if lead.scores else [])][:3]
    facts = [{"title": "Who", "value": f"{who_in_words(lead)} at {company}"},
             {"title": "Score", "value": grade_words(lead)}]  # fmt: skip
    if lead.flags:
        facts.append({"title": "Intent", "value": ", ".join(flag_words(f) for f in lead.flags)})
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": f"New lead for {rep_name}: {company}", "weight": "Bolder", "size": "Medium",
         "wrap": True},
        {"type": "FactSet", "facts": facts},
    ]  # fmt: skip
    if reasons:
        body.append({"type": "TextBlock", "text": "Why: " + "; ".join(reasons), "wrap": True})
    body.append({"type": "TextBlock", "isSubtle": True, "wrap": True,
                 "text": f"Acknowledge by {due}" if due else "Acknowledge when you pick it up"})  # fmt: skip
    actions = [{"type": "Action.OpenUrl", "title": "Acknowledge", "url": link}]
    if console_url:
        actions.append(
            {
                "type": "Action.OpenUrl",
                "title": "Open in the console",
                "url": f"{console_url}leads/{lead.lead_id}",
            }
        )
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": body,
        "actions": actions,
    }
