"""Reasons must say what the model did: the graph's contributions add up to its own logit."""

import math
from datetime import UTC, datetime

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.models import Company, FormType, Lead, LeadStatus
from leadqual.domain.records import serving_record
from leadqual.domain.scoring import explain
from leadqual.settings import DEFAULT_MODEL_ROOT

MODEL = OnnxModel(DEFAULT_MODEL_ROOT / (DEFAULT_MODEL_ROOT / "CURRENT").read_text().strip())


def _lead(**changes: object) -> Lead:
    now = datetime.now(UTC)
    values: dict[str, object] = dict(
        lead_id="ld_1", status=LeadStatus.RECEIVED, email="dana@northwind.io", account="northwind.io",
        title="VP of Sales", company=Company(employees=1200, industry="Software", country="US"),
        form=FormType.DEMO_REQUEST, submitted_at=now, received_at=now,
    )  # fmt: skip
    values.update(changes)
    return Lead.model_validate(values)


def test_contributions_sum_to_the_models_logit() -> None:
    record = serving_record(_lead(), None, [], [], MODEL.spec.behaviour)
    output = MODEL.predict([MODEL.spec.vectorize(record)])[0]
    logit = MODEL.profile.base_logit + sum(output.contributions)
    assert math.isclose(1 / (1 + math.exp(-logit)), output.probability, rel_tol=1e-9)


def test_reasons_name_the_strongest_factors_with_their_true_share() -> None:
    record = serving_record(
        _lead(form=FormType.NEWSLETTER, title="Student"), None, [], [], MODEL.spec.behaviour
    )
    output = MODEL.predict([MODEL.spec.vectorize(record)])[0]
    scores = explain(MODEL.spec, MODEL.profile, record, output)
    assert scores.grade == "D"
    negative = {r.feature: r for r in scores.top_negative}
    assert "form" in negative and negative["form"].text == "Form submitted: newsletter"
    # The reason's contribution is the sum of that feature's columns in the graph's output.
    columns = [i for i, owner in enumerate(MODEL.spec.column_owners()) if owner.name == "form"]
    assert math.isclose(
        negative["form"].contribution, sum(output.contributions[i] for i in columns), abs_tol=1e-4
    )
