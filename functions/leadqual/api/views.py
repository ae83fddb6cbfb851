"""What the API answers: one model per response body (docs/api.md), so that the OpenAPI document
(docs/openapi.json) describes every answer and the API function checks each one against it. Each
is made from the records the services return (`LeadView.of(lead, touches)`, ...); the reports are
records of their own (`domain.schemas.reports`), answered as they are."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from leadqual.domain.qualification.flags import flag_words
from leadqual.domain.schemas.crm_writes import CrmSyncState, CrmWriteEntry
from leadqual.domain.schemas.lead import (
    HistoryEntry,
    Lead,
    LeadStatus,
    OutcomeRecord,
    ReviewSummary,
    Route,
    Sla,
)
from leadqual.domain.schemas.review import Review, ReviewContent
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import Company
from leadqual.domain.schemas.vocabulary import OutcomeKind, ReviewStatus, RouteAction

if TYPE_CHECKING:
    from leadqual.domain.policy import Policy, ScoreBands
    from leadqual.domain.schemas.crm import RecordLinks
    from leadqual.services.outcomes import OutcomeRecorded
    from leadqual.services.reviews import PendingPage
    from leadqual.services.routing import RulesExplanation

# (suggested owner, territory) pairs -> each in words (DistributionService.owner_names).
OwnerNames = Callable[[Collection[tuple[str, "str | None"]]], dict[tuple[str, "str | None"], str]]
# A review's decision, set once it is decided (or expired).
DECIDED_FIELDS = ("decision", "decided_by", "decided_at", "delivered", "final_route", "note")


class ErrorDetail(BaseModel):
    field: str = Field(description="The field, header, query or path parameter refused, or `body`")
    message: str


class ErrorBody(BaseModel):
    """Every 4xx and 503 in one shape."""

    error: str = Field(description="A code: validation_failed, invalid_json, not_found, conflict, ...")
    message: str
    details: list[ErrorDetail] = []


class LeadAccepted(BaseModel):
    """The same answer for a new lead and a repeat of one: it tells the caller nothing of a lead."""

    lead_id: str = Field(description="The lead: the same one for the same e-mail within 24 hours")
    status: Literal[LeadStatus.RECEIVED] = Field(description="Always `received`: the submission is stored")


class Accepted(BaseModel):
    accepted: int = Field(description="How many were stored")


class CrmView(BaseModel):
    """What leadqual wrote to the CRM for the lead: each write, and why the last change could not be."""

    system: str | None = Field(description="hubspot or salesforce; none when no CRM is connected")
    record_id: str | None
    record_url: str | None = Field(
        description="Where the record opens in the CRM (policy `crm.record_links`); null when not set or not yet written"
    )
    writes: list[CrmWriteEntry] = Field(
        description="Each write, oldest first: what changed, the owner, any conflict"
    )
    dead_letter: str | None = Field(
        description="Why the last change is in the CRM-sync DLQ (conflict, validation_error:<field>, auth, budget, not_found)"
    )

    @classmethod
    def of(cls, state: CrmSyncState, links: RecordLinks) -> CrmView:
        return cls(
            system=state.system, record_id=state.record_id, record_url=links.of(state.system, state.record_id),
            writes=state.writes, dead_letter=state.dead_letter,
        )  # fmt: skip


class LeadView(BaseModel):
    lead_id: str
    status: LeadStatus
    email: str
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: Company
    account: str | None
    form: str
    submitted_at: datetime
    touches: int
    scores: Scores | None
    tier: str | None
    flags: list[str]
    reasons: list[str]
    review: ReviewSummary | None
    route: Route | None
    escalated: bool
    sla: Sla | None
    failure: str | None
    dead_letter_queue: str | None
    outcomes: list[OutcomeRecord]
    history: list[HistoryEntry]
    crm: CrmView | None = None

    @classmethod
    def of(cls, lead: Lead, recent_touches: list[HistoryEntry], links: RecordLinks) -> LeadView:
        """GET /leads/{id}: the lead, with its own history and its latest re-submissions as one
        timeline (`touches` counts them all)."""
        return cls(
            **lead.model_dump(
                include={
                    "lead_id", "status", "email", "first_name", "last_name", "title", "company", "account",
                    "submitted_at", "touches", "scores", "tier", "flags", "reasons", "review", "route",
                    "escalated", "sla", "failure", "dead_letter_queue", "outcomes",
                }
            ),
            form=lead.form.value,
            history=sorted([*lead.history, *recent_touches], key=lambda entry: entry.at),
            crm=CrmView.of(lead.crm, links) if lead.crm else None,
        )  # fmt: skip


class RuleCheck(BaseModel):
    condition: str = Field(description="How the rule reads, e.g. 'score band is one of high'")
    holds: bool
    actual: str = Field(description="What the lead had")


class RuleTried(BaseModel):
    rule: str
    description: str
    matched: bool
    checks: list[RuleCheck]


class RulesExplained(BaseModel):
    lead_id: str
    explained: bool = Field(description="False until the rules have routed the lead")
    message: str | None = None
    policy_version: int | None = None
    routed_with_policy_version: int | None = None
    tier: str | None = None
    band: str | None = None
    flags: list[str] = []
    rule: str | None = Field(default=None, description="The rule that fired")
    rules: list[RuleTried] = []

    @classmethod
    def of(cls, explanation: RulesExplanation) -> RulesExplained:
        lead, traces = explanation.lead, explanation.traces
        if traces is None:
            return cls(lead_id=lead.lead_id, explained=False, message="not routed by the rules yet")
        return cls(
            lead_id=lead.lead_id, explained=True, policy_version=explanation.policy_version,
            routed_with_policy_version=lead.policy_version, tier=lead.tier, band=explanation.band,
            flags=explanation.flags, rule=traces[-1].rule,
            rules=[RuleTried.model_validate(trace, from_attributes=True) for trace in traces],
        )  # fmt: skip


class OutcomeAccepted(BaseModel):
    lead_id: str
    outcome: OutcomeKind
    misrouted: bool
    outcomes: int = Field(description="Outcomes the lead has now")

    @classmethod
    def of(cls, recorded: OutcomeRecorded) -> OutcomeAccepted:
        return cls(
            lead_id=recorded.lead_id, outcome=recorded.record.outcome, misrouted=recorded.record.misrouted,
            outcomes=recorded.outcomes,
        )  # fmt: skip


class PersonView(BaseModel):
    """Who a lead is, as much as the SDR deciding its review needs."""

    first_name: str | None
    last_name: str | None
    title: str | None
    email: str
    company: Company

    @classmethod
    def of(cls, lead: Lead) -> PersonView:
        return cls.model_validate(lead.model_dump(include=set(cls.model_fields)))


class ReviewView(ReviewContent):
    """What an SDR sees of a review; never the task token."""

    why_review: list[str]
    person: PersonView | None = Field(description="The lead's person; null if the lead could not be read")
    suggested_owner_name: str = Field(
        description="The suggested owner as a person reads it: a name, a team with its people, or for "
        "round_robin the rep fairness would give the lead to now"
    )
    trigger_words: list[str] = Field(description="`triggers`, each as an SDR reads it, in the same order")
    score_band: str | None = Field(
        description="The policy's band of the probability with its edges (what the rules read; the grade "
        "ranks against the model's training leads); null if not scored"
    )
    # Once decided (or escalated):
    decision: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    delivered: bool | None = None
    final_route: RouteAction | None = None
    note: str | None = None

    @classmethod
    def of(cls, review: Review, lead: Lead | None, owner_name: str, bands: ScoreBands) -> ReviewView:
        """What an SDR sees, with the lead's person when it could be read; never the task token. The
        decision's fields are set once it is decided (or expired)."""
        decided = (
            {} if review.status is ReviewStatus.PENDING else review.model_dump(include=set(DECIDED_FIELDS))
        )
        return cls(
            **review.model_dump(include=set(ReviewContent.model_fields)),
            why_review=review.review_reasons,
            person=PersonView.of(lead) if lead is not None else None,
            suggested_owner_name=owner_name,
            trigger_words=[flag_words(trigger) for trigger in review.triggers],
            score_band=bands.band_words(review.scores.conversion_probability) if review.scores else None,
            **decided,
        )


class ReviewPage(BaseModel):
    reviews: list[ReviewView]
    next: str | None = Field(description="The cursor of the next page, or null on the last")

    @classmethod
    def of(cls, page: PendingPage, owner_names: OwnerNames, bands: ScoreBands) -> ReviewPage:
        names = owner_names({(review.suggested_owner, review.territory) for review, _ in page.reviews})
        return cls(
            reviews=[
                ReviewView.of(review, lead, names[review.suggested_owner, review.territory], bands)
                for review, lead in page.reviews
            ],
            next=page.next,
        )


class TierInWords(BaseModel):
    id: str
    description: str


class RuleInWords(BaseModel):
    id: str
    in_words: str
    description: str


class ReviewersInWords(BaseModel):
    in_words: str = Field(description="Whose queue a review is in, and who decides any")
    decide_any: list[str] = Field(description="Sign-in groups whose members decide any review")
    teams: dict[str, list[str]] = Field(description="A team queue's name, and the people in it")


class PolicyInWords(BaseModel):
    """The routing policy as `leadqual rules check` prints it."""

    version: int
    tiers: list[TierInWords] = Field(description="The first that matches wins")
    always_reviewed: list[str] = Field(description="Flags that send a lead to an SDR whatever rule fires")
    rules: list[RuleInWords] = Field(description="The first that matches decides")
    reviewers: ReviewersInWords = Field(description="Who may decide a review")

    @classmethod
    def of(cls, policy: Policy) -> PolicyInWords:
        """The tiers, the always-reviewed flags, the ordered rules and who decides, as RevOps reads a policy."""
        from leadqual.domain.qualification.flags import ALWAYS_REVIEWED
        from leadqual.domain.qualification.rules import reviewers_in_words, rule_in_words

        return cls(
            version=policy.version,
            tiers=[TierInWords(id=tier.id, description=tier.description) for tier in policy.tiers],
            always_reviewed=[flag.value for flag in ALWAYS_REVIEWED],
            rules=[
                RuleInWords(id=rule.id, in_words=rule_in_words(rule), description=rule.description)
                for rule in policy.rules
            ],
            reviewers=ReviewersInWords(
                in_words=reviewers_in_words(policy), decide_any=policy.reviewers.decide_any,
                teams=policy.reviewers.teams,
            ),
        )  # fmt: skip
