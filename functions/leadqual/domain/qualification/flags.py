"""Every flag qualification raises, and whether it puts a human in front of the first outreach.

Adding a trigger: its flag here, and its check in `triggers.py`. The policy's rule conditions, the
review triggers and the lists `leadqual rules check` prints are all derived from `Flag`.
"""

from __future__ import annotations

from enum import StrEnum


class Checkpoint(StrEnum):
    ALWAYS = "always"  # a human reviews the lead first, whatever rule fires
    TRIGGER = "trigger"  # named to the SDR as a reason, when a rule asks for a review
    NONE = "none"  # read by rules only


class Flag(StrEnum):
    """In the order they are checked, and listed on the lead."""

    checkpoint: Checkpoint

    def __new__(cls, value: str, checkpoint: Checkpoint) -> Flag:
        member = str.__new__(cls, value)
        member._value_ = value
        member.checkpoint = checkpoint
        return member

    NAMED_ACCOUNT = "named_account", Checkpoint.ALWAYS
    PRICING_PAGE_VISIT = "pricing_page_visit", Checkpoint.TRIGGER
    COMPETITOR_RESEARCH = "competitor_research", Checkpoint.TRIGGER
    REPEAT_ENGAGEMENT = "repeat_engagement", Checkpoint.TRIGGER
    DEMO_REQUEST = "demo_request", Checkpoint.TRIGGER
    INTENT_SURGE = "intent_surge", Checkpoint.NONE
    REACTIVATED = "reactivated", Checkpoint.ALWAYS
    AMBIGUOUS_INTENT = "ambiguous_intent", Checkpoint.ALWAYS
    ENTERPRISE = "enterprise", Checkpoint.NONE
    FREE_MAIL = "free_mail", Checkpoint.NONE


ALWAYS_REVIEWED = tuple(flag for flag in Flag if flag.checkpoint is Checkpoint.ALWAYS)
REVIEW_TRIGGERS = tuple(flag for flag in Flag if flag.checkpoint is not Checkpoint.NONE)
