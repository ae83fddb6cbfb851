"""ONNX Runtime sessions for the scoring model, and building one on a thread of its own at cold start.

ONNX Runtime builds a session (its environment, its kernel registry, the graph) in C++ and lets go of
Python's lock meanwhile, so a session started before leadqual's modules load is built while the
interpreter loads them and builds their validators: on two cores it costs the cold start nothing.
Lambda runs a function's init on more CPU than its invocations get, so the scoring function's
handler starts its model's session at import (`start_building`) and the first batch takes it
(`take`) instead of building one on the CPU an invocation gets.
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
        self.path = path
        self._session: ort.InferenceSession | None = None
        self._error: BaseException | None = None
        # A daemon: a process that ends during a cold start does not wait for a model it will not use.
        self._thread = threading.Thread(target=self._build, name="leadqual-onnx-session", daemon=True)
        self._thread.start()

    def _build(self) -> None:
        try:
            self._session = build_session(self.path)
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
