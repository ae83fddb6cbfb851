"""The scoring function scores a whole SQS batch with one inference, and fails messages one by one."""

import json
from typing import Any

import pytest

from leadqual import resources, wiring
from leadqual_tools.local import invoker
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.conftest import lead_body


def _record(message_id: str, body: str) -> dict[str, Any]:
    return {"messageId": message_id, "body": body, "eventSource": "aws:sqs"}


def test_one_inference_for_the_batch_and_only_the_bad_messages_fail(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two received leads, a message for a lead that does not exist, and one that is not JSON
    ids = [
        call_api("POST", "/leads", lead_body(email=f"p{i}@northwind.io")).json()["lead_id"] for i in (1, 2)
    ]
    cloud.drain_queue(resources.SCORING_QUEUE)
    score_function = resources.function_name(resources.SCORE_FUNCTION.name)
    with cloud.inside(score_function):
        model = wiring.scoring_service().model
    batches: list[int] = []
    predict = model.predict

    def counted(vectors: Any) -> Any:
        batches.append(len(vectors))
        return predict(vectors)

    monkeypatch.setattr(model, "predict", counted)
    event = {"Records": [
        _record("m1", json.dumps({"lead_id": ids[0]})), _record("m2", json.dumps({"lead_id": "ld_missing"})),
        _record("m3", "{not json"), _record("m4", json.dumps({"lead_id": ids[1]})),
    ]}  # fmt: skip

    # WHEN the scoring function gets the batch
    result, errored = invoker.invoke_in_process(score_function, event)

    # THEN the two leads were scored by a single inference, and only m2 and m3 go back to the queue
    assert not errored
    assert json.loads(result) == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}
    assert batches == [2]
    for lead_id in ids:
        lead = call_api("GET", f"/leads/{lead_id}").json()
        assert lead["status"] != "received" and lead["scores"]["model_version"] == model.version
        assert lead["scores"]["top_positive"], "reasons are on the lead"
