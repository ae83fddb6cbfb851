"""`leadqual rules check` and `leadqual rules explain`, as RevOps runs them."""

from pathlib import Path

import pytest

from leadqual.domain.policy import DEFAULT_POLICY_FILE
from leadqual_tools.cli import main
from leadqual_tools.local.cloud import LocalCloud
from tests.e2e.test_flow import _settle, _submit


def test_rules_check_prints_each_rule_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(DEFAULT_POLICY_FILE)]) == 0
    out = capsys.readouterr().out
    assert "valid, policy version 1" in out
    assert (
        "medium-band-hold: IF score band is one of medium THEN hold to the default hold owner, no review"
        in out
    )
    assert (
        "named-account-review: IF flags include any of named_account THEN ae_notify to the account owner"
        in out
    )


def test_rules_check_refuses_a_bad_file_naming_rule_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text(DEFAULT_POLICY_FILE.read_text().replace("action: hold", "action: call_later"))
    assert main(["rules", "check", str(bad)]) == 2
    assert "rules[7] (id 'medium-band-hold').action" in capsys.readouterr().err


def test_rules_explain_shows_every_rule_tried_and_why(
    cloud: LocalCloud, api_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a free-mail newsletter signup routed by the rules
    lead_id = _submit(email="bob@gmail.com", form="newsletter", title=None, company={})
    _settle(cloud, lead_id, {"routed"})
    # WHEN RevOps asks why
    assert main(["rules", "explain", lead_id, "--api", api_url]) == 0
    out = capsys.readouterr().out
    # THEN the rules before the one that fired say which condition failed, and the fired one is last
    lines = [line for line in out.splitlines() if line.startswith(("FIRED", "no"))]
    assert lines[-1].startswith("FIRED  freemail-newsletter-nurture")
    assert lines[0].startswith("no     named-account-review")
    assert "NOT flags include any of named_account (lead: free_mail)" in out
    assert "ok  e-mail is free-mail (lead: free-mail)" in out
    assert main(["rules", "explain", "ld_nope", "--api", api_url]) == 2
