"""`leadqual crm install` and `leadqual crm doctor` as a RevOps admin runs them, against the HubSpot
stand-in over HTTP (no live HubSpot): the diff first, idempotent creation, every check named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadqual.domain.crm import fields_to_install
from leadqual.domain.policy import load_policy
from leadqual_tools.standins.hubspot import HubSpotStandIn
from tests.conftest import run_cli

TOKEN = "admin-token"


@pytest.fixture
def hubspot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HubSpotStandIn, Path]]:
    with HubSpotStandIn(tokens={TOKEN}) as stand_in:
        connections = tmp_path / "connections.yaml"
        connections.write_text(
            f"hubspot:\n  base_url: {stand_in.base_url}\n  token_env: ACME_HUBSPOT_TOKEN\n"
        )
        monkeypatch.setenv("ACME_HUBSPOT_TOKEN", TOKEN)
        yield stand_in, connections


def test_install_prints_the_diff_changes_nothing_until_applied_and_applying_twice_changes_nothing(
    hubspot: tuple[HubSpotStandIn, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    stand_in, connections = hubspot
    wanted = fields_to_install(load_policy().crm)

    assert run_cli("crm", "install", "--connections", str(connections), "--dry-run") == 0
    dry = capsys.readouterr().out
    assert f"{len(wanted)} to create" in dry and "+ leadqual_score" in dry and "would create (number)" in dry
    assert not set(wanted) & stand_in.defined_properties

    assert run_cli("crm", "install", "--connections", str(connections), "--apply") == 0
    assert f"{len(wanted)} created" in capsys.readouterr().out
    assert (
        set(wanted) <= stand_in.defined_properties
        and stand_in.property_types["leadqual_scored_at"] == "datetime"
    )
    assert "leadqual" in stand_in.property_groups

    creates = len(stand_in.requests("/batch/create"))
    assert run_cli("crm", "install", "--connections", str(connections), "--apply") == 0
    assert "0 created" in capsys.readouterr().out and len(stand_in.requests("/batch/create")) == creates


def test_install_never_changes_a_field_of_the_same_name_and_another_type(
    hubspot: tuple[HubSpotStandIn, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    stand_in, connections = hubspot
    stand_in.property_types["leadqual_score"] = "string"  # someone made it before, as text
    stand_in.defined_properties.add("leadqual_score")

    assert run_cli("crm", "install", "--connections", str(connections), "--apply") == 1
    out = capsys.readouterr().out
    assert "! leadqual_score" in out and "leadqual never changes them" in out
    assert stand_in.property_types["leadqual_score"] == "string"


def test_doctor_checks_the_credential_auth_fields_owners_and_headroom(
    hubspot: tuple[HubSpotStandIn, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in, connections = hubspot
    run_cli("crm", "install", "--connections", str(connections), "--apply")
    capsys.readouterr()

    assert run_cli("crm", "doctor", "--connections", str(connections)) == 0
    healthy = capsys.readouterr().out
    for check in ("credential", "auth", "fields", "owners", "headroom"):
        assert f"ok   {check}" in healthy, check
    assert TOKEN not in healthy  # named, never printed

    stand_in.owners["103"] = False  # priya.sdr left: her HubSpot user is archived
    assert run_cli("crm", "doctor", "--connections", str(connections)) == 1
    assert "archived: ['priya.sdr']" in capsys.readouterr().out

    monkeypatch.setenv("ACME_HUBSPOT_TOKEN", "revoked")
    assert run_cli("crm", "doctor", "--connections", str(connections)) == 1
    assert "FAIL auth" in capsys.readouterr().out
