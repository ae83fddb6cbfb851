"""The CLI signs requests to the deployed API's IAM routes with the caller's credentials."""

import pytest

from leadqual_tools.cli import _sigv4_headers


def test_rules_explain_signs_for_execute_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    headers = _sigv4_headers(
        "https://abc.execute-api.eu-west-1.amazonaws.com/v1/leads/ld_1/rules", "eu-west-1"
    )
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]
