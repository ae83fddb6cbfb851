"""`leadqual serve`: the API over HTTP, on the local cloud."""

from __future__ import annotations

import base64
import ctypes
import functools
import gc
import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from leadqual.api.errors import MAX_BODY_BYTES
from leadqual.api_routes import SUBMIT_LEAD
from leadqual_tools.local.api_gateway import call_api

# Connections the listening socket queues before the server accepts them (Python's default is 5,
# which resets clients as soon as a few more than that arrive at once).
LISTEN_BACKLOG = 128
# How long a connection may keep the server waiting for the rest of a request (or an idle
# keep-alive connection for its next one) before it is closed: a slow client holds no thread for ever.
READ_TIMEOUT_SECONDS = 30.0
# An oversized body is read and dropped up to this size before answering 413, so the client sees
# the answer instead of a connection reset; beyond it the connection is closed.
DRAIN_LIMIT_BYTES = 16 * MAX_BODY_BYTES
TOO_LARGE = b'{"error": "body_too_large", "message": "The request body is over 1 MB; nothing was stored", "details": [{"field": "body", "message": "at most 1 MB"}]}'


# Written by `_send` itself, for the bytes it sends; the API's other headers pass through.
_HEADERS_SET_HERE = {"content-type", "content-length"}
# The contract, generated from the routes (docs/openapi.json is the same document); local only.
OPENAPI_PATH = "/openapi.json"


@functools.cache
def _openapi_json() -> bytes:
    from leadqual.api.app import openapi_document

    return json.dumps(openapi_document()).encode("utf-8")


class ApiRequestHandler(BaseHTTPRequestHandler):
    server_version = "leadqual-local"
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # A read that waits longer raises TimeoutError, and http.server closes the connection.
        self.connection.settimeout(getattr(self.server, "read_timeout_seconds", READ_TIMEOUT_SECONDS))

    def _handle(self) -> None:
        if (self.command, self.path) == ("GET", OPENAPI_PATH):
            self._send(200, _openapi_json())
            return
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send(
                400,
                b'{"error": "invalid_header", "message": "Content-Length is not a number", "details": [{"field": "Content-Length", "message": "not a number"}]}',
            )
            self.close_connection = True
            return
        if length > MAX_BODY_BYTES:
            # Refused without looking at it, as API Gateway refuses payloads over its limit.
            self._drain(length)
            self._send(413, TOO_LARGE)
            return
        raw = self.rfile.read(length) if length else b""
        admit = getattr(self.server, "admit_lead", None)
        if admit is not None and (self.command, self.path.split("?", 1)[0]) == (
            SUBMIT_LEAD.method,
            SUBMIT_LEAD.path,
        ):
            admit()
        # The request's own headers, Content-Type included or not: a body with none is refused (415),
        # as a page of another origin can post one without asking (no CORS preflight).
        headers = {k.lower(): v for k, v in self.headers.items()}
        # As API Gateway adds it (a vendor's signature covers the URL it called, scheme included).
        headers.setdefault("x-forwarded-proto", "http")
        try:
            response = call_api(
                self.command, self.path, raw.decode("utf-8") if length else None, headers, content_type=None
            )
        except UnicodeDecodeError:
            # Bytes that are not text reach the function base64-encoded; the handler answers 400.
            response = call_api(
                self.command, self.path, base64.b64encode(raw).decode(), headers, base64_body=True,
                content_type=None,
            )  # fmt: skip
        self._send(response.status, response.body.encode("utf-8"), response.headers)

    def _drain(self, length: int) -> None:
        remaining = min(length, DRAIN_LIMIT_BYTES)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)
        if length > DRAIN_LIMIT_BYTES:
            self.close_connection = True

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        given = {k.lower(): v for k, v in (headers or {}).items()}
        headers = {k: v for k, v in (headers or {}).items() if k.lower() not in _HEADERS_SET_HERE}
        self.send_response(status)
        # JSON unless the API said otherwise (the console's pages, scripts and styles).
        self.send_header("Content-Type", given.get("content-type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def __getattr__(self, name: str) -> Any:
        # Every method (`do_GET`, `do_TRACE`, `do_QUERY`, ...) reaches the API, which answers 405 for
        # one a path does not take, as http.server would otherwise answer 501 for those it lacks.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        print(f"http {self.address_string()} {format % args}", flush=True)


class LocalApiServer(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True
    read_timeout_seconds = READ_TIMEOUT_SECONDS
    # Called before a new lead is taken; it may hold the request until the pipeline has room.
    admit_lead: Callable[[], None] | None = None


# glibc's M_ARENA_MAX: how many malloc arenas threads share (mallopt(3)).
_M_ARENA_MAX = -8


def share_malloc_arenas(arenas: int = 2) -> bool:
    """Has the threads of this process share `arenas` malloc arenas; call before they start.

    `leadqual serve` runs every function, moto and the HTTP server on dozens of threads. By default
    glibc gives threads up to 8 arenas a core, and each keeps the memory freed in it: at 1,000 leads
    in one process, tracemalloc counted 172 MB of live Python objects against 687 MB of RSS (its
    own bookkeeping included). Returns whether
    the C library took the setting (glibc only; elsewhere nothing changes).
    """
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def spare_startup_objects_from_gc() -> None:
    """Moves what exists now (moto, botocore's service models, the provisioned resources) out of
    the collector's reach; call once the local cloud is up.

    Python's cyclic collector walks every tracked object of a generation on each of its runs, and
    the oldest generation here is mostly what startup made and never frees. `gc.freeze` leaves
    those objects alone; everything made later is collected as before.
    """
    gc.collect()
    gc.freeze()


def serve(
    host: str,
    port: int,
    admit_lead: Callable[[], None] | None = None,
    read_timeout_seconds: float = READ_TIMEOUT_SECONDS,
) -> LocalApiServer:
    server = LocalApiServer((host, port), ApiRequestHandler)
    server.admit_lead = admit_lead
    server.read_timeout_seconds = read_timeout_seconds
    return server
