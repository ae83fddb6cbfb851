"""What goes into the bundles: bytecode for the runtime, and only a model that can score live leads."""

import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "infra"))

from leadqual_infra.bundling import PYTHON_VERSION, compile_bytecode, model_directory, runtime_interpreter
from leadqual_tools.paths import DEFAULT_ARTIFACTS, DEFAULT_SPEC
from leadqual_training.train import load_spec

INTERPRETER = runtime_interpreter()
# PEP 552: bit 0 of the .pyc flags = hash-based, bit 1 = check the source against the hash.
HASH_BASED, CHECK_SOURCE = 0b01, 0b10


@pytest.mark.skipif(INTERPRETER is None, reason=f"no Python {PYTHON_VERSION} on this machine")
def test_bundle_bytecode_is_for_the_runtime_and_never_checks_source_times(tmp_path: Path) -> None:
    # GIVEN a bundle as pip and the copy step leave it: sources only
    package = tmp_path / "leadqual"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "scoring.py").write_text("ANSWER = 42\n")
    # WHEN its bytecode is compiled
    assert INTERPRETER is not None
    compile_bytecode(tmp_path, INTERPRETER)
    # THEN each module has a .pyc for the runtime's CPython, used without reading the source's time
    tag = "cpython-" + PYTHON_VERSION.replace(".", "")
    compiled = sorted(p.name for p in (package / "__pycache__").iterdir())
    assert compiled == [f"__init__.{tag}.pyc", f"scoring.{tag}.pyc"]
    (flags,) = struct.unpack("<I", (package / "__pycache__" / f"scoring.{tag}.pyc").read_bytes()[4:8])
    assert flags & HASH_BASED and not flags & CHECK_SOURCE


def test_a_model_that_reads_columns_live_leads_lack_is_never_deployed(tmp_path: Path) -> None:
    # GIVEN a model trained on a Salesforce-style export: its columns are not those of live leads
    crm = tmp_path / "crm-1"
    crm.mkdir()
    (crm / "model.onnx").write_bytes(b"")  # the synth refuses before it reads the graph
    (crm / "feature_spec.json").write_text(
        load_spec(DEFAULT_SPEC.parent / "example_crm_export.yaml").model_dump_json()
    )
    # WHEN it is chosen for deployment THEN the synth stops, naming the columns live leads lack
    with pytest.raises(ValueError, match=r"reads columns live leads do not have: \['Annual Revenue'"):
        model_directory("crm-1", root=tmp_path)
    # AND the shipped model, trained on leadqual's own records, deploys
    assert model_directory(None).name == (DEFAULT_ARTIFACTS / "CURRENT").read_text().strip()
