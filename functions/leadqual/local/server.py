"""`leadqual serve`: the API of api.md over HTTP, on the local cloud."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from leadqual.handlers.http_errors import MAX_BODY_BYTES
from leadqual.local.api_gateway import call_api


class ApiRequestHandler(BaseHTTPRequestHandler):
    server_version = "leadqual-local"

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            # Refuse before reading: API Gateway also rejects oversized payloads up front.
            self._send(
                413,
                b'{"error": "body_too_large", "message": "The request body is over 1 MB; nothing was stored", "details": []}',
            )
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else None
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = call_api(self.command, self.path, body, headers)
        self._send(response.status, response.body.encode("utf-8"))

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def log_message(self, format: str, *args: object) -> None:
        print(f"http {self.address_string()} {format % args}", flush=True)


def serve(host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), ApiRequestHandler)
