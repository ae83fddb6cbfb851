"""Scoring compute per lead (features + inference + sub-scores + reasons; no AWS calls), at batches of
1, 10 and 100, next to bare ONNX Runtime inference on the same prepared inputs, in the same run.

Inputs are serving records of synthetic leads, as the scoring function builds them from DynamoDB.
Each figure is the best of several repeats (the least disturbed by other work on the machine).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.features import FeatureSpec
from leadqual.domain.models import Scores
from leadqual.domain.scoring import ModelOutput, ScoringProfile, explain, score_records
from leadqual.settings import DEFAULT_MODEL_ROOT
from leadqual_training.synthetic import SyntheticWorld, training_row

BATCHES = (1, 10, 100)
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))
LEADS_PER_REPEAT = 2000


def per_lead_microseconds(run: Callable[[], object], batch: int) -> float:
    rounds = max(1, LEADS_PER_REPEAT // batch)
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(rounds):
            run()
        best = min(best, (time.perf_counter() - started) / (rounds * batch))
    return best * 1e6


def main() -> None:
    model = OnnxModel(DEFAULT_MODEL_ROOT / (DEFAULT_MODEL_ROOT / "CURRENT").read_text().strip())
    spec, profile = model.spec, model.profile
    world = SyntheticWorld(seed=3, accounts=500)
    records = [training_row(lead, spec, f"bench_{i}") for i, lead in enumerate(world.leads(max(BATCHES)))]
    print(f"model {model.version} ({model.session.get_modelmeta().custom_metadata_map.get('kind')}), "
          f"{len(spec.features)} features, {model.width} columns; {os.cpu_count()} cores")  # fmt: skip
    print(f"{'batch':>5} {'leadqual us/lead':>17} {'bare ORT us/lead':>17} {'ratio':>6}   "
          f"{'features':>9} {'inference':>10} {'reasons':>8}")  # fmt: skip
    for batch in BATCHES:
        chunk = records[:batch]
        matrix = np.asarray([spec.vectorize(r) for r in chunk], dtype=np.float64)
        outputs = model.predict(matrix)
        full = per_lead_microseconds(partial(score_records, spec, profile, model, chunk), batch)
        bare = per_lead_microseconds(partial(model.session.run, None, {"features": matrix}), batch)
        features = per_lead_microseconds(partial(vectorize_all, spec, chunk), batch)
        inference = per_lead_microseconds(partial(model.predict, matrix), batch)
        reasons = per_lead_microseconds(partial(explain_all, spec, profile, chunk, outputs), batch)
        print(f"{batch:>5} {full:>17.1f} {bare:>17.1f} {full / bare:>6.2f}   "
              f"{features:>9.1f} {inference:>10.1f} {reasons:>8.1f}")  # fmt: skip


def vectorize_all(spec: FeatureSpec, records: list[dict[str, Any]]) -> list[list[float]]:
    return [spec.vectorize(r) for r in records]


def explain_all(
    spec: FeatureSpec, profile: ScoringProfile, records: list[dict[str, Any]], outputs: list[ModelOutput]
) -> list[Scores]:
    return [explain(spec, profile, r, o) for r, o in zip(records, outputs, strict=True)]


if __name__ == "__main__":
    main()
