"""Policies for tests of fair distribution: the shipped policy with one pool of the reps given."""

from __future__ import annotations

from leadqual.domain.policy import Assignment, Distribution, Policy, Territory, load_policy
from leadqual.domain.schemas.roster import RepSettings


def pool_policy(reps: dict[str, RepSettings], distribution: Distribution | None = None) -> Policy:
    """One catch-all territory, `pool`, whose members are `reps` (with their settings)."""
    assignment = Assignment(
        distribution=distribution or Distribution(),
        territories=[Territory(id="pool", sdrs=list(reps))],
        reps=reps,
    )
    return load_policy().model_copy(update={"assignment": assignment})
