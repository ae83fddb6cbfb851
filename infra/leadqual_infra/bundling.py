"""Lambda bundles built without Docker: pip installs wheels for the Lambda platform, not this machine.

Two bundles: the light one (leadqual + Powertools + pydantic) for every function that does not
score, and the scoring one that adds numpy, onnxruntime and the model artifacts.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

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
    def __init__(self, requirements: list[str], architecture: str, model_dir: Path | None, policy_file: Path):
        self.policy_file = policy_file
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
            ignore=shutil.ignore_patterns("__pycache__", "local", "cli.py"),
            dirs_exist_ok=True,
        )
        # The policy validated at synth is the one every function loads (the package's default path).
        shutil.copyfile(self.policy_file, out / "leadqual" / "config" / "policy.yaml")
        if self.model_dir:
            shutil.copytree(self.model_dir, out / "model_artifacts" / self.model_dir.name, dirs_exist_ok=True)
        return True


def function_code(
    *, scoring: bool, architecture: str, model_dir: Path | None, policy_file: Path
) -> lambda_.Code:
    requirements = dependencies("scoring") if scoring else dependencies()
    hashed = [PACKAGE, REPO / "pyproject.toml", policy_file, *([model_dir] if scoring and model_dir else [])]
    return lambda_.Code.from_asset(
        str(PACKAGE.parent),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=f"{architecture}-{'scoring' if scoring else 'light'}-{_tree_hash(*hashed)}",
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
            local=PipBundling(requirements, architecture, model_dir if scoring else None, policy_file),
            command=["echo", "bundled locally with pip; Docker is never used"],
        ),
    )


def model_directory(version: str | None) -> Path:
    chosen = version or (MODEL_ROOT / "CURRENT").read_text(encoding="utf-8").strip()
    directory = MODEL_ROOT / chosen
    if not (directory / "model.onnx").exists():
        raise ValueError(f"model version {chosen!r} has no model.onnx in {MODEL_ROOT}")
    return directory
