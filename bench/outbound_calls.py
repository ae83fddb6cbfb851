"""A second history with other shapes than leadqual's own, for `make bench-model`: outbound sales
calls of a retail-banking campaign, in the layout of the public "bank marketing" sets (age, job,
balance, previous campaign, month, contact channel; about 11 % said yes).

Its ground truth is not additive, on purpose: age works in a U shape that depends on the job
(students and retirees say yes, other young people do not), the channel works only in some months,
and a past success outweighs everything. That is where boosted trees without constraints can gain
over any sum of per-column terms, so it shows the price of exact reasons where there is one.
"""

from __future__ import annotations

import csv
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

JOBS = {"admin": 11, "blue-collar": 21, "entrepreneur": 3, "housemaid": 3, "management": 21, "retired": 5,
        "self-employed": 3, "services": 9, "student": 3, "technician": 17, "unemployed": 3, "unknown": 1}  # fmt: skip
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
GOOD_MONTHS = {"mar", "sep", "oct", "dec"}

SPEC: dict[str, Any] = {
    "label": {"column": "y", "positive": ["yes"]},
    "time_column": "called_at",
    "id_column": "call_id",
    "features": [
        {"name": "age", "column": "age", "kind": "numeric", "group": "fit", "label": "Age"},
        {"name": "job", "column": "job", "kind": "categorical", "group": "fit", "label": "Job"},
        {"name": "marital", "column": "marital", "kind": "categorical", "group": "fit", "label": "Marital status"},
        {"name": "education", "column": "education", "kind": "categorical", "group": "fit", "label": "Education"},
        {"name": "balance", "column": "balance", "kind": "numeric", "group": "fit", "label": "Balance",
         "clip_max": 100000},
        {"name": "housing", "column": "housing", "kind": "boolean", "group": "fit", "label": "Has a mortgage"},
        {"name": "contact", "column": "contact", "kind": "categorical", "group": "engagement", "label": "Channel"},
        {"name": "month", "column": "month", "kind": "categorical", "group": "engagement", "label": "Month"},
        {"name": "campaign", "column": "campaign", "kind": "numeric", "group": "engagement",
         "label": "Calls in this campaign", "log1p": True},
        {"name": "previous", "column": "previous", "kind": "numeric", "group": "intent",
         "label": "Calls in earlier campaigns", "log1p": True},
        {"name": "poutcome", "column": "poutcome", "kind": "categorical", "group": "intent",
         "label": "Earlier campaign's outcome"},
    ],
}  # fmt: skip


def _logit(rng: random.Random, row: dict[str, Any]) -> float:
    age, job = row["age"], row["job"]
    if job == "student":
        shape = 1.6 - 0.12 * (age - 22)
    elif job == "retired":
        shape = 0.4 + 0.08 * (age - 62)
    else:  # a U shape: the young and the old more often, the middle-aged rarely
        shape = 0.0015 * (age - 45) ** 2 - 0.35
    seasonal = 1.4 if row["month"] in GOOD_MONTHS and row["contact"] == "cellular" else -0.2
    logit = -2.4 + shape + seasonal
    logit += {"success": 2.4, "failure": 0.2, "other": 0.4, "unknown": 0.0}[row["poutcome"]]
    logit += 0.25 * math.log1p(max(row["balance"], 0) / 1000) - 0.5 * row["housing"]
    logit -= 0.18 * min(row["campaign"], 10)
    logit += {"tertiary": 0.25, "secondary": 0.0, "primary": -0.15, "unknown": 0.0}[row["education"]]
    return logit + rng.gauss(0, 0.5)


def write_outbound_calls(path: Path, rows: int = 30_000, seed: int = 13) -> Path:
    rng = random.Random(seed)
    start = datetime(2024, 11, 1, tzinfo=UTC)
    jobs, weights = list(JOBS), list(JOBS.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter[str] | None = None
        for index in range(rows):
            job = rng.choices(jobs, weights)[0]
            age = (
                int(rng.gauss(24, 3))
                if job == "student"
                else int(rng.gauss(66, 5))
                if job == "retired"
                else int(rng.gauss(41, 10))
            )
            called = start + timedelta(minutes=index * 35 + rng.randint(0, 34))  # two years: every month seen
            previous = 0 if rng.random() < 0.8 else rng.randint(1, 6)
            row: dict[str, Any] = {
                "call_id": f"c{index:06d}", "called_at": called.isoformat(), "age": max(18, min(age, 95)),
                "job": job, "marital": rng.choices(["married", "single", "divorced"], [60, 28, 12])[0],
                "education": rng.choices(["secondary", "tertiary", "primary", "unknown"], [51, 29, 15, 5])[0],
                "balance": int(rng.lognormvariate(6.5, 1.6)) - 300, "housing": rng.random() < 0.55,
                "contact": rng.choices(["cellular", "telephone", "unknown"], [65, 7, 28])[0],
                "month": MONTHS[called.month - 1], "campaign": 1 + int(rng.expovariate(0.5)),
                "previous": previous,
                "poutcome": "unknown" if previous == 0 else rng.choices(["failure", "other", "success"], [60, 22, 18])[0],
            }  # fmt: skip
            row["y"] = "yes" if rng.random() < 1 / (1 + math.exp(-_logit(rng, row))) else "no"
            row["housing"] = "yes" if row["housing"] else "no"
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path
