"""First-party behaviour and third-party intent as stored, and the windows that summarise them."""

from datetime import datetime

from pydantic import BaseModel, Field

from leadqual.domain.schemas.vocabulary import EventType, OutcomeKind, PageCategory, RouteAction


class StoredEvent(BaseModel):
    type: EventType
    page_category: PageCategory | None = None
    occurred_at: datetime


class StoredIntent(BaseModel):
    topic: str
    score: float
    competitor: str | None = None
    observed_at: datetime


class PastTouch(BaseModel):
    """An earlier lead or a reported outcome of a person or account: what 'went cold' is judged on."""

    lead_id: str
    at: datetime
    outcome: OutcomeKind | None = None
    route: RouteAction | None = None  # where that earlier lead was sent, once it was


class BehaviourWindows(BaseModel):
    """How behaviour and intent are summarised into features. Part of the feature specification."""

    half_life_days: float = Field(
        default=14.0, gt=0, description="Engagement loses half its weight after this"
    )
    behaviour_window_days: int = Field(default=30, gt=0)
    repeat_window_hours: int = Field(default=48, gt=0)
    intent_window_days: int = Field(default=21, gt=0)
    surge_threshold: float = Field(default=60.0, ge=0, le=100)
    competitor_window_days: int = Field(default=30, gt=0)
    cold_after_days: int = Field(default=365, gt=0, description="Cap for days since last activity")

    def decay(self, age_days: float) -> float:
        return float(0.5 ** (max(age_days, 0.0) / self.half_life_days))
