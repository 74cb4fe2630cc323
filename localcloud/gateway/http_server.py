"""HTTP/1.1 for the gateway on a socket: persistent connections, request body framing, gentle closing.

Connections are persistent as in RFC 9112 §9: a response says `Connection: close` when the request asked
for it (or was HTTP/1.0 without `keep-alive`, or malformed), else `Keep-Alive: timeout=N`, and an idle
connection closes after `KEEP_ALIVE_TIMEOUT`. Request bodies are read by `Content-Length` or
`Transfer-Encoding: chunked`; pipelined requests are answered in order. What a request means is the
application's (`RequestHandler`, the gateway's data plane).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast

from localcloud.gateway.replies import Reply

# Seconds an idle keep-alive connection stays open (announced as `Keep-Alive: timeout=N`). Longer than
# clients keep idle connections (undici/Node fetch 4 s, httpx 5 s, Node's http agent 5 s), so a client
# always drops a connection before the gateway closes it under a request being sent.
KEEP_ALIVE_TIMEOUT = 60
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit; larger bodies answer 413
# Seconds a closing connection keeps reading what the client still sends (RFC 9112 §9.6): closing a
# socket with unread bytes resets it, and a reset can discard the response before the client reads it.
LINGER_SECONDS = 2


class RequestHandler(Protocol):
    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str, host: str
    ) -> Reply: ...


class _BadFraming(Exception):
    """A request whose body cannot be delimited: answered with `status`, then the connection closes."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


_LENGTH = re.compile(r"[0-9]{1,16}")
_CHUNK_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r\n")  # size, extensions ignored


def _tokens(values: list[str] | None) -> list[str]:
    """The comma-separated tokens of a list header (Connection, Transfer-Encoding), lower case, in order."""
    return [token.strip().lower() for value in values or [] for token in value.split(",") if token.strip()]


def _read_chunked(rfile: io.BufferedIOBase) -> bytes:
    """A `Transfer-Encoding: chunked` body (RFC 9112 §7.1); chunk extensions and trailers are dropped."""
    body = bytearray()
    while True:
        match = _CHUNK_SIZE_LINE.fullmatch(rfile.readline(1024))
        if match is None:
            raise _BadFraming(HTTPStatus.BAD_REQUEST, "Bad chunk size line")
        size = int(match[1], 16)
        if size == 0:
            break
        if len(body) + size > MAX_BODY:
            raise _BadFraming(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large")
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.read(2) != b"\r\n":
            raise _BadFraming(HTTPStatus.BAD_REQUEST, "Bad chunk")
        body += chunk
    try:
        http.client.parse_headers(rfile)  # the trailer section, up to the empty line
    except http.client.HTTPException as error:
        raise _BadFraming(HTTPStatus.BAD_REQUEST, "Bad trailer section") from error
    return bytes(body)


class HttpServer(ThreadingHTTPServer):
    """Counts connections, ends idle keep-alive connections on close and closes connections gently."""

    daemon_threads = True  # close() does not wait for connections
    request_queue_size = 128  # the default 5 drops connections a client opens at once

    def __init__(self, address: tuple[str, int], application: RequestHandler) -> None:
        super().__init__(address, _handler_class(application))
        self.connections = 0  # accepted so far
        self.closing = False
        self._lock = threading.Lock()
        self._idle: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1  # only the accepting thread counts: no race
        super().process_request(request, client_address)

    def wait_idle(self, connection: socket.socket) -> bool:
        """Marks the connection as waiting for its next request; False once the gateway closes."""
        with self._lock:
            if self.closing:
                return False
            self._idle.add(connection)
            return True

    def busy(self, connection: socket.socket) -> None:
        with self._lock:
            self._idle.discard(connection)

    def close_idle(self) -> None:
        """Ends the connections waiting for a request; busy ones close after their response."""
        with self._lock:
            self.closing = True
            for connection in self._idle:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting on it with EOF

    def shutdown_request(self, request: Any) -> None:
        """Half-closes, then reads what the client still sends until it closes (see LINGER_SECONDS)."""
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_WR)
            request.settimeout(LINGER_SECONDS)
            deadline = time.monotonic() + LINGER_SECONDS
            while request.recv(65536) and time.monotonic() < deadline:
                pass
        self.close_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # the client went away: nothing to report
            return
        super().handle_error(request, client_address)


def _handler_class(application: RequestHandler) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """http.server parses request lines and headers; this adds persistence and body framing."""

        protocol_version = "HTTP/1.1"
        default_request_version = "HTTP/1.0"  # errors before the version is parsed get a status line too
        server_version = "localcloud-apigateway"
        timeout = KEEP_ALIVE_TIMEOUT  # the socket's: an idle connection closes after it
        disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall
        server: HttpServer

        def handle(self) -> None:
            self.close_connection = False
            while not self.close_connection and self._next_request_arrives():
                self.handle_one_request()

        def _next_request_arrives(self) -> bool:
            """Waits for the next request's first byte; False on EOF, the idle timeout or the gateway closing."""
            if not self.server.wait_idle(self.connection):
                return False
            try:  # peek answers from the buffer at once when a request was pipelined
                return bool(cast(io.BufferedReader, self.rfile).peek(1))
            except OSError:  # TimeoutError: idle for KEEP_ALIVE_TIMEOUT
                return False
            finally:
                self.server.busy(self.connection)

        def parse_request(self) -> bool:
            """http.server's checks, then persistence by the Connection tokens (it matches only `close`)."""
            if not super().parse_request():
                return False
            hosts = self.headers.get_all("Host") or []
            if self.request_version >= "HTTP/1.1" and len(hosts) != 1:
                self.send_error(HTTPStatus.BAD_REQUEST, "An HTTP/1.1 request needs one Host header")
                return False
            tokens = _tokens(self.headers.get_all("Connection"))
            persistent = "keep-alive" in tokens or self.request_version >= "HTTP/1.1"
            self.close_connection = "close" in tokens or not persistent
            return True

        def _read_body(self) -> bytes:
            """The body as RFC 9112 §6.3 delimits it; a framing that cannot be trusted raises `_BadFraming`."""
            codings = _tokens(self.headers.get_all("Transfer-Encoding"))
            lengths = [
                part.strip() for value in self.headers.get_all("Content-Length") or [] for part in value.split(",")
            ]
            if codings:
                if lengths:
                    raise _BadFraming(HTTPStatus.BAD_REQUEST, "Content-Length with Transfer-Encoding")
                if self.request_version < "HTTP/1.1":
                    raise _BadFraming(HTTPStatus.BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request")
                if codings[-1] != "chunked":
                    raise _BadFraming(HTTPStatus.BAD_REQUEST, "The last transfer coding is not chunked")
                if codings != ["chunked"]:
                    raise _BadFraming(HTTPStatus.NOT_IMPLEMENTED, "Only the chunked transfer coding is supported")
                return _read_chunked(self.rfile)
            if not lengths:
                return b""
            if len(set(lengths)) != 1 or not _LENGTH.fullmatch(lengths[0]):
                raise _BadFraming(HTTPStatus.BAD_REQUEST, "Bad Content-Length")
            length = int(lengths[0])
            if length > MAX_BODY:
                raise _BadFraming(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large")
            body = self.rfile.read(length)
            if len(body) != length:
                raise _BadFraming(HTTPStatus.BAD_REQUEST, "Request body shorter than its Content-Length")
            return body

        def _serve(self) -> None:
            try:
                body = self._read_body()
            except _BadFraming as error:
                self.send_error(error.status, error.reason)  # with Connection: close
                return
            started = time.perf_counter()
            reply = application.handle(
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                self.client_address[0],
                self.headers.get("Host", ""),
            )
            self.send_response(reply.status)
            for name, value in reply.headers:
                if name.lower() not in ("content-length", "connection", "keep-alive", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("x-localcloud-latency-ms", f"{(time.perf_counter() - started) * 1000:.1f}")
            if self.close_connection or self.server.closing:
                self.send_header("Connection", "close")  # and http.server closes after the response
            else:
                self.send_header("Connection", "keep-alive")
                self.send_header("Keep-Alive", f"timeout={KEEP_ALIVE_TIMEOUT}")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the functions log
            return

    return Handler
