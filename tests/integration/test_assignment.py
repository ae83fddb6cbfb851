"""Fair distribution on the DynamoDB roster (moto): caps hold under concurrent claims, claims and
credits happen once, edits never overwrite each other."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from leadqual import resources
from leadqual.adapters.dynamo_roster import DynamoRoster
from leadqual.domain.ports import ConflictError
from leadqual.domain.schemas.roster import Caps, CreditReason, Exclusion, RepSettings
from leadqual.services.distribution import DistributionService
from leadqual_tools.local.cloud import LocalCloud
from tests.policies import pool_policy

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # a Monday, in everyone's (UTC) working hours


def _service(**reps: RepSettings) -> tuple[DistributionService, DynamoRoster]:
    roster = DynamoRoster(resources.LEADS_TABLE)
    return DistributionService(roster, pool_policy(reps), clock=lambda: NOW), roster


def test_fifty_concurrent_claims_never_breach_a_cap_and_only_then_go_to_the_team_queue(
    cloud: LocalCloud,
) -> None:
    # GIVEN three reps capped differently: 5 open, 4 a day, 3 a week (12 leads in all)
    service, roster = _service(
        ana=RepSettings(caps=Caps(open=5)),
        ben=RepSettings(caps=Caps(daily=4)),
        cho=RepSettings(caps=Caps(weekly=3)),
    )
    service.reps()  # seeded before the burst, as the first lead of a deployment does
    leads = [f"ld_{i:02d}" for i in range(50)]
    # WHEN 50 leads are given out at once
    with ThreadPoolExecutor(max_workers=10) as pool:
        given = list(pool.map(lambda lead: service.assign(lead, "pool", 0.3), leads))
    # THEN each rep holds exactly their cap, and the other 38 went to the team queue
    taken = Counter(g.rep for g in given if g.rep)
    assert taken == {"ana": 5, "ben": 4, "cho": 3}
    queued = [g for g in given if g.rep is None]
    assert len(queued) == 38 and {g.owner for g in queued} == {"pool-sdr-queue"}
    # ... each only because nobody was eligible: every rep excluded by a cap (or a cap reached meanwhile)
    for g in queued:
        assert all(c.excluded is not None for c in g.candidates), g.candidates
    loads = roster.loads(service.reps(), NOW)
    assert (loads["ana"].open, loads["ben"].today, loads["cho"].this_week) == (5, 4, 3)
    cycle_ledger = roster.ledger("pool", "2026-12")
    assert {rep: line.leads for rep, line in cycle_ledger.items()} == {"ana": 5, "ben": 4, "cho": 3}


def test_a_retried_claim_keeps_its_rep_and_releases_and_credits_happen_once(cloud: LocalCloud) -> None:
    service, roster = _service(ana=RepSettings(caps=Caps(open=1)), ben=RepSettings(caps=Caps(open=1)))
    first = service.assign("ld_a", "pool", 0.4)
    assert first.rep is not None
    assert service.assign("ld_a", "pool", 0.4).rep == first.rep  # the same lead asks again
    other = service.assign("ld_b", "pool", 0.2)
    assert other.rep is not None and other.rep != first.rep
    full = service.assign("ld_c", "pool", 0.2)
    assert full.rep is None and {c.excluded for c in full.candidates} == {Exclusion.OPEN_CAP}

    assert roster.release("ld_a") == first.rep
    assert roster.release("ld_a") is None  # released already
    assert roster.credit("ld_a", CreditReason.NOT_A_FIT)
    assert not roster.credit("ld_a", CreditReason.NOT_A_FIT)  # once per reason
    line = roster.ledger("pool", "2026-12")[first.rep]
    assert (line.leads, round(line.value, 6)) == (0, 0)
    assert service.assign("ld_c", "pool", 0.2).rep == first.rep  # the freed slot, and the credited count


def test_an_edit_made_meanwhile_is_never_overwritten_and_a_seed_never_undoes_an_edit(
    cloud: LocalCloud,
) -> None:
    service, roster = _service(ana=RepSettings(weight=1))
    ana = next(p for p in service.reps() if p.rep == "ana")
    edited = service.update("ana", RepSettings(pools=["pool"], weight=3), ana.version, by="revops")
    assert edited.weight == 3 and edited.updated_by == "revops"
    with pytest.raises(ConflictError, match="since version"):
        service.update("ana", RepSettings(pools=["pool"], weight=2), ana.version, by="someone.else")
    assert roster.seed([ana]) == 0  # the policy's seed again: the edit stands
    assert next(p for p in service.reps() if p.rep == "ana").weight == 3


def test_a_newcomer_starts_level_with_the_pool_and_is_saved_once(cloud: LocalCloud) -> None:
    service, roster = _service(ana=RepSettings(), ben=RepSettings())
    for i in range(6):
        service.assign(f"ld_{i}", "pool", 0.5)
    service.add("dee", RepSettings(pools=["pool"]), by="revops")
    given = service.assign("ld_new", "pool", 0.5)
    dee = roster.ledger("pool", "2026-12")["dee"]
    assert dee.adjust_leads == pytest.approx(3.0) and dee.revision == 1  # the pool's mean per weight
    assert next(c for c in given.candidates if c.rep == "dee").shortfall is not None
    service.assign("ld_next", "pool", 0.5)
    assert roster.ledger("pool", "2026-12")["dee"].revision == 1  # placed once, not again each lead


def test_working_hours_and_time_off_exclude_with_words(cloud: LocalCloud) -> None:
    from leadqual.domain.schemas.roster import Away, WorkingHours

    tokyo = WorkingHours(timezone="Asia/Tokyo", start="09:00", end="18:00")  # 00:00 there at NOW
    service, _ = _service(
        ana=RepSettings(hours=tokyo),
        ben=RepSettings(away=[Away(start=NOW - timedelta(days=1), end=NOW + timedelta(days=2), note="PTO")]),
        cho=RepSettings(),
    )
    given = service.assign("ld_1", "pool", 0.3)
    assert given.rep == "cho"
    why = {c.rep: (c.excluded, c.detail) for c in given.candidates}
    assert why["ana"][0] is Exclusion.OFF_HOURS and "Asia/Tokyo" in why["ana"][1]
    assert why["ben"][0] is Exclusion.AWAY and why["ben"][1].startswith("out of office until Wed 09 Dec")
    assert "ana off hours" in given.reason and "ben out of office" in given.reason
