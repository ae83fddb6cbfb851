from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leadqual.domain.features.matrix import FeatureMatrix, vector_of
from leadqual.domain.features.spec import FeatureDef, FeatureSpec, LabelSpec
from leadqual_training.train import load_spec

SPEC = Path(__file__).resolve().parents[2] / "training" / "specs" / "leadqual_default.yaml"
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def test_fitted_spec_maps_unseen_categories_to_other() -> None:
    # GIVEN a spec fitted on two industries
    spec = load_spec(SPEC).fit([{"company_industry": "Software"}, {"company_industry": "Retail"}])
    industry = next(f for f in spec.features if f.name == "industry")
    assert industry.categories == ["retail", "software", "other"]
    # WHEN a lead from an unseen industry is encoded THEN it lands on 'other'
    columns = [c.startswith("industry=") for c in spec.output_columns()]
    matrix = FeatureMatrix(spec).build([{"company_industry": "Mining"}, {"company_industry": " Software"}])
    assert matrix[:, columns].tolist() == [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_vector_width_matches_output_columns() -> None:
    spec = load_spec(SPEC).fit([{"company_industry": "Software", "technologies": "salesforce;aws"}])
    record = {
        "email": "a@gmail.com",
        "title": "VP of Sales",
        "company_employees": "1,200",
        "technologies": "aws",
    }
    vector = vector_of(spec, record)
    assert len(vector) == len(spec.output_columns())
    columns = dict(zip(spec.output_columns(), vector, strict=True))
    assert columns["email_type:free_mail"] == 1.0
    assert columns["job_title:seniority=vp"] == 1.0
    assert columns["job_title:department=sales"] == 1.0
    assert columns["technologies=aws"] == 1.0


def test_spec_refuses_a_feature_built_from_an_excluded_column() -> None:
    data = load_spec(SPEC).model_dump()
    data["exclude"].append("title")
    try:
        FeatureSpec.model_validate(data)
    except ValueError as error:
        assert "title" in str(error)
    else:
        raise AssertionError("a leaking column must be refused")


def test_a_date_column_becomes_days_before_the_records_own_time() -> None:
    # GIVEN an export whose rows carry their creation time and a last-activity date
    spec = FeatureSpec(
        label=LabelSpec(column="Status", positive=["Qualified"]),
        time_column="Created",
        features=[FeatureDef(name="last", column="Last Activity", kind="date", group="engagement",
                             label="Last activity", missing_days=365)],
    )  # fmt: skip
    # WHEN rows are vectorised THEN the age is measured from the row's time, not from today
    assert vector_of(spec, {"Created": "2025-03-11 09:00:00", "Last Activity": "2025-03-01"}) == [10.375]
    assert vector_of(spec, {"Created": "2025-03-11", "Last Activity": ""}) == [365.0]
    assert spec.features[0].describe("2025-03-01", datetime(2025, 3, 11, tzinfo=UTC)) == (
        "Last activity: 10 days before"
    )


@pytest.mark.parametrize(
    ("employees", "text"),
    [(8, "under 10"), (1200, "1,000-4,999"), (20000, "20,000+"), (None, "unknown")],
)
def test_numeric_bands_are_how_a_rep_reads_a_size(employees: int | None, text: str) -> None:
    size = next(f for f in load_spec(SPEC).features if f.name == "company_size")
    assert size.describe(employees, NOW) == f"Company size (employees): {text}"


def test_undecided_outcomes_are_neither_won_nor_lost() -> None:
    label = LabelSpec(column="Lead Status", positive=["Qualified"], undecided=["Open - Not Contacted"])
    assert label.is_positive(" qualified ") and not label.is_positive("Unqualified")
    assert not label.is_decided("Open - Not Contacted") and not label.is_decided("")
    assert label.is_decided("Unqualified")


def test_a_batch_is_built_exactly_as_its_records_one_by_one() -> None:
    # GIVEN records as serving builds them and as exports give them: numbers, text numbers, gaps,
    # absent columns, labels as a list or as "a;b" text
    spec = load_spec(SPEC).fit([{"company_industry": "Software", "technologies": "salesforce;aws"}])
    records: list[dict[str, Any]] = [
        {"email": "a@gmail.com", "title": "VP of Sales", "company_employees": 1200, "technologies": ["aws"]},
        {"email": "b@corp.io", "company_employees": "1,200", "pricing_views": "3", "technologies": "aws;salesforce"},
        {"email": "c@corp.io", "company_employees": None, "company_annual_revenue": float("nan")},
        {},
    ]  # fmt: skip
    # WHEN the batch is built in one go THEN each row is what that record alone gives
    matrix = FeatureMatrix(spec).build(records)
    np.testing.assert_array_equal(matrix, [vector_of(spec, record) for record in records])  # NaN == NaN here
    # AND a number given as text reads as that number; a gap stays missing, never a 0 nobody typed
    size = spec.output_columns().index("company_size")
    assert matrix[:2, size].tolist() == [matrix[0, size]] * 2 and matrix[0, size] > 0
    assert np.isnan(matrix[2:, size]).all()
    assert matrix[:2, spec.output_columns().index("technologies=aws")].tolist() == [1.0, 1.0]


def test_each_kind_is_registered_under_its_name_and_an_unknown_kind_is_refused_naming_the_kinds() -> None:
    from pydantic import ValidationError

    from leadqual.domain.features.kinds import KINDS
    from leadqual.domain.features.spec import FeatureDef

    assert all(name == kind.name for name, kind in KINDS.items())
    with pytest.raises(
        ValidationError, match="unknown feature kind 'ordinal'; the kinds are numeric, boolean"
    ):
        FeatureDef(name="size", column="size", kind="ordinal", group="fit", label="Size")
