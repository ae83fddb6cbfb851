"""Your own history, deployable: a CRM's exports, described only by a mapping file, become
leadqual's records as they were at each lead's submission; a model trained on them passes the
check `cdk synth` makes, serves in local mode, and scores a live lead."""

import csv
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "infra"))  # as tests/infra do
from leadqual_infra.bundling import model_directory
from leadqual_tools.cli import main
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.paths import DEFAULT_SPEC
from leadqual_training.synthetic import SyntheticWorld, training_row
from leadqual_training.synthetic_crm import write_crm_history
from leadqual_training.train import load_spec
from tests.conftest import lead_body

MAPPINGS = DEFAULT_SPEC.parents[1] / "mappings"


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["salesforce", "hubspot"])
def test_a_crm_history_imports_trains_deploys_and_scores_a_live_lead(
    tmp_path: Path, layout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a CRM's exports in its own layout, and the mapping file that describes them
    exports = write_crm_history(tmp_path / layout, layout, rows=2500)
    records, models = tmp_path / "records.csv", tmp_path / "models"
    # WHEN they are imported
    assert main(["history", "import", "--mapping", str(MAPPINGS / f"{layout}.yaml"),
                 "--exports", str(exports), "--out", str(records)]) == 0  # fmt: skip
    said = capsys.readouterr().out
    # THEN each lead is one record in the columns live leads are scored on, built from what was known
    # at its submission: the activities sales logged after it (a won lead's meeting) are left out
    with records.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2500
    assert {"lead_id", "submitted_at", "outcome", "form", "company_industry", "pricing_views"} <= set(rows[0])
    assert "logged after it left out" in said and "firmographics are the accounts file's" in said
    assert not any(
        "after it left out" in line and line.split(";")[1].strip().startswith("0 ")
        for line in said.splitlines()
    )
    won = [r for r in rows if r["outcome"] == "closed_won"]
    assert won and {r["outcome"] for r in rows} <= {"closed_won", "closed_lost", "open"}
    assert {r["form"] for r in rows} >= {"demo_request", "newsletter"}  # the CRM's form names, mapped
    assert any(r["company_country"] == "US" for r in rows)  # "United States", mapped
    # WHEN a model is trained on them and promoted
    assert main(["train", "--data", str(records), "--out", str(models), "--version", layout, "--promote",
                 "--candidates", "logistic_regression", "additive_gbm"]) == 0  # fmt: skip
    # THEN it can be deployed: the check `cdk synth` makes of a model passes
    assert (models / "CURRENT").read_text().strip() == layout
    directory = model_directory(layout, root=models)
    # AND the local mode serves it, and it scores a live lead
    with LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1, model_dir=directory) as cloud:
        response = call_api("POST", "/leads", lead_body(email="dana@northwind.io"))
        assert response.status == 202, response.body
        lead_id = response.json()["lead_id"]

        def scored() -> dict[str, object] | None:
            cloud.pump()
            lead = call_api("GET", f"/leads/{lead_id}").json()
            return lead if lead.get("scores") else None

        lead = wait_until(scored, timeout=30, what="the live lead to be scored")
    scores = lead["scores"]
    assert isinstance(scores, dict) and scores["model_version"] == layout
    assert 0 < scores["conversion_probability"] < 1 and scores["top_positive"] + scores["top_negative"]


def test_each_record_is_what_serving_would_have_built_at_the_leads_submission(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the Salesforce-style exports of the bundled synthetic history, sales' later activities included
    exports = write_crm_history(tmp_path / "sf", "salesforce", rows=400)
    records = tmp_path / "records.csv"
    assert main(["history", "import", "--mapping", str(MAPPINGS / "salesforce.yaml"),
                 "--exports", str(exports), "--out", str(records)]) == 0  # fmt: skip
    # THEN the activities logged after each lead came in (a follow-up e-mail each, and for a won lead
    # its meeting and a pricing visit) are counted and left out
    leads = list(SyntheticWorld(seed=7).leads(400))
    logged_later = len(leads) + 2 * sum(lead.outcome == "closed_won" for lead in leads)
    assert f"; {logged_later} logged after it left out" in capsys.readouterr().out
    with records.open(newline="") as handle:
        imported = {row["lead_id"]: row for row in csv.DictReader(handle)}
    # AND every lead's record equals the one serving's own builder makes from the same lead as it
    # stood when it came in (`training_row`), column for column: nothing logged later leaks in
    spec = load_spec(DEFAULT_SPEC)
    compared = ["email", "title", "form", "company_employees", "company_industry", "company_country",
                "technologies", "pricing_views", "case_study_views", "email_clicks", "events_recent",
                "days_since_last_activity"]  # fmt: skip
    for index, lead in enumerate(leads):
        expected = training_row(lead, spec, f"syn_{index:06d}")
        got = imported[f"00Q{index:012d}"]
        for column in compared:
            want, have = expected[column], got[column]
            if isinstance(want, float):  # recency weights of times the export keeps to the second
                assert float(have) == pytest.approx(want, rel=1e-4, abs=1e-4), (index, column)
            else:
                assert have == ("" if want is None else str(want)), (index, column)
        assert (got["outcome"] == "closed_won") == (lead.outcome == "closed_won")
