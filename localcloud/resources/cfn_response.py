"""The pre-signed `ResponseURL` CloudFormation gives custom resources, served on loopback."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ResponseCollector:
    """Collects the bodies custom resource functions PUT to their `ResponseURL`, by request id."""

    def __init__(self) -> None:
        self._replies: dict[str, bytes] = {}
        self._arrived = threading.Condition()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with collector._arrived:
                    collector._replies[self.path] = body
                    collector._arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="localcloud-cfn-response", daemon=True)
        self._thread.start()

    def url(self, request_id: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/cloudformation-response/{request_id}"

    def wait(self, request_id: str, timeout: float) -> dict[str, Any] | None:
        path = f"/cloudformation-response/{request_id}"
        deadline = time.monotonic() + timeout
        with self._arrived:
            while path not in self._replies:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._arrived.wait(remaining)
            return dict(json.loads(self._replies.pop(path)))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
