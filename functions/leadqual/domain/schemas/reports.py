"""The reports, as records: do high scores convert (the retrospective), and how fast the flow is.

The domain computes their figures (`domain.feedback`, `domain.flow_report`); the feedback service
returns them as these records, and the API answers them as they are (docs/api.md, "Reports").
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class GroupFigures(BaseModel):
    """One grade, tier, route or rule: the key is named for what it groups by."""

    model_config = {"extra": "allow"}

    reported: int
    decided: int
    won: int
    conversion_rate: float | None
    mean_predicted: float | None
    misrouted: int
    misroute_rate: float | None
    too_few: bool


class ReportWindowView(BaseModel):
    since: datetime | None
    until: datetime | None


class Retrospective(BaseModel):
    window: ReportWindowView
    reported: int
    decided: int
    won: int
    open: int
    verdict: str
    by_grade: list[GroupFigures]
    by_tier: list[GroupFigures]
    by_route: list[GroupFigures]
    by_rule: list[GroupFigures]
    corrections: dict[str, int] = Field(description="How often sales corrected one route to another")
    by_decile: list[DecileFigures] = Field(
        description="Decided, scored leads in ten equal groups by predicted probability, highest first"
    )
    lift: Lift


class DecileFigures(BaseModel):
    decile: int = Field(ge=1, le=10)
    decided: int
    won: int
    conversion_rate: float | None
    mean_predicted: float | None
    lowest_predicted: float | None = Field(description="The lowest probability in the decile")


class Lift(BaseModel):
    top_decile_rate: float | None
    middle_rate: float | None = Field(description="Conversion of the 5th and 6th deciles together")
    lift: float | None = Field(description="Top decile's conversion over the middle's")
    too_few: bool


class TimeBucket(BaseModel):
    label: str
    leads: int


class TimeDistribution(BaseModel):
    count: int
    buckets: list[TimeBucket]
    median_seconds: float | None
    p90_seconds: float | None
    within_hour_share: float | None


class ReviewsOnADay(BaseModel):
    day: date
    requested: int


class Acknowledgements(BaseModel):
    """One rep's (or route's) leads: how many were acknowledged, and how fast; how many had sales
    activity on the CRM record, and how soon after the route."""

    key: str = Field(description="The rep (the route's owner), or the route")
    routed: int
    acknowledged: int
    median_seconds: float | None
    p90_seconds: float | None
    within_hour_share: float | None
    with_activity: int = Field(description="Leads with activity logged on the CRM record after the route")
    activity_median_seconds: float | None = Field(description="Median from the route to the first activity")


class FlowFigures(BaseModel):
    """How fast leads were routed and reviewed, and whether the SDRs kept up."""

    window: ReportWindowView
    leads: int = Field(description="Leads submitted in the window")
    routed: int
    time_to_route: TimeDistribution = Field(description="From receipt to the route (speed to lead)")
    time_in_review: TimeDistribution
    reviews_per_day: list[ReviewsOnADay]
    review_capacity_per_day: int = Field(description="SDRs x the policy's reviews_per_sdr_per_day")
    days_over_capacity: int
    review_decisions: dict[str, int] = Field(description="Reviews by status: pending, approved, ...")
    kept_suggestion_share: float | None = Field(description="Approved, of the reviews SDRs decided")
    route_changes: dict[str, int] = Field(description="Suggested -> final route, where an SDR changed it")
    time_to_acknowledge: TimeDistribution = Field(
        description="From the route to the owner's acknowledgement (Slack, the e-mail's link, CRM activity), "
        "for SDR outreach and AE routes"
    )
    time_to_first_activity: TimeDistribution = Field(
        description="From the route to the first sales activity logged on the CRM record"
    )
    acknowledgement_by_rep: list[Acknowledgements]
    acknowledgement_by_route: list[Acknowledgements]


class Reports(BaseModel):
    retrospective: Retrospective
    flow: FlowFigures
