"""`make bench-model`: leadqual's model against the best black box, on the same split, side by side.

For each history (the bundled one, and outbound calls with shapes that are not a sum of per-column
terms, `bench/outbound_calls.py`), `leadqual train` runs as a team would run it; then, on the very
same feature matrix and the same newest-20 % holdout:
- LightGBM at its defaults, and tuned over a small grid by 5-fold cross-validation, each fitted on
  every row before the holdout (a benchmark-only dependency, never shipped: `pip install '.[bench]'`);
- interpret's explainable boosting machine with 10 pair terms at its defaults, on the same
  columns (the library leadqual's own pair terms were weighed against; also bench-only);
- the logistic-regression baseline and the unconstrained reference, as leadqual's card has them.
It prints ROC AUC, Brier, ECE and the top decile's conversion, and the target: leadqual's ROC AUC at
least tuned LightGBM's minus 0.002, its Brier at most tuned LightGBM's plus 0.001. Never part of
`make test`.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from interpret.glassbox import ExplainableBoostingClassifier
from lightgbm import LGBMClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from leadqual.domain.features.matrix import FeatureMatrix
from leadqual_tools.paths import DEFAULT_SPEC
from leadqual_training.metrics import evaluate
from leadqual_training.synthetic import write_training_csv
from leadqual_training.train import load_spec, read_data, train
from outbound_calls import SPEC as CALLS_SPEC
from outbound_calls import write_outbound_calls

AUC_MARGIN, BRIER_MARGIN = 0.002, 0.001
GRID = [
    {"num_leaves": leaves, "learning_rate": rate, "n_estimators": trees, "min_child_samples": 50}
    for leaves, (rate, trees) in itertools.product((7, 15, 31), ((0.1, 150), (0.03, 500)))
]
SEED = 7


def _quiet(_: str) -> None:
    pass


def _lightgbm(params: dict[str, Any]) -> LGBMClassifier:
    return LGBMClassifier(**params, random_state=SEED, verbose=-1, n_jobs=2)


def _probability(model: LGBMClassifier, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_proba(x))[:, 1]


def tuned_lightgbm(x: np.ndarray, y: np.ndarray) -> tuple[dict[str, Any], float]:
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED).split(x, y))
    scores = {}
    for index, params in enumerate(GRID):
        aucs = [
            roc_auc_score(y[test], _probability(_lightgbm(params).fit(x[train], y[train]), x[test]))
            for train, test in folds
        ]
        scores[index] = float(np.mean(aucs))
    best = max(scores, key=lambda index: scores[index])
    return GRID[best], scores[best]


def compare(name: str, data: Path, spec_path: Path, work: Path) -> list[tuple[str, dict[str, Any]]]:
    started = time.perf_counter()
    result = train(data, spec_path, work / "models", version="bench", progress=_quiet)
    card = result.card
    trained_in = time.perf_counter() - started
    # The same rows, order, split and fitted columns as `leadqual train` used.
    spec = load_spec(spec_path)
    ordered = read_data(data, spec, _quiet)
    split = ordered.split
    fitted = spec.fit(ordered.rows[: split.holdout_start])
    x, y = FeatureMatrix(fitted).build(ordered.rows), ordered.labels
    before, holdout = slice(None, split.holdout_start), slice(split.holdout_start, None)
    defaults = _probability(_lightgbm({}).fit(x[before], y[before]), x[holdout])
    params, cv_auc = tuned_lightgbm(x[before], y[before])
    tuned = _probability(_lightgbm(params).fit(x[before], y[before]), x[holdout])
    ebm = ExplainableBoostingClassifier(interactions=10, random_state=SEED, n_jobs=2).fit(
        x[before], y[before]
    )
    print(
        f"\n{name}: {len(ordered.rows)} rows, {int(y.sum())} conversions; holdout {len(y[holdout])} newest; "
        f"leadqual chose {card['model']['kind']} ({trained_in:.0f} s to train); LightGBM tuned: "
        f"{' '.join(f'{k}={v}' for k, v in params.items())} (CV ROC AUC {cv_auc:.4f})"
    )
    return [
        (f"leadqual: {card['model']['kind']} (served)", card["holdout"]),
        (f"leadqual's baseline: {card['baseline']['kind']}", card["baseline"]["holdout"]),
        (f"leadqual's reference: {card['reference']['kind']}", card["reference"]["holdout"]),
        (
            "interpret EBM, 10 pairs, defaults",
            evaluate(y[holdout], np.asarray(ebm.predict_proba(x[holdout]))[:, 1]),
        ),
        ("LightGBM, defaults", evaluate(y[holdout], defaults)),
        ("LightGBM, tuned by 5-fold CV", evaluate(y[holdout], tuned)),
    ]


def print_table(rows: list[tuple[str, dict[str, Any]]]) -> None:
    print(f"{'model':44} {'ROC AUC':>8} {'Brier':>7} {'ECE':>7} {'top-decile conv.':>17}")
    for name, figures in rows:
        top = figures["lift_by_decile"][0]
        print(
            f"{name:44} {figures['roc_auc']:8.4f} {figures['brier']:7.4f} {figures['calibration_error']:7.4f} "
            f"{top['conversion_rate']:10.1%} ({top['lift']}x)"
        )
    ours, best = rows[0][1], rows[-1][1]
    met = ours["roc_auc"] >= best["roc_auc"] - AUC_MARGIN and ours["brier"] <= best["brier"] + BRIER_MARGIN
    print(
        f"target: ROC AUC >= {best['roc_auc'] - AUC_MARGIN:.4f} and Brier <= {best['brier'] + BRIER_MARGIN:.4f}"
        f" (tuned LightGBM -{AUC_MARGIN} / +{BRIER_MARGIN}): {'met' if met else 'NOT met'} "
        f"(ROC AUC {ours['roc_auc'] - best['roc_auc']:+.4f}, Brier {ours['brier'] - best['brier']:+.4f})"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        bundled = write_training_csv(work / "synthetic_leads.csv", load_spec(DEFAULT_SPEC))
        calls = write_outbound_calls(work / "outbound_calls.csv")
        calls_spec = work / "outbound_calls.yaml"
        calls_spec.write_text(yaml.safe_dump(CALLS_SPEC), encoding="utf-8")
        for name, data, spec in (
            ("bundled history (leadqual's own records)", bundled, DEFAULT_SPEC),
            ("outbound calls (not a sum of per-column terms)", calls, calls_spec),
        ):
            (work / name[:7]).mkdir()
            print_table(compare(name, data, spec, work / name[:7]))


if __name__ == "__main__":
    main()
