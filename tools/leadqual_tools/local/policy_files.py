"""The shipped policy with what a local run changes, written where the local cloud reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from leadqual.domain.policy import DEFAULT_POLICY_FILE


def policy_file(
    folder: Path,
    *,
    any_hour: bool = False,
    sla: list[dict[str, Any]] | None = None,
    record_links: dict[str, str] | None = None,
) -> Path:
    """`folder/policy.yaml`: the shipped policy, with every rep at work at any hour (`any_hour`: an
    SLA chain's clock runs from when its rep is at work, and fairness shares over the reps at work,
    so with the shipped hours a run would depend on the hour it ran at), SDR outreach's SLA chain
    replaced (`sla`), and where a CRM's records open (`record_links`)."""
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    if any_hour:
        for rep in policy["assignment"]["reps"].values():
            rep.pop("hours", None)
    if sla is not None:
        policy["sla"] = {"sdr_outreach": sla}
    if record_links is not None:
        policy["crm"]["record_links"] = record_links
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return path
