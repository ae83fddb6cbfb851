"""No input, however malformed, gets a 5xx, and a rejected request stores nothing (property-based)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.conftest import lead_body

EXAMPLES = 120
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same bodies every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Every POST/PUT route, with a valid body to mutate (the ids exist: see `world`).
ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "leads": ("POST /leads", lead_body(email="fuzz@northwind.io")),
    "events": (
        "POST /events",
        {"email": "fuzz@northwind.io", "type": "page_view", "page_category": "pricing"},
    ),
    "intent": ("POST /intent", {"signals": [{"domain": "northwind.io", "topic": "crm", "score": 80}]}),
    "account": ("PUT /accounts/northwind.io", {"name": "Northwind", "employees": 1200, "country": "US"}),
    "decision": ("POST /reviews/rv_fuzz/decision", {"decision": "approve", "reviewer": "sam"}),
    "outcome": ("POST /leads/{lead_id}/outcome", {"outcome": "closed_won", "amount": 1000}),
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=20,
)
# Values no field of the contract accepts for a required field, whatever its type.
wrong_values = (
    st.lists(json_values, min_size=1, max_size=3)
    | st.dictionaries(st.text(min_size=1, max_size=5), json_values, min_size=1, max_size=3)
    | st.integers(min_value=10**20, max_value=10**40)
    | st.text(min_size=3000, max_size=3100).map(lambda text: "not a number: " + text)
)
# Raw texts that break parsers rather than schemas.
hostile_texts = st.sampled_from(
    [
        "[" * 5000 + "]" * 5000,
        '{"a":' * 3000 + "1" + "}" * 3000,
        "1" * 5000,
        '{"email": ' + "9" * 4400 + ', "form": "other"}',
        '{"email": "x@y.io", "form": "other", "company": {"domain": "' + "a" * 2100 + '.com"}}',
        '{"email": "\\ud800@y.io", "form": "other"}',
        "\x00\x01\x02",
        "",
        "   ",
        "null",
        '"a string"',
        "NaN",
        '{"email": "x@y.io", "form": "other", "employees": Infinity}',
    ]
)


@pytest.fixture(scope="module")
def world() -> Iterator[dict[str, str]]:
    """One lead and one pending-less review id to aim at; the module shares the cloud for speed."""
    with LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1) as cloud:
        lead_id = call_api("POST", "/leads", lead_body(email="target@northwind.io")).json()["lead_id"]
        yield {"lead_id": lead_id}
        assert not cloud.iam.denials, cloud.iam.report()


def _stored() -> tuple[int, ...]:
    return tuple(
        client("dynamodb").scan(TableName=table, Select="COUNT")["Count"]
        for table in (resources.LEADS_TABLE, resources.SIGNALS_TABLE)
    )


def _route(name: str, world: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    method_path, valid = ROUTES[name]
    method, path = method_path.split(" ")
    return method, path.format(**world), valid


def _refused_and_nothing_stored(
    method: str, path: str, body: str, headers: dict[str, str] | None = None
) -> None:
    before = _stored()
    response = call_api(method, path, body, headers)
    assert response.status < 500, (method, path, body[:200], response.body[:500])
    assert 400 <= response.status < 500, (method, path, body[:200], response.status)
    error = response.json()
    assert set(error) == {"error", "message", "details"} and isinstance(error["details"], list)
    assert all(set(d) == {"field", "message"} for d in error["details"])
    assert _stored() == before, "a rejected request stored something"


@pytest.mark.parametrize("route", list(ROUTES))
def test_bodies_with_a_wrong_field_are_refused_naming_it(route: str, world: dict[str, str]) -> None:
    method, path, valid = _route(route, world)

    @FUZZ
    @given(field=st.sampled_from(sorted(valid)), value=wrong_values, extra=st.booleans())
    def check(field: str, value: Any, extra: bool) -> None:
        body = {**valid, field: value}
        if extra:
            body["not_a_field"] = value
        _refused_and_nothing_stored(method, path, json.dumps(body))

    check()


@pytest.mark.parametrize("route", list(ROUTES))
def test_arbitrary_json_and_hostile_text_are_refused(route: str, world: dict[str, str]) -> None:
    method, path, _ = _route(route, world)

    @FUZZ
    @given(
        body=st.one_of(json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps), hostile_texts)
    )
    def check(body: str) -> None:
        _refused_and_nothing_stored(method, path, body)

    check()


@pytest.mark.parametrize(
    "target",
    [
        "/reviews?cursor=1",
        "/reviews?cursor=%7B%22pk%22%3A1%7D",
        "/reviews?cursor=" + "a" * 3000,
        "/reviews?limit=99999999999999999999999",
        "/reviews?account=" + "a" * 3000,
        "/leads/" + "x" * 3000,
        "/leads/" + "x" * 3000 + "/rules",
        "/reports/retrospective?since=yesterday",
    ],
)
def test_hostile_reads_get_a_4xx(target: str, world: dict[str, str]) -> None:
    response = call_api("GET", target)
    assert 400 <= response.status < 500, (target, response.status, response.body[:300])


def test_over_long_ids_and_keys_in_writes_get_a_4xx(world: dict[str, str]) -> None:
    long = "x" * 3000
    _refused_and_nothing_stored(
        "POST", f"/reviews/{long}/decision", json.dumps({"decision": "approve", "reviewer": "s"})
    )
    _refused_and_nothing_stored("POST", f"/leads/{long}/outcome", json.dumps({"outcome": "closed_won"}))
    _refused_and_nothing_stored("PUT", f"/accounts/{'a' * 2100}.com", json.dumps({"name": "x"}))
    _refused_and_nothing_stored("POST", "/leads", json.dumps(lead_body()), {"Idempotency-Key": long})
