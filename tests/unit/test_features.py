from pathlib import Path

from leadqual.domain.features import FeatureSpec
from leadqual_training.train import load_spec

SPEC = Path(__file__).resolve().parents[2] / "training" / "specs" / "leadqual_default.yaml"


def test_fitted_spec_maps_unseen_categories_to_other() -> None:
    # GIVEN a spec fitted on two industries
    spec = load_spec(SPEC).fit([{"company_industry": "Software"}, {"company_industry": "Retail"}])
    industry = next(f for f in spec.features if f.name == "industry")
    assert industry.categories == ["retail", "software", "other"]
    # WHEN a lead from an unseen industry is encoded THEN it lands on 'other'
    assert industry.encode("Mining") == [0.0, 0.0, 1.0]
    assert industry.encode("Software") == [0.0, 1.0, 0.0]


def test_vector_width_matches_output_columns() -> None:
    spec = load_spec(SPEC).fit([{"company_industry": "Software", "technologies": "salesforce;aws"}])
    record = {
        "email": "a@gmail.com",
        "title": "VP of Sales",
        "company_employees": "1,200",
        "technologies": "aws",
    }
    vector = spec.vectorize(record)
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
