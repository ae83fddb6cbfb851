"""The Slack messages leadqual posts, as Block Kit (docs.slack.dev/reference/block-kit/blocks): pure.

Everything a lead supplied (names, title, company) goes in `plain_text`, never `mrkdwn`, so no lead
can put a link or a mention in a rep's Slack. Buttons carry opaque ids only (an alert or review
id): no token, nothing of the person beyond what the message shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from leadqual.domain.qualification.flags import flag_words
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.vocabulary import RouteAction

ACKNOWLEDGE = "acknowledge"
NOT_A_FIT = "not_a_fit"
OPEN_CONSOLE = "open_console"
OPEN_CRM = "open_crm"
APPROVE = "approve"
REJECT = "reject"
REROUTE = "reroute"
ACTIONS_BLOCK = "leadqual_actions"
# Modals: their callback ids, and the one input each holds.
NOT_A_FIT_VIEW = "leadqual_not_a_fit"
REROUTE_VIEW = "leadqual_reroute"
CHOICE_BLOCK = "choice"
CHOICE = "picked"

ROUTE_WORDS = {
    RouteAction.SDR_OUTREACH: "SDR outreach",
    RouteAction.AE_NOTIFY: "Notify the account executive",
    RouteAction.NURTURE: "Nurture",
    RouteAction.HOLD: "Hold",
}
HEADER_LIMIT = 150
TEXT_LIMIT = 2900


def _plain(text: str, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": (text[: limit - 1] + "…") if len(text) > limit else text or " "}


def _button(text: str, action_id: str, value: str | None = None, style: str | None = None,
            url: str | None = None) -> dict[str, Any]:  # fmt: skip
    button: dict[str, Any] = {"type": "button", "text": _plain(text, 75), "action_id": action_id}
    if value is not None:
        button["value"] = value
    if style is not None:
        button["style"] = style
    if url is not None:
        button["url"] = url
    return button


def person_line(lead: Lead) -> str:
    name = " ".join(part for part in (lead.first_name, lead.last_name) if part) or "Someone"
    return f"{name}, {lead.title}" if lead.title else name


def company_line(lead: Lead) -> str:
    company = lead.company
    size = f"{company.employees:,} employees" if company.employees is not None else None
    parts = [company.name, lead.account, size, company.industry, company.country]
    return " · ".join(part for part in parts if part) or "No company given"


def score_line(lead: Lead) -> str:
    scores = lead.scores
    if scores is None:
        return "Not scored"
    return f"Grade {scores.grade}: {scores.conversion_probability:.0%} likely to convert"


def local_time(at: datetime, zone: str) -> str:
    local = at.astimezone(ZoneInfo(zone))
    return local.strftime("%a %H:%M ") + (local.tzname() or zone)


def _facts(lead: Lead) -> list[dict[str, Any]]:
    reasons = [r.text for r in (lead.scores.top_positive if lead.scores else [])][:3]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": _plain(person_line(lead))},
        {"type": "section", "fields": [_plain(company_line(lead)), _plain(score_line(lead))]},
    ]
    if reasons:
        blocks.append({"type": "section", "text": _plain("Why: " + "; ".join(reasons))})
    if lead.flags:
        blocks.append(
            {
                "type": "context",
                "elements": [_plain("Intent: " + ", ".join(flag_words(f) for f in lead.flags))],
            }
        )
    return blocks


def assignment_message(
    lead: Lead, alert_id: str, deadline: datetime | None, zone: str, console_url: str, crm_url: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The DM to the rep a lead went to: who, how good, why, by when, and the buttons."""
    company = lead.company.name or lead.account or "a new lead"
    due = f"Acknowledge by {local_time(deadline, zone)}" if deadline else "Acknowledge when you pick it up"
    buttons = [
        _button("Acknowledge", ACKNOWLEDGE, alert_id, style="primary"),
        _button("Not a fit", NOT_A_FIT, alert_id),
    ]
    if console_url:
        buttons.append(_button("Open in the console", OPEN_CONSOLE, url=f"{console_url}leads/{lead.lead_id}"))
    if crm_url:
        buttons.append(_button("Open in the CRM", OPEN_CRM, url=crm_url))
    blocks = [
        {"type": "header", "text": _plain(f"New lead for you: {company}", HEADER_LIMIT)},
        *_facts(lead),
        {"type": "context", "elements": [_plain(due)]},
        {"type": "actions", "block_id": ACTIONS_BLOCK, "elements": buttons},
    ]
    return f"New lead for you: {person_line(lead)} at {company}. {score_line(lead)}. {due}.", blocks


def review_message(
    lead: Lead, review: Review, zone: str, console_url: str, owner_name: str
) -> tuple[str, list[dict[str, Any]]]:
    """The DM to each reviewer: why a human is asked, what the rules suggest (the owner as a person
    reads it: the inbox's words), and the decision."""
    company = lead.company.name or lead.account or "a lead"
    why = "; ".join(review.review_reasons or review.triggers) or review.rule
    suggested = f"Suggested: {ROUTE_WORDS[review.suggested_route]} to {owner_name} (rule {review.rule})"
    buttons = [
        _button("Approve", APPROVE, review.review_id, style="primary"),
        _button("Reject", REJECT, review.review_id, style="danger"),
        _button("Reroute", REROUTE, review.review_id),
    ]
    if console_url:
        buttons.append(
            _button("Open in the console", OPEN_CONSOLE, url=f"{console_url}?review={review.review_id}")
        )
    blocks = [
        {"type": "header", "text": _plain(f"Review needed: {company}", HEADER_LIMIT)},
        {"type": "section", "text": _plain(f"Why a human: {why}")},
        {"type": "section", "text": _plain(suggested)},
        *_facts(lead),
        {
            "type": "context",
            "elements": [_plain(f"Decide by {local_time(review.due_at, zone)}, or it is escalated")],
        },
        {"type": "actions", "block_id": ACTIONS_BLOCK, "elements": buttons},
    ]
    return f"Review needed: {person_line(lead)} at {company}. {suggested}.", blocks


def reminder_block(waited: str) -> dict[str, Any]:
    return {"type": "section", "text": _plain(f"Reminder: nobody has acknowledged this lead after {waited}.")}


def settled(blocks: list[dict[str, Any]], words: str) -> list[dict[str, Any]]:
    """The message once acted on: the same facts, the buttons replaced by what happened."""
    kept = [b for b in blocks if b.get("block_id") != ACTIONS_BLOCK]
    links = [
        e for b in blocks if b.get("block_id") == ACTIONS_BLOCK for e in b.get("elements", []) if "url" in e
    ]
    done: list[dict[str, Any]] = [{"type": "section", "text": _plain(words)}]
    if links:
        done.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": links})
    return [*kept, *done]


def _choice_view(callback_id: str, metadata: str, title: str, label: str, options: list[tuple[str, str]],
                 submit: str) -> dict[str, Any]:  # fmt: skip
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": _plain(title, 24),
        "submit": _plain(submit, 24),
        "close": _plain("Cancel", 24),
        "blocks": [{
            "type": "input",
            "block_id": CHOICE_BLOCK,
            "label": _plain(label, 2000),
            "element": {"type": "radio_buttons", "action_id": CHOICE,
                        "options": [{"text": _plain(text, 75), "value": value} for value, text in options]},
        }],
    }  # fmt: skip


def not_a_fit_view(alert_id: str, reasons: list[str]) -> dict[str, Any]:
    return _choice_view(NOT_A_FIT_VIEW, alert_id, "Not a fit", "Why is this lead not a fit?",
                        [(reason, reason) for reason in reasons], "Send")  # fmt: skip


def reroute_view(review_id: str, suggested: RouteAction) -> dict[str, Any]:
    options = [(action.value, words) for action, words in ROUTE_WORDS.items() if action is not suggested]
    return _choice_view(REROUTE_VIEW, review_id, "Reroute", "Where should this lead go?", options, "Reroute")


def chosen(view: dict[str, Any]) -> str | None:
    """The option picked in one of leadqual's modals, from a view_submission's `view.state`."""
    picked = view.get("state", {}).get("values", {}).get(CHOICE_BLOCK, {}).get(CHOICE, {})
    option = picked.get("selected_option") or {}
    value = option.get("value")
    return value if isinstance(value, str) else None
