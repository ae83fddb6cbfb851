"""Cold start of the scoring and ingest functions next to bare imports, measured in the same run.

Each sample is a fresh Python process (as a Lambda cold start is): it times its imports and model
load with perf_counter and reports peak RSS. The median of several samples is printed with its
ratio to the baseline. Run with `make bench`.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from leadqual.resources import RUNTIME_ENVIRONMENT, Env

REPO = Path(__file__).resolve().parents[1]
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "9"))

FLOOR = "floor: bare + pydantic (one model) + Powertools"
PROBE = """
import json, resource, time
started = time.perf_counter()
{body}
elapsed = time.perf_counter() - started
print(json.dumps({{"ms": elapsed * 1000, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

CASES = {
    "bare: import boto3, onnxruntime": "import boto3, onnxruntime",
    "scoring function: imports + model load": (
        "import leadqual.handlers.score\n"
        "from leadqual.adapters.onnx_model import OnnxModel\n"
        "from leadqual.settings import current_settings, resolve_model_dir\n"
        "OnnxModel(resolve_model_dir(current_settings()))"
    ),
    "scoring function: + boto3 clients (whole init)": (
        "import leadqual.handlers.score\nfrom leadqual import wiring\nwiring.scoring_service()"
    ),
    # What any function built on the mandated libraries pays before its own code: pydantic builds
    # much of itself lazily, on the first model class, so one class is part of the floor.
    FLOOR: (
        "import boto3, onnxruntime, datetime, pydantic, aws_lambda_powertools.logging, aws_lambda_powertools.metrics\n"
        "class Probe(pydantic.BaseModel):\n    at: pydantic.AwareDatetime\n    n: int = pydantic.Field(ge=0)"
    ),
    "bare: import boto3": "import boto3",
    "ingest function: imports": "import leadqual.handlers.api",
    "ingest function: + boto3 clients (whole init)": (
        "import leadqual.handlers.api\nfrom leadqual import wiring\nwiring.lead_service()"
    ),
}
BASELINES = {
    FLOOR: "bare: import boto3, onnxruntime",
    "scoring function: imports + model load": "bare: import boto3, onnxruntime",
    "scoring function: + boto3 clients (whole init)": "bare: import boto3, onnxruntime",
    "ingest function: imports": "bare: import boto3",
    "ingest function: + boto3 clients (whole init)": "bare: import boto3",
}
# What a deployed function's environment holds (tracing on, as deployed); no AWS call is made at init.
ENVIRONMENT = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    **RUNTIME_ENVIRONMENT,
    "AWS_LAMBDA_FUNCTION_NAME": "leadqual-bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    Env.LEADS_TABLE: "bench-leads",
    Env.SIGNALS_TABLE: "bench-signals",
    Env.SCORING_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/bench",
    Env.STATE_MACHINE_ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:bench",
}


def sample(body: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body)],
        capture_output=True, text=True, check=True, env=ENVIRONMENT, cwd=REPO,
    )  # fmt: skip
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    # Libraries come with bytecode from pip; leadqual's own modules must too, as in a built bundle,
    # or every sample would time compiling them (this workplace sets PYTHONDONTWRITEBYTECODE).
    compileall.compile_dir(REPO / "functions" / "leadqual", quiet=1)
    for body in CASES.values():  # one untimed run each: warm the page cache like a reused sandbox image
        sample(body)
    medians: dict[str, dict[str, float]] = {}
    # Interleaved so that machine noise hits every case alike.
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in CASES}
    for _ in range(SAMPLES):
        for name, body in CASES.items():
            runs[name].append(sample(body))
    for name, samples in runs.items():
        medians[name] = {key: statistics.median(s[key] for s in samples) for key in ("ms", "rss_mb")}
    print(
        f"cold start, median of {SAMPLES} fresh processes ({sys.version.split()[0]}, {os.cpu_count()} cores)"
    )
    print(f"{'case':50} {'time ms':>9} {'ratio':>6} {'peak RSS MB':>12} {'ratio':>6}")
    for name, figures in medians.items():
        base = medians.get(BASELINES.get(name, name), figures)
        print(
            f"{name:50} {figures['ms']:9.0f} {figures['ms'] / base['ms']:6.2f} "
            f"{figures['rss_mb']:12.0f} {figures['rss_mb'] / base['rss_mb']:6.2f}"
        )


if __name__ == "__main__":
    main()
