"""Round-robin SDR assignment with a capacity cap, correct under concurrent claims (moto DynamoDB)."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from leadqual import resources
from leadqual.adapters.dynamo_roster import DynamoSdrRoster
from leadqual_tools.local.cloud import LocalCloud

SDRS = ["ana", "ben", "cho"]


def test_concurrent_claims_never_exceed_capacity_or_share_a_last_slot(cloud: LocalCloud) -> None:
    # GIVEN three SDRs who each take 3 open leads, and 14 leads arriving at once
    roster = DynamoSdrRoster(resources.LEADS_TABLE)
    leads = [f"ld_{i:02d}" for i in range(14)]
    # WHEN all are assigned concurrently
    with ThreadPoolExecutor(max_workers=8) as pool:
        owners = dict(
            zip(leads, pool.map(lambda lead: roster.claim(lead, "na", SDRS, 3), leads), strict=True)
        )
    # THEN exactly 9 got an SDR, 3 each, and the other 5 are left for the territory queue
    taken = Counter(owner for owner in owners.values() if owner)
    assert taken == {"ana": 3, "ben": 3, "cho": 3}
    assert sum(owner is None for owner in owners.values()) == 5
    assert roster.open_leads(SDRS) == {"ana": 3, "ben": 3, "cho": 3}


def test_turns_rotate_and_a_retried_claim_keeps_its_sdr(cloud: LocalCloud) -> None:
    roster = DynamoSdrRoster(resources.LEADS_TABLE)
    first = [roster.claim(f"ld_{i}", "emea", SDRS, 5) for i in range(3)]
    assert sorted(sdr or "" for sdr in first) == SDRS  # one each, in turn
    assert roster.claim("ld_0", "emea", SDRS, 5) == first[0]  # the same lead asks again
    assert roster.open_leads(SDRS) == dict.fromkeys(SDRS, 1)


def test_an_outcome_releases_the_slot_once(cloud: LocalCloud) -> None:
    roster = DynamoSdrRoster(resources.LEADS_TABLE)
    assert roster.claim("ld_a", "na", ["ana"], 1) == "ana"
    assert roster.claim("ld_b", "na", ["ana"], 1) is None  # full
    assert roster.release("ld_a") == "ana"
    assert roster.release("ld_a") is None  # already released
    assert roster.claim("ld_b", "na", ["ana"], 1) == "ana"
