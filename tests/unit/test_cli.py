"""The CLI: it signs requests to the deployed API's IAM routes with the caller's credentials, every
option says what it is for, and a mistake is answered at once with what to do."""

import argparse
import json
import sys
from pathlib import Path

import pytest

from leadqual_tools.cli import _sigv4_headers, build_parser, main
from leadqual_tools.paths import DEFAULT_ARTIFACTS, SAMPLE_LABELLED


def test_rules_explain_signs_for_execute_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    headers = _sigv4_headers(
        "https://abc.execute-api.eu-west-1.amazonaws.com/v1/leads/ld_1/rules", "eu-west-1"
    )
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]


def _every_option(parser: argparse.ArgumentParser, command: list[str]) -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _every_option(sub, [*command, name])
        elif not isinstance(action, argparse._HelpAction):
            found.append((" ".join(command), action))
    return found


def test_every_option_of_every_command_says_what_it_is_for() -> None:
    missing = [
        f"{command} {action.dest}" for command, action in _every_option(build_parser(), []) if not action.help
    ]
    assert missing == []


def test_a_folder_of_model_versions_is_refused_naming_them(capsys: pytest.CaptureFixture[str]) -> None:
    current = (DEFAULT_ARTIFACTS / "CURRENT").read_text(encoding="utf-8").strip()
    assert main(["evaluate", "--model", str(DEFAULT_ARTIFACTS)]) == 2
    said = capsys.readouterr().err
    assert "holds model versions, not one model" in said and f"--model {DEFAULT_ARTIFACTS / current}" in said


def test_a_missing_file_is_reported_at_once_before_the_training_libraries_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded_before = "leadqual_training.backtest" in sys.modules
    assert main(["evaluate", "--data", str(tmp_path / "nope.csv")]) == 2
    assert capsys.readouterr().err.strip() == f"cannot evaluate: no file at {tmp_path / 'nope.csv'}"
    assert ("leadqual_training.backtest" in sys.modules) == loaded_before  # refused before loading it


def test_a_report_into_a_missing_folder_says_so_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "report.html"
    assert main(["report", "--api", "http://127.0.0.1:9", "--html", str(target)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"cannot write {target}: there is no folder {target.parent}; create it, or name another"
    )


def test_evaluate_runs_at_once_on_the_labelled_sample_that_ships(tmp_path: Path) -> None:
    report = tmp_path / "evaluation.json"
    assert SAMPLE_LABELLED.is_file()
    assert main(["evaluate", "--report", str(report)]) == 0
    assert json.loads(report.read_text(encoding="utf-8"))["rows"] == 400
