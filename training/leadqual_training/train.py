"""`leadqual train`: a CRM export + a feature specification -> a versioned, calibrated ONNX model.

Rows are put in time order and cut into training | calibration | holdout (the most recent leads).
Candidates are chosen by cross-validation on the training slice, Platt-calibrated on the next
slice, and measured on the holdout, so the card's figures are what a rep would have seen.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from leadqual.domain.features.matrix import FeatureMatrix
from leadqual.domain.features.model_input import unservable_columns
from leadqual.domain.features.spec import FeatureSpec
from leadqual.domain.features.values import is_missing
from leadqual.domain.scoring import GROUPS, GradeThresholds, ScoringProfile, group_membership
from leadqual.settings import deploy_refusal, graph_path, profile_path, spec_path
from leadqual_training.candidates import (
    REFERENCE_KIND,
    REFERENCE_PARAMS,
    SEED,
    AdditiveBoostingCandidate,
    Calibration,
    Candidate,
    LogisticCandidate,
    fit_reference,
)
from leadqual_training.exports import DELIMITERS, Export, read_export
from leadqual_training.leaks import SourceColumn, alone_warnings, importance_warnings
from leadqual_training.metrics import evaluate, render_lift
from leadqual_training.onnx_export import INPUT, OUTPUT_CONTRIBUTIONS, OUTPUT_PROBABILITY, GraphInfo
from leadqual_training.pairs import rank_pairs, top_pairs
from leadqual_training.readiness import History, history_lines, readiness

MIN_ROWS = 500
MIN_POSITIVES = 50
PARITY_TOLERANCE = 1e-5
HOLDOUT_FRACTION = 0.2
CV_FOLDS = 5
PAIRS_KIND = "additive_gbm_pairs"
KINDS = (LogisticCandidate.kind, AdditiveBoostingCandidate.kind, PAIRS_KIND)
Progress = Callable[[str], None]


class TrainingDataError(ValueError):
    """The export cannot train a model; the message says what is wrong and what is needed."""


@dataclass(frozen=True)
class LabelledRows:
    rows: list[dict[str, Any]]
    labels: np.ndarray


@dataclass(frozen=True)
class TrainingResult:
    version: str
    directory: Path
    card: dict[str, Any]
    # The most recent rows, never trained or calibrated on: where a champion is compared with it.
    holdout_rows: list[dict[str, Any]]
    holdout_labels: np.ndarray
    promoted: bool = False


def load_spec(path: Path) -> FeatureSpec:
    return FeatureSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_export(
    rows: list[dict[str, Any]],
    spec: FeatureSpec,
    progress: Progress = print,
    min_rows: int = MIN_ROWS,
    min_positives: int = MIN_POSITIVES,
    read_as: str = "",
) -> LabelledRows:
    """The decided rows and their 0/1 labels, or a TrainingDataError that says what is wrong."""
    if not rows:
        raise TrainingDataError("the export has no rows")
    header = set(rows[0])
    needed = [*spec.required_columns(), spec.label.column, *([spec.time_column] if spec.time_column else [])]
    missing = sorted(set(needed) - header)
    if missing:
        raise TrainingDataError(
            f"columns missing from the export: {missing} (it has: {sorted(header)}{read_as})"
        )
    decided = [r for r in rows if spec.label.is_decided(r[spec.label.column])]
    if len(decided) < len(rows):
        progress(f"left out {len(rows) - len(decided)} rows whose {spec.label.column!r} is not decided yet")
    labels = np.array(
        [1 if spec.label.is_positive(r[spec.label.column]) else 0 for r in decided], dtype=np.int64
    )
    positives = int(labels.sum())
    if positives in (0, len(labels)):
        raise TrainingDataError(
            f"the label has one class only: {positives} of {len(labels)} rows match {spec.label.positive}"
        )
    if len(decided) < min_rows or positives < min_positives:
        raise TrainingDataError(
            f"too little data: {len(decided)} decided rows with {positives} conversions; "
            f"at least {min_rows} rows and {min_positives} conversions are needed"
        )
    return LabelledRows(decided, labels)


def _time_key(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return math.inf


def cross_validate(
    candidate: Candidate, x: np.ndarray, y: np.ndarray, progress: Progress, deadline: float | None = None
) -> tuple[dict[str, Any], dict[str, float], np.ndarray]:
    """Mean out-of-fold ROC AUC for each setting in the candidate's grid, in order, until `deadline`
    (a perf_counter time; the first setting always runs); returns the best, all tried, and the best
    setting's out-of-fold log-odds for every row (what its calibration is fitted on)."""
    folds = list(StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=SEED).split(x, y))
    results: dict[str, float] = {}
    out_of_fold: dict[str, np.ndarray] = {}
    tried: list[dict[str, Any]] = []
    for params in candidate.grid:
        if tried and deadline is not None and time.perf_counter() > deadline:
            progress(
                f"  {candidate.kind}: time budget spent, {len(candidate.grid) - len(tried)} settings not tried"
            )
            break
        tried.append(params)
        scores = []
        predicted = np.empty(len(y), dtype=np.float64)
        for train_index, test_index in folds:
            fitted = candidate.fit(x[train_index], y[train_index], params)
            predicted[test_index] = fitted.log_odds(x[test_index])
            scores.append(roc_auc_score(y[test_index], predicted[test_index]))
        results[_label(params)] = round(float(np.mean(scores)), 4)
        out_of_fold[_label(params)] = predicted
        progress(
            f"  {candidate.kind} {_label(params)}: cross-validated ROC AUC {results[_label(params)]:.4f}"
        )
    best = max(tried, key=lambda params: results[_label(params)])
    return best, results, out_of_fold[_label(best)]


def _label(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


@dataclass
class TrainedCandidate:
    kind: str
    params: dict[str, Any]
    calibration: Calibration
    graph: onnx.ModelProto
    probability: np.ndarray
    contributions: np.ndarray
    parity: float


def platt(log_odds: np.ndarray, y: np.ndarray) -> Calibration:
    calibrator = LogisticRegression(C=1e6, max_iter=2000)
    calibrator.fit(log_odds.reshape(-1, 1), y)
    return Calibration(slope=float(calibrator.coef_[0, 0]), offset=float(calibrator.intercept_[0]))


def fit_and_export(
    candidate: Candidate,
    params: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    split: Split,
    info: GraphInfo,
    out_of_fold: np.ndarray,
) -> TrainedCandidate:
    """Refit on every row before the holdout, Platt-calibrate on the same rows' out-of-fold log-odds
    (from cross-validation: no row calibrates a model that trained on it), export, check parity."""
    training = slice(None, split.holdout_start)
    fitted = candidate.fit(x[training], y[training], params)
    calibration = platt(out_of_fold, y[training])
    graph = fitted.export(replace(info, kind=candidate.kind), calibration)
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    probability, contributions = session.run([OUTPUT_PROBABILITY, OUTPUT_CONTRIBUTIONS], {INPUT: x})
    native = _sigmoid(calibration.slope * fitted.log_odds(x) + calibration.offset)
    parity = float(np.max(np.abs(probability - native)))
    if parity > PARITY_TOLERANCE:
        raise AssertionError(
            f"{candidate.kind}: ONNX and native model disagree by {parity:.2e} (> {PARITY_TOLERANCE})"
        )
    return TrainedCandidate(candidate.kind, params, calibration, graph, probability, contributions, parity)


@dataclass(frozen=True)
class Split:
    """Rows in time order: [training (selection, calibration out of fold, the final fit) | holdout (the
    most recent)]. The model that serves is fitted on every training row."""

    holdout_start: int

    @classmethod
    def of(cls, rows: int) -> Split:
        return cls(int(rows * (1 - HOLDOUT_FRACTION)))


def next_version(root: Path, day: str) -> str:
    existing = [p.name for p in root.glob(f"{day}-*") if p.is_dir()]
    numbers = [int(n.rsplit("-", 1)[1]) for n in existing if n.rsplit("-", 1)[1].isdigit()]
    return f"{day}-{max(numbers, default=0) + 1}"


def _comparison(chosen: TrainedCandidate, baseline: TrainedCandidate, cv: dict[str, dict[str, float]],
                metrics: dict[str, dict[str, Any]]) -> str:  # fmt: skip
    if chosen.kind == baseline.kind:
        others = [k for k in cv if k != baseline.kind]
        if not others:
            return "Only the logistic-regression baseline was trained."
        best_other = max(others, key=lambda k: max(cv[k].values()))
        return (
            f"The logistic-regression baseline is kept: {best_other} did not beat it in cross-validation "
            f"({max(cv[best_other].values()):.4f} vs {max(cv[baseline.kind].values()):.4f} ROC AUC)."
        )
    chosen_auc, baseline_auc = metrics[chosen.kind]["roc_auc"], metrics[baseline.kind]["roc_auc"]
    summary = (
        f"{chosen.kind} won cross-validation ({max(cv[chosen.kind].values()):.4f} vs "
        f"{max(cv[baseline.kind].values()):.4f} ROC AUC for the logistic-regression baseline). On the holdout "
        f"it scores {chosen_auc:.4f} vs {baseline_auc:.4f} ROC AUC ({chosen_auc - baseline_auc:+.4f}) and "
        f"Brier {metrics[chosen.kind]['brier']} vs {metrics[baseline.kind]['brier']}."
    )
    if chosen_auc < baseline_auc:
        summary += (
            " The holdout is one recent slice and disagrees with cross-validation: retrain with more "
            "history, or keep the baseline with `--candidates logistic_regression`."
        )
    return summary


@dataclass(frozen=True)
class OrderedData:
    """The export's labelled rows in time order (or a seeded shuffle), and where they are cut."""

    rows: list[dict[str, Any]]
    labels: np.ndarray
    split: Split
    # How the file was read (separator, encoding), how the split was made and why, and how many
    # rows leave each number empty: the card says all three.
    source: dict[str, str] = field(default_factory=dict)
    split_reason: str = ""
    missing_numbers: dict[str, int] = field(default_factory=dict)
    history: History | None = None


@dataclass(frozen=True)
class Selection:
    """The fitted feature specification, the model matrix, and the candidate cross-validation chose."""

    fitted: FeatureSpec
    x: np.ndarray
    candidates: list[Candidate]
    best_params: dict[str, dict[str, Any]]
    cv: dict[str, dict[str, float]]
    chosen_kind: str
    warnings: list[str]
    leaks: list[str]  # of the warnings, those naming a column that may leak the outcome
    unservable: list[str]  # columns live leads' records do not have (the model cannot be deployed)
    out_of_fold: dict[str, np.ndarray]  # each candidate's best setting, for the rows before the holdout


@dataclass(frozen=True)
class Fitted:
    """Every candidate fitted, calibrated and exported, with its holdout figures."""

    trained: dict[str, TrainedCandidate]
    metrics: dict[str, dict[str, Any]]
    chosen: TrainedCandidate
    baseline: TrainedCandidate
    reference: dict[str, Any]  # the unconstrained trees' holdout figures (`candidates.fit_reference`)


def read_data(data: Path, spec: FeatureSpec, step: Progress) -> OrderedData:
    """Step 1, data: read and check the export, put it in time order, cut it."""
    export = read_export(data)
    step(f"reading {data} ({_read_as(export)})")
    for note in export.notes:
        step(f"NOTE: {note}")
    labelled = check_export(export.rows, spec, step, read_as=f"; read as {_read_as(export)}")
    step(
        f"{len(labelled.rows)} rows, {int(labelled.labels.sum())} conversions ({labelled.labels.mean():.1%})"
    )
    time_column = spec.time_column
    if time_column:
        order = sorted(range(len(labelled.rows)), key=lambda i: _time_key(labelled.rows[i][time_column]))
        reason = (
            f"time-ordered by {time_column}: the holdout is the newest {HOLDOUT_FRACTION:.0%} of leads, "
            "as a deployed model only ever meets leads newer than its history"
        )
    else:
        order = list(np.random.default_rng(SEED).permutation(len(labelled.rows)))
        reason = (
            f"random (seeded): the specification names no time column, so the holdout is a random "
            f"{HOLDOUT_FRACTION:.0%}, not the newest leads; if lead sources or products changed over "
            "time, these figures are more hopeful than what live leads will show"
        )
    rows = [labelled.rows[i] for i in order]
    history = History(
        len(rows),
        int(labelled.labels.sum()),
        str(rows[0][time_column]) if time_column else None,
        str(rows[-1][time_column]) if time_column else None,
    )
    for line in history_lines(history):
        step(line)
    missing = _missing_numbers(rows, spec)
    for column, count in missing.items():
        step(f"{column}: {count} of {len(rows)} rows leave this number empty")
    return OrderedData(
        rows, labelled.labels[order], Split.of(len(rows)), export.format, reason, missing, history
    )


def _read_as(export: Export) -> str:
    return f"{DELIMITERS[export.delimiter]}-separated, {export.encoding}"


def _missing_numbers(rows: list[dict[str, Any]], spec: FeatureSpec) -> dict[str, int]:
    """Rows leaving each numeric column empty. They stay missing: the trees learn where a missing
    value goes at each split, the baseline counts it as the average lead's; the card counts them."""
    numeric = sorted({f.column for f in spec.features if f.kind == "numeric"})
    counts = {column: sum(1 for row in rows if is_missing(row.get(column))) for column in numeric}
    return {column: count for column, count in counts.items() if count}


def select_model(
    spec: FeatureSpec, data: OrderedData, kinds: tuple[str, ...], step: Progress, budget: float | None = None
) -> Selection:
    """Step 2, selection: fit the features on the training slice, warn of leaks, cross-validate."""
    rows, y, split = data.rows, data.labels, data.split
    fitted = spec.fit(rows[: split.holdout_start])
    columns = fitted.output_columns()
    step(f"{len(fitted.features)} features -> {len(columns)} model columns")
    x = FeatureMatrix(fitted).build(rows)
    leaks = alone_warnings(x[: split.holdout_start], y[: split.holdout_start], _sources(fitted))
    warnings = list(leaks)
    unservable = unservable_columns(fitted)
    if unservable:
        warnings.append(
            f"columns {unservable} are not in the records leadqual builds for live leads: this model can "
            "back-test exports of this layout, but cannot be deployed"
        )
    for warning in warnings:
        step(f"WARNING: {warning}")

    owners = fitted.column_owners()
    offered: list[Candidate] = [LogisticCandidate(), AdditiveBoostingCandidate(owners)]
    if PAIRS_KIND in kinds:
        offered.append(_pairs_candidate(fitted, x[: split.holdout_start], y[: split.holdout_start], step))
    candidates = [c for c in offered if c.kind in kinds]
    step(f"choosing among {', '.join(c.kind for c in candidates)} by {CV_FOLDS}-fold cross-validation")
    best_params: dict[str, dict[str, Any]] = {}
    cv: dict[str, dict[str, float]] = {}
    out_of_fold: dict[str, np.ndarray] = {}
    # Past the budget, each candidate still gets its first setting, and no more.
    deadline = None if budget is None else time.perf_counter() + budget
    for candidate in candidates:
        if (
            isinstance(candidate, AdditiveBoostingCandidate)
            and candidate.pairs
            and AdditiveBoostingCandidate.kind in cv
        ):
            # Pairs are tried at the trees' best setting only: the setting hardly depends on them,
            # and each setting costs five more fits.
            candidate.settings = [best_params[AdditiveBoostingCandidate.kind]]
        best_params[candidate.kind], cv[candidate.kind], out_of_fold[candidate.kind] = cross_validate(
            candidate, x[: split.holdout_start], y[: split.holdout_start], step, deadline
        )
    chosen_kind = max(cv, key=lambda kind: max(cv[kind].values()))
    step(f"chosen: {chosen_kind} {_label(best_params[chosen_kind])}")
    chosen_pairs = next(getattr(c, "pairs", ()) for c in candidates if c.kind == chosen_kind)
    if chosen_pairs:  # the served specification names the pairs its model has terms for
        names = [f.name for f in fitted.features]
        fitted = fitted.model_copy(update={"pairs": [(names[a], names[b]) for a, b in chosen_pairs]})
    return Selection(
        fitted, x, candidates, best_params, cv, chosen_kind, warnings, leaks, unservable, out_of_fold
    )


def _pairs_candidate(fitted: FeatureSpec, x: np.ndarray, y: np.ndarray, step: Progress) -> Candidate:
    """The additive trees plus the pairs FAST ranks highest on what their main effects leave
    unexplained (`pairs.rank_pairs`), measured on the training slice."""
    main = AdditiveBoostingCandidate(fitted.column_owners())
    log_odds = main.fit(x, y, main.grid[0]).log_odds(x)
    ranked = rank_pairs(x, y, log_odds, _sources(fitted))
    pairs = top_pairs(ranked)
    names = [f.name for f in fitted.features]
    step("pairs ranked by what they add to the features' own effects: " + (
        ", ".join(f"{names[a]} x {names[b]} ({gain:.1f})" for gain, a, b in ranked[: len(pairs)]) or "none"
    ))  # fmt: skip
    return AdditiveBoostingCandidate(main.owners, pairs, PAIRS_KIND)


def _importance_warnings(importance: dict[str, float], spec: FeatureSpec) -> list[str]:
    columns = {
        term.name: "' with '".join(spec.features[i].column for i in term.features) for term in spec.terms()
    }
    return importance_warnings(importance, columns)


def _sources(fitted: FeatureSpec) -> list[SourceColumn]:
    sources, start = [], 0
    for feature in fitted.features:
        width = len(feature.output_columns())
        sources.append(SourceColumn(feature.name, feature.column, slice(start, start + width)))
        start += width
    return sources


def _importance(fitted: Fitted, spec: FeatureSpec, split: Split) -> dict[str, float]:
    """Mean |contribution| to the log-odds of each term (feature or pair), before the holdout."""
    mean = np.abs(fitted.chosen.contributions[: split.holdout_start]).mean(axis=0)
    return {term.name: float(value) for term, value in zip(spec.terms(), mean, strict=True)}


def fit_and_calibrate(data: OrderedData, selection: Selection, version: str, step: Progress) -> Fitted:
    """Step 3, fit and calibrate: every candidate refitted on all training rows, calibrated out of
    fold, measured on the holdout."""
    fitted = selection.fitted
    info = GraphInfo(
        version, selection.chosen_kind, fitted.output_columns(), [f.name for f in fitted.features],
        fitted.column_owners(),
    )  # fmt: skip
    holdout = slice(data.split.holdout_start, None)
    trained: dict[str, TrainedCandidate] = {}
    metrics: dict[str, dict[str, Any]] = {}
    for candidate in selection.candidates:
        result = fit_and_export(
            candidate, selection.best_params[candidate.kind], selection.x, data.labels, data.split, info,
            selection.out_of_fold[candidate.kind],
        )  # fmt: skip
        trained[candidate.kind] = result
        metrics[candidate.kind] = evaluate(data.labels[holdout], result.probability[holdout])
        step(
            f"{candidate.kind}: holdout ROC AUC {metrics[candidate.kind]['roc_auc']:.4f}, "
            f"ONNX parity {result.parity:.1e}"
        )
    chosen = trained[selection.chosen_kind]
    reference = reference_metrics(selection.x, data.labels, data.split)
    step(f"{REFERENCE_KIND} (reference, never served): holdout ROC AUC {reference['roc_auc']:.4f}")
    return Fitted(trained, metrics, chosen, trained.get(LogisticCandidate.kind, chosen), reference)


def reference_metrics(x: np.ndarray, y: np.ndarray, split: Split) -> dict[str, Any]:
    """The unconstrained trees, fitted and calibrated as the candidates are (on every training row,
    Platt on out-of-fold log-odds), measured on the same holdout."""
    training, holdout = slice(None, split.holdout_start), slice(split.holdout_start, None)
    out_of_fold = np.empty(split.holdout_start, dtype=np.float64)
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=SEED)
    for train_index, test_index in folds.split(x[training], y[training]):
        out_of_fold[test_index] = fit_reference(x[train_index], y[train_index]).decision_function(
            x[test_index]
        )
    calibration = platt(out_of_fold, y[training])
    log_odds = fit_reference(x[training], y[training]).decision_function(x[holdout])
    return evaluate(y[holdout], _sigmoid(calibration.slope * log_odds + calibration.offset))


def scoring_profile(
    fitted: FeatureSpec, chosen: TrainedCandidate, split: Split, version: str
) -> ScoringProfile:
    """Step 4, export: grade thresholds and sub-score scales, from the rows before the holdout."""
    before_holdout = slice(None, split.holdout_start)
    grades = GradeThresholds(
        A=float(np.quantile(chosen.probability[before_holdout], 0.90)),
        B=float(np.quantile(chosen.probability[before_holdout], 0.70)),
        C=float(np.quantile(chosen.probability[before_holdout], 0.40)),
    )
    sums = chosen.contributions[before_holdout] @ group_membership(fitted)
    group_sums = {group: sums[:, index] for index, group in enumerate(GROUPS)}
    intercept = float(onnx.numpy_helper.to_array(
        next(t for t in chosen.graph.graph.initializer if t.name == "intercept")
    )[0])  # fmt: skip
    return ScoringProfile(
        model_version=version,
        base_logit=intercept,
        group_quantiles={
            g: [round(float(q), 6) for q in np.quantile(s, np.linspace(0, 1, 101))]
            for g, s in group_sums.items()
        },
        grades=grades,
    )


def model_card(
    data_file: Path, spec: FeatureSpec, data: OrderedData, selection: Selection, fitted: Fitted,
    profile: ScoringProfile, version: str,
) -> dict[str, Any]:  # fmt: skip
    """Step 5, card: what was trained on what, how it did against the baseline, what it leans on."""
    rows, y, split = data.rows, data.labels, data.split
    chosen, baseline, metrics = fitted.chosen, fitted.baseline, fitted.metrics
    features = selection.fitted.features
    before_holdout = slice(None, split.holdout_start)
    importance = _importance(fitted, selection.fitted, split)
    return {
        "model_version": version,
        "trained_at": datetime.now().isoformat(timespec="seconds"),
        "data": {
            "file": data_file.name,
            "sha256": fingerprint(data_file),
            "rows": len(rows),
            "positives": int(y.sum()),
            "training_rows": split.holdout_start,
            "calibration": f"Platt, fitted on the training rows' {CV_FOLDS}-fold out-of-fold log-odds",
            "holdout_rows": len(rows) - split.holdout_start,
            "split": f"by {spec.time_column}" if spec.time_column else "random",
            "split_reason": data.split_reason,
            "read_as": data.source,
            "missing_numbers": data.missing_numbers,
            "excluded_columns": spec.exclude,
        },  # fmt: skip
        "model": {
            "kind": chosen.kind,
            "params": chosen.params,
            "calibration": {
                "method": "platt",
                "slope": round(chosen.calibration.slope, 6),
                "offset": round(chosen.calibration.offset, 6),
            },
            "features": len(features),
            "pairs": [f"{a} x {b}" for a, b in selection.fitted.pairs],
            "columns": len(selection.fitted.output_columns()),
            "cv_roc_auc": selection.cv,
        },  # fmt: skip
        "holdout": metrics[chosen.kind],
        "baseline": {"kind": baseline.kind, "params": baseline.params, "holdout": metrics[baseline.kind]},
        "reference": {
            "kind": REFERENCE_KIND,
            "params": REFERENCE_PARAMS,
            "holdout": fitted.reference,
            "price_of_exact_reasons": {
                "roc_auc": round(fitted.reference["roc_auc"] - metrics[chosen.kind]["roc_auc"], 4),
                "brier": round(metrics[chosen.kind]["brier"] - fitted.reference["brier"], 4),
            },
        },  # fmt: skip
        "comparison": _comparison(chosen, baseline, selection.cv, metrics),
        "baseline_conversion_rate": round(float(y[before_holdout].mean()), 4),
        "grades": profile.grades.model_dump(),
        "onnx_parity_max_abs_diff": chosen.parity,
        "warnings": [*selection.warnings, *_importance_warnings(importance, selection.fitted)],
        "feature_importance": sorted(
            (
                {"feature": name, "mean_abs_contribution": round(value, 4)}
                for name, value in importance.items()
            ),
            key=lambda item: -item["mean_abs_contribution"],
        ),  # fmt: skip
    }


def write_artifacts(
    directory: Path,
    chosen: TrainedCandidate,
    fitted: FeatureSpec,
    profile: ScoringProfile,
    card: dict[str, Any],
) -> None:
    """The model folder serving loads: graph, fitted specification, scoring profile and card."""
    directory.mkdir(parents=True, exist_ok=True)
    graph_path(directory).write_bytes(chosen.graph.SerializeToString())
    spec_path(directory).write_text(fitted.model_dump_json(indent=2) + "\n", encoding="utf-8")
    profile_path(directory).write_text(profile.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (directory / "model_card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    (directory / "model_card.md").write_text(render_card(card), encoding="utf-8")


def train(
    data: Path,
    spec_path: Path,
    out_root: Path,
    version: str | None = None,
    progress: Progress = print,
    promote: bool = False,
    kinds: tuple[str, ...] = KINDS,
    budget: float | None = None,
) -> TrainingResult:
    """Trains and writes a new model version. What serves (`CURRENT`) changes only when `promote`
    is asked for, and never to a model that cannot be deployed. `budget`: seconds for selection,
    after which no candidate tries another setting (None: every setting, the same on any machine)."""
    started = time.perf_counter()

    def step(message: str) -> None:
        progress(f"[{time.perf_counter() - started:6.1f}s] {message}")

    spec = load_spec(spec_path)
    ordered = read_data(data, spec, step)
    selection = select_model(spec, ordered, kinds, step, budget)
    version = version or next_version(out_root, datetime.now().date().isoformat())
    fitted = fit_and_calibrate(ordered, selection, version, step)
    profile = scoring_profile(selection.fitted, fitted.chosen, ordered.split, version)
    card = model_card(data, spec, ordered, selection, fitted, profile, version)
    model_warnings = card["warnings"][len(selection.warnings) :]
    for warning in model_warnings:
        step(f"WARNING: {warning}")
    assert ordered.history is not None
    card["readiness"] = readiness(
        ordered.history, bool(spec.time_column), card["holdout"], [*selection.leaks, *model_warnings],
        selection.unservable,
    )  # fmt: skip
    step(card["readiness"]["backtest"])
    step(card["readiness"]["verdict"].upper() + "".join(f"\n  - {r}" for r in card["readiness"]["reasons"]))
    step(card["comparison"])
    directory = out_root / version
    write_artifacts(directory, fitted.chosen, selection.fitted, profile, card)
    step(f"model {version} written to {directory}")
    promoted = False
    if promote:
        try:
            promote_model(out_root, version, step)
            promoted = True
        except NotDeployable as refusal:
            step(f"NOT promoted: {refusal}")
    else:
        step(f"not promoted, {_serving(out_root)} (`leadqual promote --version {version}` would serve it)")
    holdout = ordered.split.holdout_start
    return TrainingResult(
        version, directory, card, ordered.rows[holdout:], ordered.labels[holdout:], promoted
    )


class NotDeployable(TrainingDataError):
    """A model that live leads cannot be scored with (or that is not there) is never made current."""


def _serving(out_root: Path) -> str:
    current = out_root / "CURRENT"
    if not current.exists():
        return "no model serves yet (no CURRENT)"
    return f"CURRENT stays {current.read_text(encoding='utf-8').strip()}"


def promote_model(out_root: Path, version: str, progress: Progress = print) -> None:
    """Makes `version` the model that serves (`CURRENT`), if live leads can be scored with it."""
    refusal = deploy_refusal(out_root / version)
    if refusal:
        raise NotDeployable(f"model {version} cannot be deployed: {refusal}; {_serving(out_root)}")
    (out_root / "CURRENT").write_text(version + "\n", encoding="utf-8")
    progress(f"promoted: CURRENT is now {version}")


def _price_in_words(reference: dict[str, Any] | None) -> list[str]:
    if not reference:
        return []
    price = reference["price_of_exact_reasons"]
    return [
        f"The price of exact reasons: the same boosted trees with no constraint ({reference['kind']}, "
        f"never served, as its reasons could only be approximated) score ROC AUC {price['roc_auc']:+.4f} "
        f"and Brier {-price['brier']:+.4f} against the served model on this holdout.",
        "",
    ]


def _readiness_in_words(verdict: dict[str, Any] | None) -> list[str]:
    if verdict is None:
        return []

    def sentence(text: str) -> str:  # str.capitalize would lower "ROC AUC"
        return text[:1].upper() + text[1:]

    lines = [f"**{sentence(verdict['verdict'])}.** {sentence(verdict['backtest'])}."]
    lines += [f"- {reason}" for reason in verdict["reasons"]]
    return [*lines, ""]


def _read_in_words(data: dict[str, Any]) -> list[str]:
    lines = []
    if data.get("read_as"):
        lines.append(f"Read as {data['read_as']['delimiter']}-separated, {data['read_as']['encoding']}.")
    missing = data.get("missing_numbers") or {}
    if missing:
        counts = ", ".join(f"{column} {count}" for column, count in missing.items())
        lines.append(f"Rows leaving a number empty (kept missing, never read as 0): {counts}.")
    return lines


def render_card(card: dict[str, Any]) -> str:
    chosen, baseline = card["holdout"], card["baseline"]["holdout"]
    # Cards written before the reference existed have none (the shipped one has it).
    reference = card.get("reference", {}).get("holdout")
    model = card["model"]
    params = ", ".join(f"{k}={v}" for k, v in model["params"].items())

    def row(name: str, key: str) -> str:
        return f"| {name} | {chosen[key]} | {baseline[key]} |" + (f" {reference[key]} |" if reference else "")

    def top_lift(figures: dict[str, Any]) -> str:
        return str(figures["lift_by_decile"][0]["lift"])

    lines = [
        f"# Model card: {card['model_version']}",
        "",
        *_readiness_in_words(card.get("readiness")),
        f"Trained {card['trained_at']} on `{card['data']['file']}` (sha256 `{card['data']['sha256'][:16]}...`): "
        f"{card['data']['rows']} leads, {card['data']['positives']} conversions, split {card['data']['split']} "
        f"({card['data']['training_rows']} training, each model refitted on all of them and calibrated out of fold, "
        f"{card['data']['holdout_rows']} holdout).",
        f"Excluded as post-contact columns: {', '.join(card['data']['excluded_columns']) or 'none'}.",
        f"Split: {card['data']['split_reason']}.",
        *_read_in_words(card["data"]),
        "",
        f"Model: **{model['kind']}** ({params}), Platt-calibrated, {model['features']} features "
        f"({model['columns']} columns)"
        + (
            f", and {len(model['pairs'])} pair terms: {', '.join(model['pairs'])}"
            if model.get("pairs")
            else ""
        )
        + f". ONNX parity with the native model: {card['onnx_parity_max_abs_diff']:.1e}.",
        "",
        card["comparison"],
        "",
        "## Cross-validation (training slice, mean ROC AUC)",
        "",
        *[
            f"- {kind} {setting}: {auc}"
            for kind, grid in model["cv_roc_auc"].items()
            for setting, auc in grid.items()
        ],
        "",
        "## Holdout (the newest leads)"
        if card["data"]["split"] != "random"
        else "## Holdout (a random part)",
        "",
        f"| metric | {model['kind']} | baseline: {card['baseline']['kind']} |"
        + (f" reference: {card['reference']['kind']} (never served) |" if reference else ""),
        "|---|---|---|" + ("---|" if reference else ""),
        row("ROC AUC", "roc_auc"),
        row("PR AUC", "pr_auc"),
        row("Brier", "brier"),
        row("Calibration error (ECE)", "calibration_error"),
        f"| Top-decile lift | {top_lift(chosen)} | {top_lift(baseline)} |"
        + (f" {top_lift(reference)} |" if reference else ""),
        "",
        *_price_in_words(card.get("reference")),
        f"Base rate on the holdout: {chosen['positives'] / chosen['rows']:.3f}.",
        "",
        *render_lift(chosen),
        "",
        f"Grades: A >= {card['grades']['A']:.3f}, B >= {card['grades']['B']:.3f}, C >= {card['grades']['C']:.3f}, else D.",
        "",
        "## What the model leans on (mean |contribution| to the log-odds)",
        "",
        *[f"- {f['feature']}: {f['mean_abs_contribution']}" for f in card["feature_importance"][:10]],
        "",
        "## Warnings",
        "",
        *([f"- {w}" for w in card["warnings"]] or ["- none"]),
        "",
    ]
    return "\n".join(lines)
