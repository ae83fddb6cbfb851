"""Scoring compute per lead (features + inference + sub-scores + reasons; no AWS calls), at batches of
1, 10 and 100, next to bare ONNX Runtime inference on the same prepared inputs, in the same run.

Inputs are raw records of synthetic leads, in the layout the scoring function builds from DynamoDB.
Every batch is different leads (a pool of them is cycled), so the per-value caches see new emails,
sizes and titles as they would in service, not one batch over and over.

Timing: many short rounds, the cases interleaved, each case's best round kept. On a shared VM,
noise comes in bursts; a round long enough to be caught by one would bias the case that takes
longest, which is leadqual's, against the bare baseline.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Sequence
from functools import partial

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.scoring import Scorer
from leadqual.settings import DEFAULT_MODEL_ROOT
from leadqual_training.synthetic import SyntheticWorld, training_row

BATCHES = (1, 10, 100)
POOL = 5000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))
LEADS_PER_ROUND = 200


def best_per_lead_microseconds(
    cases: dict[str, Sequence[Callable[[], object]]], batch: int
) -> dict[str, float]:
    """Each case is one call per batch of the pool; a round runs LEADS_PER_ROUND leads' worth of them."""
    calls = max(1, LEADS_PER_ROUND // batch)
    cursors = {name: itertools.cycle(runs) for name, runs in cases.items()}
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(ROUNDS):
        for name, cursor in cursors.items():
            runs = [next(cursor) for _ in range(calls)]
            started = time.perf_counter()
            for run in runs:
                run()
            best[name] = min(best[name], (time.perf_counter() - started) / (calls * batch))
    return {name: seconds * 1e6 for name, seconds in best.items()}


def main() -> None:
    model = OnnxModel(DEFAULT_MODEL_ROOT / (DEFAULT_MODEL_ROOT / "CURRENT").read_text().strip())
    spec = model.spec
    scorer = Scorer(spec, model.profile)
    world = SyntheticWorld(seed=3, accounts=2000)
    pool = [training_row(lead, spec, f"bench_{i}") for i, lead in enumerate(world.leads(POOL))]
    print(f"model {model.version} ({model.session.get_modelmeta().custom_metadata_map.get('kind')}), "
          f"{len(spec.features)} features, {model.width} columns; {os.cpu_count()} cores; "
          f"{POOL} distinct leads, best of {ROUNDS} rounds")  # fmt: skip
    print(f"{'batch':>5} {'leadqual us/lead':>17} {'bare ORT us/lead':>17} {'ratio':>6}   "
          f"{'features':>9} {'inference':>10} {'reasons':>8}")  # fmt: skip
    for batch in BATCHES:
        chunks = [pool[start : start + batch] for start in range(0, POOL, batch)]
        matrices = [scorer.features.build(chunk) for chunk in chunks]
        outputs = [model.predict(matrix) for matrix in matrices]
        figures = best_per_lead_microseconds(
            {
                "full": [partial(scorer.score, model, c) for c in chunks],
                "bare": [partial(model.session.run, None, {"features": m}) for m in matrices],
                "features": [partial(scorer.features.build, c) for c in chunks],
                "inference": [partial(model.predict, m) for m in matrices],
                "reasons": [partial(scorer.explain, c, o) for c, o in zip(chunks, outputs, strict=True)],
            },
            batch,
        )
        full, bare = figures["full"], figures["bare"]
        print(f"{batch:>5} {full:>17.1f} {bare:>17.1f} {full / bare:>6.2f}   "
              f"{figures['features']:>9.1f} {figures['inference']:>10.1f} {figures['reasons']:>8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
