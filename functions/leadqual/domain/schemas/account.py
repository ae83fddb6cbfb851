"""An account: the firmographics and strategy RevOps keeps per company domain."""

from datetime import datetime
from typing import Annotated

from pydantic import (
    Field,
    Strict,
    StrictBool,
)

from leadqual.domain.schemas.shared import ShortText, StrictModel


class AccountProfile(StrictModel):
    """Body of PUT /accounts/{domain}: firmographics and strategy RevOps owns."""

    name: ShortText | None = None
    employees: Annotated[int, Strict(), Field(ge=0, le=10_000_000)] | None = None
    annual_revenue: Annotated[float, Strict(), Field(ge=0, le=1e13)] | None = None
    industry: ShortText | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    technologies: Annotated[list[ShortText], Field(max_length=200)] = []
    named_account: StrictBool = False
    owner: Annotated[str, Field(max_length=200)] | None = None
    tier: Annotated[str, Field(max_length=50)] | None = None
    strategic: StrictBool = Field(default=False, description="RevOps marks strategically important accounts")


class Account(AccountProfile):
    domain: str
    updated_at: datetime
