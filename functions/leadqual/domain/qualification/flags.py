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
    words: str  # as an SDR reads it: the inbox's rows, the Slack alert

    def __new__(cls, value: str, checkpoint: Checkpoint, words: str) -> Flag:
        member = str.__new__(cls, value)
        member._value_ = value
        member.checkpoint = checkpoint
        member.words = words
        return member

    NAMED_ACCOUNT = "named_account", Checkpoint.ALWAYS, "Named account"
    PRICING_PAGE_VISIT = "pricing_page_visit", Checkpoint.TRIGGER, "Pricing page visit"
    COMPETITOR_RESEARCH = "competitor_research", Checkpoint.TRIGGER, "Researching competitors"
    REPEAT_ENGAGEMENT = "repeat_engagement", Checkpoint.TRIGGER, "Came back again"
    DEMO_REQUEST = "demo_request", Checkpoint.TRIGGER, "Asked for a demo"
    INTENT_SURGE = "intent_surge", Checkpoint.NONE, "Account research surge"
    REACTIVATED = "reactivated", Checkpoint.ALWAYS, "Back after going cold"
    AMBIGUOUS_INTENT = "ambiguous_intent", Checkpoint.ALWAYS, "Fit and engagement disagree"
    ENTERPRISE = "enterprise", Checkpoint.NONE, "Enterprise account"
    FREE_MAIL = "free_mail", Checkpoint.NONE, "Free e-mail address"


ALWAYS_REVIEWED = tuple(flag for flag in Flag if flag.checkpoint is Checkpoint.ALWAYS)
REVIEW_TRIGGERS = tuple(flag for flag in Flag if flag.checkpoint is not Checkpoint.NONE)
_WORDS = {flag.value: flag.words for flag in Flag}


def flag_words(flag: str) -> str:
    """A flag as an SDR reads it; a flag this version does not know (an older lead's) as its name."""
    return _WORDS.get(flag) or flag.replace("_", " ")
