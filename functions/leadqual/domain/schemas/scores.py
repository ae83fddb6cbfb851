"""What the model said about a lead: calibrated probability, sub-scores and exact reasons."""

from typing import Literal

from pydantic import (
    BaseModel,
)


class Reason(BaseModel):
    """One factor behind a score: its share of the model's log-odds, and how a rep reads it."""

    feature: str
    text: str
    contribution: float


class Scores(BaseModel):
    conversion_probability: float
    fit: int
    engagement: int
    intent: int
    grade: Literal["A", "B", "C", "D"]
    model_version: str
    top_positive: list[Reason] = []
    top_negative: list[Reason] = []
