"""schemathesis against `leadqual serve`, from the OpenAPI document it serves (docs/openapi.json):
no 5xx, every answer as the document says (status, content type, schema), invalid data refused,
and stateful sequences along the document's links (a lead created, then read)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy  # noqa: F401  (see below)
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import positive_data_acceptance

from leadqual.api.app import openapi_document
from leadqual_tools.local.cloud import LocalCloud
from tests.conftest import serving

# Bounded: about a minute and a half in all on 2 cores (make test stays well under 20 minutes).
EXAMPLES_PER_OPERATION = 30
SEQUENCES = 25
# Fewer, and the links were hardly followed (see the FlakyStrategyDefinition note below).
MIN_SEQUENCES = 10
# Times are refused more than 3 years back or 5 minutes ahead of now (docs/api.md), which JSON
# Schema cannot state, so a schema-valid body can be refused: "valid data accepted" is not checked.
# Everything else is: no 5xx, statuses, content types, headers, answers' schemas, and that data
# the document rules out is refused.
NOT_CHECKED: list[CheckFunction] = [positive_data_acceptance]


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1) as cloud:
        with serving(cloud) as url:
            yield url
        assert not cloud.iam.denials, cloud.iam.report()


def _without_credentials(document: dict[str, Any]) -> dict[str, Any]:
    """The document as `leadqual serve` answers it: API Gateway checks the credentials in AWS
    (tests/infra asserts each route's auth) and `leadqual serve` authenticates no one (docs/api.md),
    so the fuzzer is not told to send them, nor to expect a 401 without them."""
    for operations in document["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    return document


# numpy is imported before any test runs: the scoring function imports it in a poller thread, and
# Hypothesis, which looks numpy up in sys.modules as it draws, must never find it half-imported.

# The document `leadqual serve` serves at /openapi.json (tests/e2e/test_local_server.py shows it
# is docs/openapi.json), loaded up front so that each operation is a test of its own.
schema = schemathesis.openapi.from_dict(_without_credentials(openapi_document()))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_the_document_says(case: schemathesis.Case, served: str) -> None:
    case.call_and_validate(base_url=served, excluded_checks=NOT_CHECKED)


def test_sequences_along_the_links_answer_as_the_document_says(served: str) -> None:
    """Create a lead, then read it, explain its routing and report its outcome; list reviews,
    then decide the first and read its lead: each step's answer checked as above."""

    answered: Counter[tuple[str, int]] = Counter()
    # schemathesis guesses from the name `anonymous_id` that POST /leads needs an "Anonymous"
    # resource no operation makes, and so would never start a sequence with a new lead. The id is
    # the web analytics cookie's, which the caller has; the guess is taken back.
    for operation in schema.analysis.dependency_graph.operations.values():
        operation.inputs = [slot for slot in operation.inputs if slot.resource.name != "Anonymous"]

    class LeadWorkflows(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": served}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            answered[(f"{case.operation.method.upper()} {case.operation.path}", response.status_code)] += 1

        def validate_response(
            self, response: Any, case: schemathesis.Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            try:
                case.validate_response(response, excluded_checks=NOT_CHECKED, transport_kwargs=kwargs)
            except BaseException as failure:
                failed.append(f"{case.operation.method.upper()} {case.operation.path}: {failure!r}"[:2000])
                raise

        def teardown(self) -> None:
            sequences.append(1)

    failed: list[str] = []
    sequences: list[int] = []
    # The server's state moves between sequences (leads pile up, reviews are decided or time out),
    # so a replayed prefix can meet other answers and so other links, and Hypothesis then stops
    # generating (FlakyStrategyDefinition). schemathesis's own runner reads that the same way: not
    # a failure of the API. Every check that failed is in `failed` either way.
    with contextlib.suppress(FlakyStrategyDefinition):
        LeadWorkflows.run(
            settings=settings(
                max_examples=SEQUENCES, stateful_step_count=6, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
        )  # fmt: skip
    assert not failed, failed
    assert len(sequences) >= MIN_SEQUENCES, f"only {len(sequences)} sequences ran"
    # The links were followed: leads made by POST /leads were then found by id.
    assert answered[("POST /leads", 202)] and answered[("GET /leads/{lead_id}", 200)], answered
