"""In Lambda, Python's cyclic garbage collector sits out the cold start.

Loading a function's modules (boto3, botocore's service models, pydantic's validators, numpy,
onnxruntime, leadqual's own) makes several hundred thousand objects that live as long as the
execution environment. The collector runs every few hundred allocations and, as import goes on,
walks more and more of them, none of which it can ever free. `make bench` measured that walk at
about a sixth of the scoring function's init on the Lambda runtime.

So importing `leadqual.handlers` pauses the collector, and `lambda_entry` (the last definition of
every entry module) resumes it once the module has loaded, with what loaded frozen: moved out of
the collector's reach for good (`gc.freeze`), as Python's documentation advises for objects made
once at startup. Everything an invocation makes afterwards is collected as usual.

Only in Lambda (its runtime sets AWS_LAMBDA_RUNTIME_API): elsewhere, tests, `leadqual serve` and
the tools import handler modules as they like, and the collector is left alone.
"""

from __future__ import annotations

import gc
import os

_paused_by_us = False


def in_lambda() -> bool:
    return "AWS_LAMBDA_RUNTIME_API" in os.environ


def pause_collector() -> None:
    global _paused_by_us
    if in_lambda() and gc.isenabled():
        gc.disable()
        _paused_by_us = True


def resume_collector() -> None:
    """Idempotent: every entry module's `lambda_entry` calls it; the first call does the work."""
    global _paused_by_us
    if _paused_by_us:
        _paused_by_us = False
        gc.freeze()
        gc.enable()
