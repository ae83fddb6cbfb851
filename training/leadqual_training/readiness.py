"""Is this history enough, and is the model trained on it fit to serve? Said before anyone deploys.

The anchors are what the two CRM vendors ask before their own scoring will train: Salesforce
Einstein Lead Scoring 1,000 leads and 120 conversions in its window, Dynamics 365 predictive lead
scoring 40 qualified and 40 disqualified leads. leadqual refuses to train under 500 and 50
(`train.MIN_ROWS`, `MIN_POSITIVES`); between that and Einstein's anchor it trains, and says the
figures are uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Anchor:
    """What a vendor's lead scoring asks of the history before it trains."""

    who: str
    leads: int
    conversions: int
    non_conversions: int = 0

    def met_by(self, history: History) -> bool:
        return (
            history.rows >= self.leads
            and history.conversions >= self.conversions
            and history.rows - history.conversions >= self.non_conversions
        )

    def __str__(self) -> str:
        asks = f"{self.leads:,} leads and {self.conversions} conversions"
        if self.non_conversions:
            asks = f"{self.conversions} conversions and {self.non_conversions} leads that did not convert"
        return f"{self.who} asks for {asks}"


@dataclass(frozen=True)
class History:
    rows: int
    conversions: int
    first: str | None  # the window, when the export has a time column
    last: str | None


ANCHORS = (
    Anchor("Salesforce Einstein", leads=1000, conversions=120),
    Anchor("Dynamics 365", leads=80, conversions=40, non_conversions=40),
)
# On the newest leads, below this the model ranks little better than a coin.
MIN_HOLDOUT_AUC = 0.6


def history_lines(history: History) -> list[str]:
    window = f" from {history.first} to {history.last}" if history.first and history.last else ""
    lines = [f"history: {history.rows} decided leads, {history.conversions} conversions{window}"]
    lines += [f"  {anchor}: {'met' if anchor.met_by(history) else 'NOT met'}" for anchor in ANCHORS]
    return lines


def readiness(
    history: History,
    time_ordered: bool,
    holdout: dict[str, Any],
    leak_warnings: list[str],
    undeployable: list[str],
) -> dict[str, Any]:
    """The verdict and every reason against it; `holdout` is the chosen model's back-test figures."""
    reasons = []
    if undeployable:
        reasons.append(
            f"live leads cannot be scored with it: columns {undeployable} are not in leadqual's records"
        )
    reasons += [f"a column may leak the outcome: {warning}" for warning in leak_warnings]
    largest = ANCHORS[0]
    if not largest.met_by(history):
        reasons.append(
            f"{history.rows} leads and {history.conversions} conversions are fewer than "
            f"{largest.who} asks ({largest.leads:,} and {largest.conversions}): the back-test is uncertain"
        )
    if not time_ordered:
        reasons.append("the back-test is on a random part, not the newest leads: name a time column")
    if holdout["roc_auc"] < MIN_HOLDOUT_AUC:
        reasons.append(
            f"on the newest leads it ranks little better than chance (ROC AUC {holdout['roc_auc']:.3f} "
            f"< {MIN_HOLDOUT_AUC})"
        )
    top = holdout["lift_by_decile"][0]
    base = holdout["positives"] / holdout["rows"]
    backtest = (
        f"back-test on the {holdout['rows']} {'newest' if time_ordered else 'held-out'} leads: ROC AUC "
        f"{holdout['roc_auc']:.3f}, the top-scored tenth converted at {top['conversion_rate']:.1%} "
        f"against {base:.1%} overall ({top['lift']}x)"
    )
    return {
        "ready": not reasons,
        "verdict": "ready to deploy" if not reasons else "not ready to deploy",
        "reasons": reasons,
        "backtest": backtest,
        "history": {
            "rows": history.rows, "conversions": history.conversions, "first": history.first,
            "last": history.last,
            "anchors": {anchor.who: anchor.met_by(history) for anchor in ANCHORS},
        },
    }  # fmt: skip
