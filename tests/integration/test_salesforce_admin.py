"""`leadqual crm install` and `doctor` against the Salesforce stand-in: the Metadata API through
simple-salesforce (SOAP, over HTTP), the permission set with edit on leadqual's fields only. No
live Salesforce org is reached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadqual.adapters.salesforce import EXTERNAL_ID, PERMISSION_SET, api_name
from leadqual.domain.crm import fields_to_install
from leadqual.domain.policy import load_policy
from leadqual_tools.standins.salesforce import SalesforceStandIn
from tests.conftest import run_cli


@pytest.fixture
def salesforce(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SalesforceStandIn, Path]]:
    with SalesforceStandIn("acme-client", "acme-secret") as stand_in:
        connections = tmp_path / "connections.yaml"
        connections.write_text(
            f"salesforce:\n  login_url: {stand_in.base_url}\n  client_id_env: ACME_SF_ID\n  client_secret_env: ACME_SF_SECRET\n"
        )
        monkeypatch.setenv("ACME_SF_ID", "acme-client")
        monkeypatch.setenv("ACME_SF_SECRET", "acme-secret")
        yield stand_in, connections


def test_install_creates_the_fields_and_a_permission_set_on_them_only_once(
    salesforce: tuple[SalesforceStandIn, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    stand_in, connections = salesforce
    wanted = fields_to_install(load_policy().crm)

    assert run_cli("crm", "install", "--connections", str(connections)) == 0
    assert f"{len(wanted)} to create" in capsys.readouterr().out and not stand_in.metadata["CustomField"]

    assert run_cli("crm", "install", "--connections", str(connections), "--apply") == 0
    assert f"{len(wanted)} created" in capsys.readouterr().out
    fields = stand_in.metadata["CustomField"]
    assert {f"Lead.{api_name(n)}" for n in wanted} == set(fields)
    key = fields[f"Lead.{EXTERNAL_ID}"]
    assert (key["externalId"], key["unique"], key["type"]) == (
        "true",
        "true",
        "Text",
    )  # upserts find their Lead by it
    assert fields["Lead.leadqual_score__c"]["type"] == "Number"
    permissions = stand_in.metadata["PermissionSet"][PERMISSION_SET]["fieldPermissions"]
    assert {p["field"] for p in permissions} == set(fields) and all(
        p["editable"] == "true" for p in permissions
    )

    assert run_cli("crm", "install", "--connections", str(connections), "--apply") == 0
    assert "0 created" in capsys.readouterr().out


def test_doctor_checks_sign_in_fields_permission_users_and_the_org_s_headroom(
    salesforce: tuple[SalesforceStandIn, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stand_in, connections = salesforce
    assert run_cli("crm", "doctor", "--connections", str(connections)) == 1
    before = capsys.readouterr().out
    assert "FAIL fields" in before and "FAIL permission" in before and "ok   auth" in before

    run_cli("crm", "install", "--connections", str(connections), "--apply")
    capsys.readouterr()
    assert run_cli("crm", "doctor", "--connections", str(connections)) == 0
    healthy = capsys.readouterr().out
    for check in ("credential", "auth", "fields", "permission", "owners", "headroom"):
        assert f"ok   {check}" in healthy, check
    assert "acme-secret" not in healthy

    stand_in.objects["User"]["005000000000103"]["IsActive"] = False  # priya.sdr left
    assert run_cli("crm", "doctor", "--connections", str(connections)) == 1
    assert "inactive: ['priya.sdr']" in capsys.readouterr().out

    monkeypatch.setenv("ACME_SF_SECRET", "wrong")
    assert run_cli("crm", "doctor", "--connections", str(connections)) == 1
    assert "FAIL auth" in capsys.readouterr().out
