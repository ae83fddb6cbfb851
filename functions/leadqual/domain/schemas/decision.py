"""The routing decision: what the rules decided for one lead, which the workflow carries."""

from leadqual.domain.schemas.shared import BuiltOnFirstUse
from leadqual.domain.schemas.vocabulary import RouteAction


class RoutingDecision(BuiltOnFirstUse):
    """What the rules decided for one lead, with every reason; the workflow carries it."""

    lead_id: str
    tier: str
    tier_reason: str
    action: RouteAction
    owner: str
    rule: str
    needs_review: bool
    triggers: list[str]
    flags: list[str]
    reasons: list[str]
    evaluation: int = 0  # 0 for the lead's first decision, n for its n-th re-evaluation while held
    country: str | None = None  # the account's, else the form's
    territory: str | None = None  # whose SDRs take it by round robin (policies with `assignment`)
    # For the SDR: why a human is asked, and what the person and the account have been doing.
    review_reasons: list[str] = []
    recent_behaviour: list[str] = []
    intent_topics: list[str] = []
