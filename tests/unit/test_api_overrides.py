"""Each domain's routes take their services (the policy included) through `Depends`: a test gives
a route a fake with `app.dependency_overrides`, and no AWS, settings or moto are involved."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest

from leadqual import wiring
from leadqual.api.app import build_app
from leadqual.api.views import DECIDED_FIELDS
from leadqual.domain.policy import load_policy
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.vocabulary import ReviewStatus, RouteAction
from leadqual.services.distribution import DistributionService
from leadqual.services.leads import LeadService
from leadqual.services.reviews import ReviewService
from leadqual.services.signals import SignalService
from leadqual_tools.local.api_gateway import proxy_event
from leadqual_tools.local.invoker import LocalLambdaContext
from leadqual_tools.roster_simulation import MemoryRoster
from tests.fakes import (
    InMemoryDecisions,
    InMemoryHolds,
    InMemoryLeads,
    InMemorySignals,
    RecordingNotifier,
    RecordingScoringQueue,
    RecordingWorkflow,
    a_lead,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = build_app()


@pytest.fixture
def override() -> Iterator[Callable[[Callable[..., Any], Any], None]]:
    def use(factory: Callable[..., Any], fake: Any) -> None:
        app.dependency_overrides[factory] = lambda: fake

    yield use
    app.dependency_overrides.clear()


def _call(method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    event = proxy_event(
        method, path, {"content-type": "application/json"}, json.dumps(body) if body else None
    )
    answer = app.resolve(event, cast("LambdaContext", LocalLambdaContext(function_name="leadqual-api")))
    return answer["statusCode"], json.loads(answer["body"])


def test_leads_explains_a_lead_its_fake_store_holds(override: Callable[..., None]) -> None:
    lead = a_lead("ld_fake1")
    override(wiring.lead_service, LeadService(InMemoryLeads().add(lead), RecordingScoringQueue()))
    override(wiring.policy, load_policy())
    status, explained = _call("GET", "/leads/ld_fake1/rules")
    assert status == 200 and explained["lead_id"] == "ld_fake1"
    assert _call("GET", "/leads/ld_other/rules")[0] == 404


def test_reviews_reads_a_review_from_its_fake_store(override: Callable[..., None]) -> None:
    lead = a_lead("ld_rv1")
    review = Review(
        review_id="rv_rv1", lead_id="ld_rv1", account="northwind.io", status=ReviewStatus.PENDING,
        triggers=["named_account"], reasons=[], scores=None, suggested_route=RouteAction.AE_NOTIFY,
        suggested_owner="maria.lopez", rule="named-account-review", created_at=lead.received_at,
        due_at=lead.received_at + timedelta(hours=1),
    )  # fmt: skip
    decisions = InMemoryDecisions(reviews={"rv_rv1": (review, 1, "token")})
    reviews = ReviewService(
        InMemoryLeads().add(lead), decisions, RecordingNotifier(), RecordingWorkflow(), timeout_seconds=60
    )
    policy = load_policy()
    override(wiring.review_service, reviews)
    override(wiring.policy, policy)
    override(wiring.distribution_service, DistributionService(MemoryRoster(), policy))
    status, shown = _call("GET", "/reviews/rv_rv1")
    assert status == 200 and (shown["lead_id"], shown["suggested_owner"]) == ("ld_rv1", "maria.lopez")
    # The owner and the triggers as the SDR reads them
    assert (shown["suggested_owner_name"], shown["trigger_words"]) == ("Maria Lopez", ["Named account"])
    assert "task_token" not in json.dumps(shown)
    assert all(shown[field] is None for field in DECIDED_FIELDS), "a pending review has no decision yet"


def test_signals_stores_an_account_in_its_fake_store(override: Callable[..., None]) -> None:
    signals = InMemorySignals()
    service = SignalService(
        signals, InMemoryLeads(), InMemoryHolds(),
        RecordingScoringQueue(),
    )  # fmt: skip
    override(wiring.signal_service, service)
    status, account = _call("PUT", "/accounts/northwind.io", {"name": "Northwind", "named_account": True})
    assert status == 200 and account["domain"] == "northwind.io"
    assert signals.accounts["northwind.io"].named_account


def test_reports_answer_the_policy_they_are_given(override: Callable[..., None]) -> None:
    override(wiring.policy, load_policy().model_copy(update={"version": 7}))
    status, policy = _call("GET", "/policy")
    assert status == 200 and policy["version"] == 7
