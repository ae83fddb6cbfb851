"""Who may decide a review: the policy's queue rule (`reviewers`), on the shipped policy."""

from __future__ import annotations

from leadqual.api_routes import Group
from leadqual.domain.policy import load_policy

POLICY = load_policy()
NA_SDRS = ["sam.sdr", "jordan.sdr", "priya.sdr"]


def test_a_reviews_queue_is_its_owner_the_owners_team_and_the_territorys_sdrs() -> None:
    assert POLICY.review_queue("maria.lopez", "na") == ["maria.lopez", *NA_SDRS]
    assert POLICY.review_queue("ae-team", "emea") == ["ana.ae", "omar.ae", "lena.sdr", "marek.sdr"]
    # A default owner that names no team, round robin and a territory's team queue are not people
    assert POLICY.review_queue("round_robin", "na") == NA_SDRS
    assert POLICY.review_queue("na-sdr-queue", "na") == NA_SDRS
    assert POLICY.review_queue("maria.lopez", None) == ["maria.lopez"]


def test_people_decide_their_queues_reviews_and_the_lead_and_manager_groups_any() -> None:
    assert POLICY.may_decide("maria.lopez", "na", {"priya.sdr", "priya@team.example"}, {"sdr"})
    assert POLICY.may_decide("maria.lopez", "na", {"maria.lopez"}, set())
    assert not POLICY.may_decide("maria.lopez", "na", {"lena.sdr"}, {"sdr"})
    assert not POLICY.may_decide("maria.lopez", "na", {"rae"}, {"revops"})
    assert POLICY.may_decide("maria.lopez", "na", {"tia"}, {"lead"})
    assert POLICY.may_decide("ae-team", "emea", {"kim"}, {"manager"})


def test_the_groups_that_decide_any_review_are_groups_people_sign_in_with() -> None:
    assert set(POLICY.reviewers.decide_any) <= {group.value for group in Group}
