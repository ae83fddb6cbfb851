"""Lambda bundles built without Docker: pip installs wheels for the Lambda platform, not this machine.

Two bundles: the light one (leadqual + Powertools + pydantic) for every function that does not
score, and the scoring one that adds numpy, onnxruntime and the model artifacts.

Each bundle ships its bytecode, compiled by a CPython of the runtime's version when this machine has
one. Lambda's code directory is read-only, so a bundle without bytecode is compiled from source in
memory on every cold start: measured with the scoring bundle on CPython 3.13, imports plus model
load took 846 ms without bytecode and 454 ms with it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from leadqual.resources import Bundle
from leadqual.settings import deploy_refusal

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "functions" / "leadqual"
MODEL_ROOT = REPO / "model_artifacts"
PYTHON_VERSION = "3.13"
RUNTIME = lambda_.Runtime.PYTHON_3_13
PLATFORMS = {
    "x86_64": ("manylinux_2_28_x86_64", "manylinux2014_x86_64"),
    "arm64": ("manylinux_2_28_aarch64", "manylinux2014_aarch64"),
}


def dependencies(*groups: str) -> list[str]:
    """Pinned requirements straight from pyproject.toml: one list for the venv and the bundles."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = list(project["dependencies"])
    for group in groups:
        found += project["optional-dependencies"][group]
    return found


def runtime_interpreter() -> str | None:
    """A CPython of the Lambda runtime's version on this machine, or None.

    `LEADQUAL_RUNTIME_PYTHON` names one; else `python3.13` on PATH; else one installed by pyenv.
    """
    named = os.environ.get("LEADQUAL_RUNTIME_PYTHON")
    candidates = [named] if named else [
        shutil.which(f"python{PYTHON_VERSION}"),
        *sorted(str(p) for p in (Path.home() / ".pyenv" / "versions").glob(f"{PYTHON_VERSION}.*/bin/python{PYTHON_VERSION}")),
    ]  # fmt: skip
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == PYTHON_VERSION:
            return candidate
    return None


def compile_bytecode(bundle: Path, interpreter: str) -> None:
    """Bytecode for every module of the bundle, valid whatever the files' times in the zip.

    Unchecked-hash .pyc files are used without looking at the source's timestamp, which the asset
    zip does not keep; a bundle is rebuilt, never edited, so its bytecode cannot go stale.
    """
    subprocess.run(
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(bundle),
        ],
        check=True,
    )


def _tree_hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for root in paths:
        files = (
            [root]
            if root.is_file()
            else sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        )
        for file in files:
            # Paths inside the repository hash the same on every checkout; a policy kept elsewhere by name.
            digest.update(str(file.relative_to(REPO) if file.is_relative_to(REPO) else file.name).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


@jsii.implements(cdk.ILocalBundling)
class PipBundling:
    def __init__(
        self,
        requirements: list[str],
        architecture: str,
        model_dir: Path | None,
        policy_file: Path,
        connections_file: Path | None = None,
    ):
        self.policy_file = policy_file
        self.connections_file = connections_file
        self.requirements = requirements
        self.architecture = architecture
        self.model_dir = model_dir

    def try_bundle(self, output_dir: str, *_: Any, **__: Any) -> bool:
        out = Path(output_dir)
        platforms = [arg for tag in PLATFORMS[self.architecture] for arg in ("--platform", tag)]
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(out),
             "--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:",
             *platforms, *self.requirements],
            check=True,
        )  # fmt: skip
        shutil.copytree(
            PACKAGE,
            out / "leadqual",
            ignore=shutil.ignore_patterns("__pycache__"),
            dirs_exist_ok=True,
        )
        # The policy validated at synth is the one every function loads (the package's default path).
        shutil.copyfile(self.policy_file, out / "leadqual" / "config" / "policy.yaml")
        if self.connections_file:
            # Validated at synth, like the policy; it names secrets, it holds none.
            shutil.copyfile(self.connections_file, out / "leadqual" / "config" / "connections.yaml")
        if self.model_dir:
            shutil.copytree(self.model_dir, out / "model_artifacts" / self.model_dir.name, dirs_exist_ok=True)
        interpreter = runtime_interpreter()
        if interpreter:
            compile_bytecode(out, interpreter)
        else:
            print(
                f"leadqual: no Python {PYTHON_VERSION} here (set LEADQUAL_RUNTIME_PYTHON): this bundle ships "
                "without bytecode, and every cold start will compile its modules",
                file=sys.stderr,
            )
        return True


def function_code(
    *,
    bundle: Bundle,
    architecture: str,
    model_dir: Path | None,
    policy_file: Path,
    connections_file: Path | None,
) -> lambda_.Code:
    scoring = bundle is Bundle.SCORING
    requirements = dependencies(*{Bundle.SCORING: ["scoring"], Bundle.CRM: ["crm"]}.get(bundle, []))
    hashed = [
        PACKAGE, REPO / "pyproject.toml", policy_file,
        *([model_dir] if scoring and model_dir else []), *([connections_file] if connections_file else []),
    ]  # fmt: skip
    return lambda_.Code.from_asset(
        str(PACKAGE.parent),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=f"{architecture}-{bundle.value}-{_tree_hash(*hashed)}",
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
            local=PipBundling(
                requirements,
                architecture,
                model_dir if scoring else None,
                policy_file,
                # Every bundle: the CRM functions read their CRM, the API its webhook secret's name.
                connections_file,
            ),  # fmt: skip
            command=["echo", "bundled locally with pip; Docker is never used"],
        ),
    )


def model_directory(version: str | None, root: Path = MODEL_ROOT) -> Path:
    """The model folder to deploy: it must exist, and read only columns that live leads have."""
    chosen = version or (root / "CURRENT").read_text(encoding="utf-8").strip()
    directory = root / chosen
    refusal = deploy_refusal(directory)
    if refusal:
        raise ValueError(f"model version {chosen!r} cannot be deployed: {refusal}")
    return directory
