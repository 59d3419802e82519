"""An HTTP proxy in front of moto that refuses chosen PutEvents entries, as AWS does.

AWS answers a PutEvents call with HTTP 200 and, for an entry it did not take,
``ErrorCode``/``ErrorMessage`` at that entry's position (``FailedEntryCount``
counts them). moto never refuses a well-formed entry, so this proxy does: it
forwards only the entries a test lets through (those really reach moto's bus
and rules) and splices the refusals into moto's answer. It also records every
PutEvents call, so tests can count calls and entries per call. Everything else
passes through untouched.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# (entry, how many times an entry with this DetailType and Detail was seen before) -> refusal
Refuse = Callable[[dict[str, Any], int], "tuple[str, str] | None"]


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.refuse: Refuse = lambda entry, seen: None
        self.throttle_calls = 0
        """This many PutEvents calls are refused whole (HTTP 400 ThrottlingException) first."""
        self.calls: list[list[dict[str, Any]]] = []
        self._seen: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                proxy._handle(self)

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _forward(self, method: str, path: str, headers: dict[str, str],
                 body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            headers = {k: v for k, v in headers.items()
                       if k.lower() not in ("host", "content-length", "connection")}
            headers["Content-Length"] = str(len(body))
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = dict(request.headers.items())
        if request.headers.get("X-Amz-Target") != "AWSEvents.PutEvents":
            status, out_headers, out = self._forward(request.command, request.path, headers, body)
            self._reply(request, status, out_headers.get("Content-Type", ""), out)
            return
        payload = json.loads(body)
        entries: list[dict[str, Any]] = payload["Entries"]
        with self._lock:
            throttle = self.throttle_calls > 0
            self.throttle_calls -= throttle
            if throttle:
                self.calls.append([])  # a call that was refused whole
        if throttle:
            self._reply(request, 400, "application/x-amz-json-1.1", json.dumps(
                {"__type": "ThrottlingException", "message": "Rate exceeded"}).encode())
            return
        refusals: list[tuple[str, str] | None] = []
        with self._lock:
            self.calls.append(entries)
            for entry in entries:
                key = (entry.get("DetailType", ""), entry.get("Detail", ""))
                seen = self._seen.get(key, 0)
                self._seen[key] = seen + 1
                refusals.append(self.refuse(entry, seen))
        passed = [e for e, r in zip(entries, refusals, strict=True) if r is None]
        results: list[dict[str, Any]] = []
        if passed:
            status, out_headers, out = self._forward(
                "POST", request.path, headers, json.dumps({**payload, "Entries": passed}).encode())
            if status != 200:
                self._reply(request, status, out_headers.get("Content-Type", ""), out)
                return
            results = list(json.loads(out)["Entries"])
        merged: list[dict[str, Any]] = []
        for refusal in refusals:
            if refusal is None:
                merged.append(results.pop(0))
            else:
                merged.append({"ErrorCode": refusal[0], "ErrorMessage": refusal[1]})
        failed = sum(1 for m in merged if "ErrorCode" in m)
        self._reply(request, 200, "application/x-amz-json-1.1",
                    json.dumps({"FailedEntryCount": failed, "Entries": merged}).encode())

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, content_type: str,
               body: bytes) -> None:
        request.send_response(status)
        if content_type:
            request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
