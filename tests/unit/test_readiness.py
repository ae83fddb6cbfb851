"""Readiness before the first model: the history against the vendors' anchors, and the verdict."""

from leadqual_training.readiness import History, history_lines, readiness

HOLDOUT = {"rows": 200, "positives": 40, "roc_auc": 0.78,
           "lift_by_decile": [{"decile": 1, "conversion_rate": 0.55, "lift": 2.75}]}  # fmt: skip


def test_a_history_under_einsteins_anchor_trains_but_is_not_called_ready() -> None:
    history = History(rows=700, conversions=90, first="2026-01-02", last="2026-10-30")
    lines = history_lines(history)
    assert lines[0] == "history: 700 decided leads, 90 conversions from 2026-01-02 to 2026-10-30"
    assert lines[1] == "  Salesforce Einstein asks for 1,000 leads and 120 conversions: NOT met"
    assert lines[2] == "  Dynamics 365 asks for 40 conversions and 40 leads that did not convert: met"
    verdict = readiness(history, True, HOLDOUT, [], [])
    assert not verdict["ready"] and verdict["verdict"] == "not ready to deploy"
    assert verdict["reasons"] == [
        "700 leads and 90 conversions are fewer than Salesforce Einstein asks (1,000 and 120): "
        "the back-test is uncertain"
    ]


def test_every_reason_against_deploying_is_listed() -> None:
    history = History(rows=5000, conversions=600, first=None, last=None)
    weak = {**HOLDOUT, "roc_auc": 0.55}
    verdict = readiness(history, False, weak, ["column 'Tags' alone gives ROC AUC 0.851 ..."], ["Stage"])
    assert [reason.split(" ")[0:2] for reason in verdict["reasons"]] == [
        ["live", "leads"],
        ["a", "column"],
        ["the", "back-test"],
        ["on", "the"],
    ]
    assert "ROC AUC 0.550 < 0.6" in verdict["reasons"][-1]


def test_a_sufficient_history_with_a_good_backtest_is_ready() -> None:
    verdict = readiness(History(5000, 600, "2025-01-01", "2026-11-30"), True, HOLDOUT, [], [])
    assert verdict["ready"] and verdict["verdict"] == "ready to deploy"
    assert verdict["backtest"] == (
        "back-test on the 200 newest leads: ROC AUC 0.780, the top-scored tenth converted at 55.0% "
        "against 20.0% overall (2.75x)"
    )
