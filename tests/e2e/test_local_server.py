"""`leadqual serve` answers what API Gateway would, even for bodies it cannot read."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from leadqual_tools.local.cloud import LocalCloud
from leadqual_tools.local.server import LISTEN_BACKLOG, serve
from tests.conftest import lead_body, lead_items


def _connect(api_url: str, timeout: float = 30) -> http.client.HTTPConnection:
    url = urlsplit(api_url)
    assert url.hostname is not None
    return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)


def _raw_post(api_url: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    connection = _connect(api_url)
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    status, payload = response.status, json.loads(response.read())
    connection.close()
    return status, payload


def test_leadqual_serve_answers_an_oversized_body_413_and_bytes_that_are_not_utf8_400(api_url: str) -> None:
    status, payload = _raw_post(api_url, "/leads", b'{"email": "' + b"a" * 1_200_000 + b'"}')
    assert status == 413 and payload["error"] == "body_too_large"
    status, payload = _raw_post(api_url, "/leads", b'{"email": "\xff\xfe@x.io", "form": "other"}')
    assert status == 400 and payload["details"][0]["field"] == "body"


def test_leadqual_serve_answers_a_hundred_clients_arriving_at_once(api_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    assert LISTEN_BACKLOG >= 64

    def get(_: int) -> int:
        connection = _connect(api_url, timeout=60)
        connection.request("GET", "/reviews?status=pending")
        status = connection.getresponse().status
        connection.close()
        return status

    with ThreadPoolExecutor(max_workers=100) as pool:
        assert list(pool.map(get, range(100))) == [200] * 100


def test_leadqual_serve_serves_the_openapi_document_of_docs(api_url: str) -> None:
    from pathlib import Path

    connection = _connect(api_url)
    connection.request("GET", "/openapi.json")
    response = connection.getresponse()
    served = json.loads(response.read())
    connection.close()
    committed = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
    assert response.status == 200 and served == json.loads(committed.read_text(encoding="utf-8"))


def test_leadqual_serve_refuses_a_post_with_no_content_type_and_stores_nothing(api_url: str) -> None:
    # What a page of another origin can send without a CORS preflight: a body with no Content-Type
    # (a Blob with no type), or a text/plain one
    for headers in ({}, {"Content-Type": "text/plain;charset=UTF-8"}):
        connection = _connect(api_url)
        connection.request("POST", "/leads", body=json.dumps(lead_body()).encode(), headers=headers)
        response = connection.getresponse()
        payload = json.loads(response.read())
        connection.close()
        assert response.status == 415 and payload["details"] == [
            {"field": "Content-Type", "message": "must be application/json"}
        ]
    assert lead_items() == []


def test_a_client_that_stops_mid_request_is_disconnected_at_the_read_timeout(cloud: LocalCloud) -> None:
    server = serve("127.0.0.1", 0, read_timeout_seconds=1.0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as slow:
            slow.sendall(
                b"POST /leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            )
            started = time.monotonic()
            # The server closes the connection (an empty read) once it has waited its timeout
            assert slow.recv(1024) == b""
            assert 0.5 < time.monotonic() - started < 8
    finally:
        server.shutdown()
        server.server_close()


def test_leadqual_serve_says_where_to_go_first_and_keeps_function_logs_to_warnings() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "leadqual_tools.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        first = [server.stdout.readline() for _ in range(4)]
        assert first[0].startswith(f"leadqual local API on http://127.0.0.1:{port}")
        assert first[1].startswith(f"the console: http://127.0.0.1:{port}/console/")
        assert "kept in memory" in first[2] and "WARNING and above" in first[3]
        # A lead through the whole flow logs nothing at INFO (no JSON line) on the way
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST", "/leads", body=json.dumps(lead_body()), headers={"Content-Type": "application/json"}
        )
        assert connection.getresponse().status == 202
        connection.close()
    finally:
        server.send_signal(signal.SIGINT)
        rest, _ = server.communicate(timeout=60)
    assert '"level":"INFO"' not in rest, rest[:2000]
