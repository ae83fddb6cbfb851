"""`leadqual serve` answers what API Gateway would, even for bodies it cannot read."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from leadqual_tools.local.server import LISTEN_BACKLOG


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
