"""Fair distribution: shares follow weights, the excluded never get a lead, calibration does as it says."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadqual.domain.distribution import (
    LedgerEntry,
    RepLoad,
    away_now,
    exclusion,
    is_working,
    next_start,
    rank,
)
from leadqual.domain.policy import Cycle, Distribution, Newcomer, Returning
from leadqual.domain.schemas.roster import Away, Caps, Exclusion, RepProfile, RepSettings, WorkingHours
from leadqual.services.distribution import DistributionService
from leadqual_tools.roster_simulation import MemoryRoster, SimulatedLead, simulate
from tests.policies import pool_policy

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def _rep(rep: str, **settings: object) -> RepProfile:
    return RepProfile(rep=rep, joined_at=MONDAY - timedelta(days=60), pools=["pool"], **settings)


def _leads(count: int, seed: int = 7, days: float = 20) -> list[SimulatedLead]:
    chance = random.Random(seed)
    return [
        SimulatedLead(
            f"ld_{i}",
            MONDAY + timedelta(seconds=chance.uniform(0, days * 86400)),
            "pool",
            round(chance.betavariate(1.2, 4), 4),
        )  # fmt: skip
        for i in range(count)
    ]


UNCAPPED = Caps(open=10_000)


def test_ten_thousand_leads_at_weights_2_1_1_each_share_is_within_a_point_of_its_target() -> None:
    policy = pool_policy({"ana": RepSettings(weight=2, caps=UNCAPPED), "ben": RepSettings(caps=UNCAPPED),
                          "cho": RepSettings(caps=UNCAPPED)})  # fmt: skip
    result = simulate(_leads(10_000), policy, days_open=0.5)
    assert sum(s.leads for s in result.shares) == 10_000 and not result.team_queue
    for share in result.shares:
        assert abs(share.share_of(10_000) - share.target) <= 0.01, share
    assert [round(s.target, 2) for s in sorted(result.shares, key=lambda s: s.rep)] == [0.5, 0.25, 0.25]


def test_at_lambda_one_the_pipeline_is_shared_by_weight_not_the_count() -> None:
    policy = pool_policy(
        {
            "ana": RepSettings(weight=2, caps=UNCAPPED),
            "ben": RepSettings(caps=UNCAPPED),
            "cho": RepSettings(caps=UNCAPPED),
        },
        Distribution(value_weight=1.0),
    )
    result = simulate(_leads(4_000, seed=11), policy, days_open=0.5)
    total = sum(s.value for s in result.shares)
    for share in result.shares:
        assert abs(share.value / total - share.target) <= 0.01, share


def test_ties_go_to_the_higher_weight_then_to_whoever_waited_longest_then_a_stable_hash() -> None:
    settings = Distribution()
    reps = [_rep("ana"), _rep("ben", weight=2), _rep("cho")]
    # Level ledger (no leads yet): ben's weight wins.
    assert rank("ld_1", "pool", reps, {}, {}, settings, MONDAY).candidates[0].rep == "ben"
    reps = [_rep("ana"), _rep("cho")]
    loads = {"ana": RepLoad(last_assigned_at=MONDAY - timedelta(hours=1)),
             "cho": RepLoad(last_assigned_at=MONDAY - timedelta(hours=3))}  # fmt: skip
    assert rank("ld_1", "pool", reps, loads, {}, settings, MONDAY).candidates[0].rep == "cho"
    # Nothing else tells them apart: the same lead always goes the same way.
    first = {rank(f"ld_{i}", "pool", reps, {}, {}, settings, MONDAY).candidates[0].rep for i in range(40)}
    assert first == {"ana", "cho"}
    assert all(
        rank(f"ld_{i}", "pool", reps, {}, {}, settings, MONDAY).candidates[0].rep
        == rank(f"ld_{i}", "pool", list(reversed(reps)), {}, {}, settings, MONDAY).candidates[0].rep
        for i in range(40)
    )


@pytest.mark.parametrize(
    ("newcomer", "expected"), [(Newcomer.MEAN, 10.0), (Newcomer.MAX, 14.0), (Newcomer.ZERO, 0.0)]
)
def test_a_newcomer_starts_where_the_pool_says(newcomer: Newcomer, expected: float) -> None:
    ledger = {"ana": LedgerEntry(leads=14), "ben": LedgerEntry(leads=6)}
    reps = [_rep("ana"), _rep("ben"), _rep("dee")]
    ranking = rank("ld_1", "pool", reps, {}, ledger, Distribution(newcomer=newcomer), MONDAY)
    assert ranking.ledger_changes["dee"] == (None, LedgerEntry(adjust_leads=expected, adjust_value=0.0))


def test_back_from_time_off_a_rep_is_owed_nothing_everything_or_a_few_a_day() -> None:
    away = [Away(start=MONDAY - timedelta(days=10), end=MONDAY - timedelta(hours=1))]
    reps = [_rep("ana"), _rep("ben"), _rep("cho", away=away)]
    # cho went away with the pool level; the others took 10 each since.
    ledger = {"ana": LedgerEntry(leads=15), "ben": LedgerEntry(leads=15),
              "cho": LedgerEntry(leads=5, away_since=MONDAY - timedelta(days=10))}  # fmt: skip

    def shortfall(settings: Distribution, at: datetime = MONDAY) -> float:
        ranking = rank("ld_1", "pool", reps, {}, ledger, settings, at)
        cho = next(c for c in ranking.candidates if c.rep == "cho")
        assert cho.shortfall is not None and ranking.ledger_changes["cho"][1].away_since is None
        return cho.shortfall

    assert shortfall(Distribution(returning=Returning.FULL)) == pytest.approx(6.6667, abs=1e-3)
    assert shortfall(Distribution(returning=Returning.NONE)) == pytest.approx(0.0, abs=1e-9)
    limited = Distribution(returning=Returning.LIMITED, extra_per_day=2)
    assert shortfall(limited) == pytest.approx(
        2.0 * 2 / 3, abs=1e-3
    )  # 2 released, of which their share is theirs
    # Saved, the catch-up keeps coming a few a day until it is all released.
    back = rank("ld_1", "pool", reps, {}, ledger, limited, MONDAY).ledger_changes["cho"][1]
    ledger["cho"] = back
    assert back.owed_leads == pytest.approx(10.0) and back.returned_at == MONDAY
    assert back.released(limited, MONDAY + timedelta(days=2)) == pytest.approx(0.6)
    assert back.released(limited, MONDAY + timedelta(days=6)) == 1.0


def test_nobody_at_work_the_rep_who_starts_soonest_within_the_window_is_eligible() -> None:
    night = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)  # Tuesday 03:00 UTC
    berlin = WorkingHours(timezone="Europe/Berlin", start="08:00", end="17:00")  # starts in 4 h
    tokyo = WorkingHours(timezone="Asia/Tokyo", days=["sat"], start="09:00", end="18:00")  # Saturday
    reps = [_rep("ana", hours=berlin), _rep("ben", hours=tokyo)]
    ranking = rank("ld_1", "pool", reps, {}, {}, Distribution(available_within_hours=12), night)
    assert not ranking.within_hours and [c.rep for c in ranking.eligible] == ["ana"]
    assert "nobody at work: starts Tue 08 Dec 08:00 Europe/Berlin" in ranking.eligible[0].detail
    ben = next(c for c in ranking.candidates if c.rep == "ben")
    assert ben.excluded is Exclusion.OFF_HOURS and "Sat 12 Dec 09:00 Asia/Tokyo" in ben.detail
    assert rank("ld_1", "pool", reps, {}, {}, Distribution(available_within_hours=0), night).eligible == []


def test_a_night_shift_runs_past_midnight() -> None:
    nights = WorkingHours(timezone="UTC", days=["mon"], start="22:00", end="06:00")
    assert is_working(nights, datetime(2026, 12, 8, 2, 0, tzinfo=UTC))  # Tuesday 02:00, Monday's shift
    assert not is_working(nights, datetime(2026, 12, 8, 7, 0, tzinfo=UTC))
    assert next_start(nights, datetime(2026, 12, 8, 7, 0, tzinfo=UTC)) == datetime(
        2026, 12, 14, 22, 0, tzinfo=UTC
    )


# --- the property: nobody inactive, away or capped ever gets a lead --------------------------------

_caps = st.builds(Caps, open=st.none() | st.integers(0, 4), daily=st.none() | st.integers(0, 4),
                  weekly=st.none() | st.integers(0, 6))  # fmt: skip
_away = st.lists(
    st.builds(
        lambda start, hours: Away(start=MONDAY + timedelta(hours=start), end=MONDAY + timedelta(hours=start + hours)),
        st.integers(-48, 96), st.integers(1, 72),
    ),
    max_size=2,
)  # fmt: skip
_hours = st.none() | st.builds(
    WorkingHours, timezone=st.sampled_from(["UTC", "America/New_York", "Asia/Tokyo", "Europe/Berlin"]),
    start=st.sampled_from(["08:00", "09:00", "22:00"]), end=st.sampled_from(["17:00", "06:00"]),
)  # fmt: skip
_reps = st.dictionaries(
    st.sampled_from(["ana", "ben", "cho", "dee", "eve"]),
    st.builds(
        RepSettings,
        weight=st.sampled_from([0.5, 1.0, 2.0]),
        caps=_caps,
        hours=_hours,
        away=_away,
        active=st.booleans(),
    ),  # fmt: skip
    min_size=1,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reps=_reps, gaps=st.lists(st.integers(0, 36 * 3600), min_size=1, max_size=25),
       returning=st.sampled_from(list(Returning)), newcomer=st.sampled_from(list(Newcomer)),
       cycle=st.sampled_from(list(Cycle)), window=st.sampled_from([0, 8, 72]))  # fmt: skip
def test_no_lead_ever_goes_to_an_inactive_out_of_office_or_capped_rep(
    reps: dict[str, RepSettings],
    gaps: list[int],
    returning: Returning,
    newcomer: Newcomer,
    cycle: Cycle,
    window: int,
) -> None:
    policy = pool_policy(reps, Distribution(returning=returning, newcomer=newcomer, cycle=cycle,
                                            available_within_hours=window))  # fmt: skip
    roster, clock = MemoryRoster(), [MONDAY]
    service = DistributionService(roster, policy, clock=lambda: clock[0])
    for number, gap in enumerate(gaps):
        clock[0] += timedelta(seconds=gap)
        profiles = {p.rep: p for p in service.reps()}
        before = roster.loads(list(profiles.values()), clock[0])
        given_to = service.assign(f"ld_{number}", "pool", 0.3)
        if given_to.rep is None:
            # The team queue only when nobody could take it.
            assert all(exclusion(p, before[p.rep], clock[0]) or not _soon(p, clock[0], window)
                       for p in profiles.values()), given_to.candidates  # fmt: skip
            continue
        chosen = profiles[given_to.rep]
        assert chosen.active and away_now(chosen, clock[0]) is None
        assert exclusion(chosen, before[chosen.rep], clock[0]) is None
        assert _soon(chosen, clock[0], window)


def _soon(rep: RepProfile, at: datetime, window: int) -> bool:
    return is_working(rep.hours, at) or next_start(rep.hours, at) <= at + timedelta(hours=window)


def test_the_inbox_names_a_suggested_owner_as_a_person_reads_it() -> None:
    reps = {
        "sam.sdr": RepSettings(display_name="Sam Rivera", weight=2),
        "jo.sdr": RepSettings(display_name="Jo Park", active=False),
    }
    policy = pool_policy(reps)
    policy = policy.model_copy(
        update={
            "reviewers": policy.reviewers.model_copy(update={"teams": {"ae-team": ["ana.ae", "sam.sdr"]}})
        }
    )
    service = DistributionService(MemoryRoster(), policy, clock=lambda: MONDAY)
    asked = [("round_robin", "pool"), ("ae-team", None), ("maria.lopez", None), ("pool-sdr-queue", "pool"),
             ("jo.sdr", None)]  # fmt: skip
    assert service.owner_names(asked) == {
        # round_robin: whom fairness would give it to now (jo is inactive, so Sam)
        ("round_robin", "pool"): "Sam Rivera (next by fair share in pool)",
        ("ae-team", None): "ae-team (Ana, Sam Rivera)",
        ("maria.lopez", None): "Maria Lopez",
        ("pool-sdr-queue", "pool"): "the pool SDR team queue",
        ("jo.sdr", None): "Jo Park",
    }
