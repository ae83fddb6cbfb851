"""ONNX Runtime sessions for the scoring model, and building one on a thread of its own at cold start.

ONNX Runtime builds a session (its environment, its kernel registry, the graph) mostly in C++ without
Python's lock, so a session started before leadqual's modules load is built while the interpreter
loads them and builds their validators: measured on two cores, that took ~4 ms of the session's
~6 ms off the scoring function's cold start. It also puts the build in Lambda's init phase, which
AWS gives burst CPU (and 10 s), rather than in the first invocation. So, in Lambda, the scoring
handler starts its model's session at import (`start_building`) and the first batch takes it
(`take`).
"""

from __future__ import annotations

import threading
from pathlib import Path

import onnxruntime as ort


def build_session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # Lambda gives a scoring function ~1 vCPU: extra threads only add scheduling overhead.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


class SessionBuild:
    """A session being built on a thread of its own; `session()` waits for it, or raises why it failed."""

    def __init__(self, path: Path):
        self._session: ort.InferenceSession | None = None
        self._error: BaseException | None = None
        # A daemon: a process that ends during a cold start does not wait for a model it will not use.
        self._thread = threading.Thread(
            target=self._build, args=(path,), name="leadqual-onnx-session", daemon=True
        )
        self._thread.start()

    def _build(self, path: Path) -> None:
        try:
            self._session = build_session(path)
        except BaseException as error:  # handed to whoever takes the session, and raised there
            self._error = error

    def session(self) -> ort.InferenceSession:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._session is not None
        return self._session


# Started at cold start and not yet taken, by model path: each is taken once, by the first model
# loaded from its file; any later one builds its own.
_started: dict[Path, SessionBuild] = {}


def start_building(path: Path) -> None:
    if path not in _started:
        _started[path] = SessionBuild(path)


def take(path: Path) -> ort.InferenceSession:
    """The session started for `path` at cold start, when there is one; else one built now."""
    started = _started.pop(path, None)
    return started.session() if started is not None else build_session(path)
