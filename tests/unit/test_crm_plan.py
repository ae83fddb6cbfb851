"""The field contract and the owner rule: what leadqual writes to a CRM record, decided without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadqual.domain.crm import (
    REASONS_MAX_CHARACTERS,
    ChangeSource,
    CrmRecord,
    OwnerChange,
    crm_values,
    digest,
    overwritten_person,
    plan_write,
    reasons_in_words,
)
from leadqual.domain.schemas.crm import CrmField, CrmPolicy, FieldRule, OwnerWrite, WritePolicy
from leadqual.domain.schemas.crm_writes import OwnerVerdict
from leadqual.domain.schemas.lead import Lead, LeadStatus, Route
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.vocabulary import RouteAction
from tests.fakes import a_lead

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _routed_lead() -> Lead:
    scores = Scores(
        conversion_probability=0.4123, fit=70, engagement=55, intent=61, grade="A", model_version="m1"
    )
    route = Route(action=RouteAction.SDR_OUTREACH, owner="sam.sdr", rule="high-band-sdr", decided_by="rules",
                  routed_at=NOW, dispatch_id="ld_a1-e0")  # fmt: skip
    return a_lead(
        status=LeadStatus.ROUTED, scores=scores, tier="mid_market", policy_version=3, route=route,
        flags=["pricing_page_visit", "demo_request"], reasons=["Visited pricing twice", "VP title", "80 staff", "4th"],
    )  # fmt: skip


def test_the_contract_values_are_the_leads_own_in_the_crms_terms() -> None:
    values = crm_values(_routed_lead(), "https://console.example/console/")

    assert values[CrmField.SCORE] == 41 and values[CrmField.PROBABILITY] == 0.4123
    assert (values[CrmField.GRADE], values[CrmField.TIER], values[CrmField.ROUTE]) == (
        "A",
        "mid_market",
        "sdr_outreach",
    )
    assert (values[CrmField.OWNER], values[CrmField.RULE], values[CrmField.POLICY_VERSION]) == (
        "sam.sdr",
        "high-band-sdr",
        3,
    )
    assert values[CrmField.REASONS] == "Visited pricing twice\nVP title\n80 staff"  # the top three
    assert values[CrmField.INTENT_FLAGS] == "demo_request;pricing_page_visit"
    assert values[CrmField.CONSOLE_LINK] == "https://console.example/console/leads/ld_a1"


def test_reasons_are_cut_to_the_fields_length_at_a_whole_reason() -> None:
    long = ["a" * 600, "b" * 600, "c" * 10]
    text = reasons_in_words(long)
    assert len(text) <= REASONS_MAX_CHARACTERS and text == "a" * 600


def test_a_new_record_gets_every_written_field_and_the_owner() -> None:
    policy = CrmPolicy()
    values = crm_values(_routed_lead(), "")

    plan = plan_write(values, None, policy, "101", written={})

    assert plan.properties["leadqual_score"] == 41 and plan.owner == "101"
    assert plan.owner_verdict is OwnerVerdict.WRITTEN
    assert "hs_lead_status" not in plan.properties  # a standard field: never, unless RevOps opts in


def test_only_what_changed_is_written() -> None:
    policy, values = CrmPolicy(), crm_values(_routed_lead(), "")
    first = plan_write(values, None, policy, None, written={})
    values[CrmField.SCORE] = 52

    second = plan_write(values, CrmRecord("c1", {}, None), policy, None, written=first.digests)

    assert second.properties == {"leadqual_score": 52}
    assert second.digests["leadqual_score"] == digest(52)


def test_if_empty_keeps_a_value_someone_put_there_and_never_writes_nothing() -> None:
    policy = CrmPolicy(fields={CrmField.TIER: FieldRule(name="leadqual_tier", write=WritePolicy.IF_EMPTY),
                               CrmField.GRADE: FieldRule(name="leadqual_grade", write=WritePolicy.NEVER)})  # fmt: skip
    record = CrmRecord("c1", {"leadqual_tier": "enterprise"}, None)

    plan = plan_write(crm_values(_routed_lead(), ""), record, policy, None, written={})

    assert "leadqual_tier" not in plan.properties and "leadqual_grade" not in plan.properties
    assert plan.properties["leadqual_score"] == 41  # the fields the file did not name keep their defaults


def test_opting_in_to_a_standard_field_writes_it() -> None:
    policy = CrmPolicy(
        fields={CrmField.LEAD_STATUS: FieldRule(name="hs_lead_status", write=WritePolicy.ALWAYS)}
    )
    plan = plan_write(crm_values(_routed_lead(), ""), None, policy, None, written={})
    assert plan.properties["hs_lead_status"] == "NEW"


def _person_owned(at: datetime = NOW) -> CrmRecord:
    return CrmRecord("c1", {}, "202", [
        OwnerChange("101", at - timedelta(hours=1), ChangeSource.INTEGRATION),
        OwnerChange("202", at, ChangeSource.PERSON, by="7"),
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "record", "verdict", "conflict"),
    [
        (OwnerWrite.UNLESS_PERSON_CHANGED, _person_owned(), OwnerVerdict.KEPT, True),
        (OwnerWrite.UNLESS_PERSON_CHANGED, CrmRecord("c1", {}, "303", [
            OwnerChange("303", NOW, ChangeSource.INTEGRATION)]), OwnerVerdict.WRITTEN, False),
        (OwnerWrite.ALWAYS, _person_owned(), OwnerVerdict.WRITTEN, False),
        (OwnerWrite.NEVER, CrmRecord("c1", {}, None), OwnerVerdict.KEPT, False),
        (OwnerWrite.IF_UNOWNED, CrmRecord("c1", {}, "queue-1"), OwnerVerdict.WRITTEN, False),
        (OwnerWrite.IF_UNOWNED, CrmRecord("c1", {}, "303"), OwnerVerdict.KEPT, True),
        (OwnerWrite.IF_UNOWNED, CrmRecord("c1", {}, None), OwnerVerdict.WRITTEN, False),
    ],
)  # fmt: skip
def test_the_owner_rule(rule: OwnerWrite, record: CrmRecord, verdict: OwnerVerdict, conflict: bool) -> None:
    policy = CrmPolicy(owner_write=rule, unowned_ids=["queue-1"])

    plan = plan_write(crm_values(_routed_lead(), ""), record, policy, "101", written={})

    assert plan.owner_verdict is verdict
    assert (plan.owner == "101") is (verdict is OwnerVerdict.WRITTEN)
    assert bool(plan.conflict) is conflict
    assert plan.properties["leadqual_owner"] == "sam.sdr"  # the score fields go whatever the owner rule says


def test_a_kept_owner_says_who_set_it_and_what_leadqual_would_have_chosen() -> None:
    plan = plan_write(crm_values(_routed_lead(), ""), _person_owned(), CrmPolicy(), "101", written={})
    assert plan.conflict is not None
    assert "owner 202 kept, not sam.sdr" in plan.conflict and "a person (7)" in plan.conflict


def test_an_owner_not_in_the_roster_is_left_as_it_is() -> None:
    plan = plan_write(crm_values(_routed_lead(), ""), None, CrmPolicy(), None, written={})
    assert plan.owner is None and plan.owner_verdict is OwnerVerdict.NOT_MAPPED


def test_a_persons_change_made_while_leadqual_wrote_is_found_and_only_then() -> None:
    before = CrmRecord("c1", {}, None, [])
    person = OwnerChange("202", NOW, ChangeSource.PERSON, by="7")
    overwritten = CrmRecord(
        "c1", {}, "101", [person, OwnerChange("101", NOW + timedelta(seconds=1), ChangeSource.LEADQUAL)]
    )
    after_leadqual = CrmRecord("c1", {}, "202", [OwnerChange("101", NOW, ChangeSource.LEADQUAL), person])

    assert overwritten_person(before, overwritten, "101") == person
    assert overwritten_person(before, after_leadqual, "101") is None  # the person's choice stands
    assert overwritten_person(_person_owned(), _person_owned(), "101") is None  # seen before the write


def test_the_policy_refuses_two_fields_with_one_crm_name() -> None:
    with pytest.raises(ValueError, match="same CRM name"):
        CrmPolicy(fields={CrmField.TIER: FieldRule(name="leadqual_score")})
