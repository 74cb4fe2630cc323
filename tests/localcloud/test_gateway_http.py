"""The gateway's HTTP/1.1 connections (RFC 9112 §9): real clients back to back on one pool, and raw sockets.

Clients reuse a connection unless the server announces it closes it; a server that closes a connection
without saying so makes the next request on it fail (`socket hang up` in Node), so each client here
sends at least 100 requests in a row and none may fail.
"""

from __future__ import annotations

import http.client
import io
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import requests

from localcloud.gateway import http_server
from localcloud.gateway.catalog import ApiCatalog, ApiMethod, ApiResource, RestApi
from localcloud.gateway.data_plane import Gateway
from localcloud.gateway.http_server import KEEP_ALIVE_TIMEOUT

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:echo"
REQUESTS = 100


class Echo:
    """A proxy function answering with the request it got, so a test sees how the body was framed."""

    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        answer = {"method": event["httpMethod"], "path": event["path"], "body": event["body"]}
        return {"statusCode": 200, "body": json.dumps(answer)}, False


def catalog() -> ApiCatalog:
    api = RestApi(id="abc123", name="api", logical_id="Api", root_resource_id="r0", stages={"dev": {}})
    api.resources["r0"] = ApiResource("r0", None, "")
    api.resources["r1"] = ApiResource("r1", "r0", "ping", {"GET": ApiMethod("GET", False, "AWS_PROXY", FUNCTION)})
    api.resources["r2"] = ApiResource("r2", "r0", "echo", {"POST": ApiMethod("POST", False, "AWS_PROXY", FUNCTION)})
    return ApiCatalog(apis={api.id: api})


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    served = Gateway(catalog(), Echo()).start()
    yield served
    served.close()


def tool(name: str) -> str:
    """The executable; missing, the test fails (not skips): CI machines have node and curl."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not on PATH: these tests drive the gateway with real clients, install {name}")
    return path


def run(*command: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{command[0]} exited {done.returncode}: {done.stderr}"
    return done


def summary(failures: list[str]) -> str:
    return f"{len(failures)} of {REQUESTS} requests failed: {sorted(set(failures))[:5]}"


# ------------------------------------------------------------------------------- real clients

NODE_FETCH = r"""
const [base, n] = [process.argv[1], Number(process.argv[2])];
(async () => {
  const failures = [];
  for (let i = 0; i < n; i++) {
    const sent = JSON.stringify({ i });
    try {
      const response = i % 2
        ? await fetch(base + 'echo', { method: 'POST', body: sent, headers: { 'content-type': 'application/json' } })
        : await fetch(base + 'ping');
      const answer = await response.json();
      if (response.status !== 200 || (i % 2 && answer.body !== sent)) {
        failures.push(`${response.status} ${JSON.stringify(answer)}`);
      }
    } catch (error) {
      failures.push(String(error.cause ?? error));
    }
  }
  console.log(JSON.stringify(failures));
})();
"""

NODE_AGENT = r"""
const http = require('http');
const [base, n, connection] = [process.argv[1], Number(process.argv[2]), process.argv[3]];
const agent = new http.Agent({ keepAlive: true });
const get = () => new Promise((resolve) => {
  const request = http.get(base + 'ping', { agent, headers: { Connection: connection } }, (response) => {
    response.resume();
    response.on('end', () => resolve({
      status: response.statusCode,
      connection: response.headers['connection'],
      keepAlive: response.headers['keep-alive'],
    }));
  });
  request.on('error', (error) => resolve({ error: error.message }));
});
(async () => {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await get());
  agent.destroy();
  console.log(JSON.stringify(results));
})();
"""


def test_node_fetch_back_to_back_on_one_connection(gateway: Gateway) -> None:
    done = run(tool("node"), "-e", NODE_FETCH, gateway.url("abc123", "dev"), str(REQUESTS))
    failures = json.loads(done.stdout)
    assert not failures, summary(failures)
    # undici sends the second request before it has marked the first connection free, so it opens a
    # second one; from then on the two take turns
    assert (gateway.requests, gateway.connections) == (REQUESTS, 2)


@pytest.mark.parametrize(
    ("connection", "connections"), [("close", REQUESTS), ("keep-alive", 1)], ids=["connection-close", "keep-alive"]
)
def test_node_http_keep_alive_agent(gateway: Gateway, connection: str, connections: int) -> None:
    """The issue: a keep-alive agent sending `Connection: close` reused sockets the gateway had closed."""
    done = run(tool("node"), "-e", NODE_AGENT, gateway.url("abc123", "dev"), str(REQUESTS), connection)
    results: list[dict[str, Any]] = json.loads(done.stdout)
    failures = [result.get("error") or str(result["status"]) for result in results if result.get("status") != 200]
    assert not failures, summary(failures)
    assert {result["connection"] for result in results} == {connection}
    expected_keep_alive = None if connection == "close" else f"timeout={KEEP_ALIVE_TIMEOUT}"
    assert {result.get("keepAlive") for result in results} == {expected_keep_alive}
    assert gateway.connections == connections


def chunks(text: str) -> Iterator[bytes]:
    """A body without a length: requests and httpx send it `Transfer-Encoding: chunked`."""
    data = text.encode()
    for start in range(0, len(data), 7):
        yield data[start : start + 7]


def test_requests_session_back_to_back(gateway: Gateway) -> None:
    base, failures = gateway.url("abc123", "dev"), []
    with requests.Session() as session:
        for i in range(REQUESTS):
            sent = json.dumps({"i": i, "pad": "x" * i})
            if i % 3 == 0:
                response = session.get(base + "ping", timeout=10)
            else:
                response = session.post(base + "echo", data=sent if i % 3 == 1 else chunks(sent), timeout=10)
            if response.status_code != 200 or (i % 3 and response.json()["body"] != sent):
                failures.append(f"{response.status_code} {response.text}")
    assert not failures, summary(failures)
    assert (gateway.requests, gateway.connections) == (REQUESTS, 1)


def test_httpx_client_back_to_back(gateway: Gateway) -> None:
    base, failures = gateway.url("abc123", "dev"), []
    with httpx.Client(timeout=10) as client:
        for i in range(REQUESTS):
            sent = json.dumps({"i": i, "pad": "y" * i})
            if i % 3 == 0:
                response = client.get(base + "ping")
            else:
                response = client.post(base + "echo", content=sent if i % 3 == 1 else chunks(sent))
            if response.status_code != 200 or (i % 3 and response.json()["body"] != sent):
                failures.append(f"{response.status_code} {response.text}")
            if response.headers.get("keep-alive") != f"timeout={KEEP_ALIVE_TIMEOUT}":
                failures.append(f"Keep-Alive: {response.headers.get('keep-alive')}")
    assert not failures, summary(failures)
    assert (gateway.requests, gateway.connections) == (REQUESTS, 1)


def test_curl_reuses_one_connection(gateway: Gateway) -> None:
    url = f"{gateway.url('abc123', 'dev')}ping?i=[1-{REQUESTS}]"  # curl's URL globbing: 100 transfers
    done = run(tool("curl"), "-sS", "-v", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n", url)
    transfers = [line.split() for line in done.stdout.splitlines()]
    failures = [status for status, _ in transfers if status != "200"]
    assert len(transfers) == REQUESTS
    assert not failures, summary(failures)
    assert sum(int(connects) for _, connects in transfers) == 1
    assert done.stderr.count("Re-using existing connection") == REQUESTS - 1
    assert (gateway.requests, gateway.connections) == (REQUESTS, 1)


# ------------------------------------------------------------------------------- raw sockets


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def message(
    method: str, path: str, *, version: str = "HTTP/1.1", headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """One request as bytes; the Host header unless given, Content-Length when there is a body."""
    fields = {"Host": "127.0.0.1"} if version == "HTTP/1.1" else {}
    if body:
        fields["Content-Length"] = str(len(body))
    fields.update(headers or {})
    head = f"{method} /abc123/dev/{path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    return head.encode() + b"\r\n" + body


def read_response(reader: io.BufferedReader) -> Response:
    status_line = reader.readline()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    headers = http.client.parse_headers(reader)
    return Response(int(status_line.split()[1]), headers, reader.read(int(headers.get("Content-Length", "0"))))


@pytest.fixture
def connect(gateway: Gateway) -> Iterator[Any]:
    """Opens raw connections to the gateway: (socket, buffered reader); closes them after the test."""
    opened: list[socket.socket] = []

    def open_connection() -> tuple[socket.socket, io.BufferedReader]:
        sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=10)
        opened.append(sock)
        return sock, sock.makefile("rb")

    yield open_connection
    for sock in opened:
        sock.close()


def assert_closed_after(response: Response, reader: io.BufferedReader) -> None:
    """`Connection: close` announced, then EOF: nothing more arrives on the connection."""
    assert response.headers["Connection"] == "close"
    assert response.headers["Keep-Alive"] is None
    assert reader.read() == b""


def assert_kept_alive(response: Response) -> None:
    assert response.headers["Connection"] == "keep-alive"
    assert response.headers["Keep-Alive"] == f"timeout={KEEP_ALIVE_TIMEOUT}"


def test_a_keep_alive_response_announces_the_idle_timeout(gateway: Gateway, connect: Any) -> None:
    assert KEEP_ALIVE_TIMEOUT > 5  # longer than clients keep idle connections (undici 4 s, httpx 5 s)
    sock, reader = connect()
    for _ in range(3):
        sock.sendall(message("GET", "ping"))
        response = read_response(reader)
        assert response.status == 200
        assert_kept_alive(response)
    assert gateway.connections == 1


def test_pipelined_requests_are_answered_in_order(gateway: Gateway, connect: Any) -> None:
    sock, reader = connect()
    chunked = b"5\r\nhello\r\n0\r\n\r\n"
    sock.sendall(
        message("GET", "ping")
        + message("POST", "echo", body=b"first")
        + message("POST", "echo", headers={"Transfer-Encoding": "chunked"}, body=b"")
        + chunked
        + message("POST", "echo", body=b"last", headers={"Connection": "close"})
    )
    answers = [read_response(reader) for _ in range(4)]
    assert [answer.status for answer in answers] == [200] * 4
    assert [answer.json()["body"] for answer in answers] == [None, "first", "hello", "last"]
    assert_closed_after(answers[-1], reader)
    assert (gateway.requests, gateway.connections) == (4, 1)


def test_a_chunked_request_body_with_extensions_and_trailers(gateway: Gateway, connect: Any) -> None:
    sock, reader = connect()
    body = b"7;name=value\r\nhello, \r\n8\r\nchunked \r\nA \r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n"
    sock.sendall(message("POST", "echo", headers={"Transfer-Encoding": "chunked"}) + body)
    response = read_response(reader)
    assert (response.status, response.json()["body"]) == (200, "hello, chunked 0123456789")
    assert_kept_alive(response)
    sock.sendall(message("GET", "ping"))  # the body was read to its end: the next request parses
    assert read_response(reader).status == 200


def test_http_1_0_closes_unless_it_asks_for_keep_alive(gateway: Gateway, connect: Any) -> None:
    sock, reader = connect()
    sock.sendall(message("GET", "ping", version="HTTP/1.0", headers={"Connection": "keep-alive"}))
    response = read_response(reader)
    assert response.status == 200
    assert_kept_alive(response)
    sock.sendall(message("POST", "echo", version="HTTP/1.0", body=b"again"))
    response = read_response(reader)
    assert (response.status, response.json()["body"]) == (200, "again")
    assert_closed_after(response, reader)
    assert gateway.connections == 1


@pytest.mark.parametrize("value", ["close", "Close", "TE, close"])
def test_connection_close_is_answered_with_close_and_eof(gateway: Gateway, connect: Any, value: str) -> None:
    sock, reader = connect()
    sock.sendall(message("GET", "ping", headers={"Connection": value}))
    response = read_response(reader)
    assert response.status == 200
    assert_closed_after(response, reader)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET /abc123/dev/ping HTTP/1.1\r\n\r\n", 400),  # no Host
        (b"GET /abc123/dev/ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"GET /abc123/dev/ping HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        (message("POST", "echo", headers={"Content-Length": "abc"}), 400),
        (message("POST", "echo", headers={"Content-Length": "+5"}) + b"hello", 400),
        (message("POST", "echo", headers={"Content-Length": "5, 6"}) + b"hello!", 400),
        (message("POST", "echo", headers={"Transfer-Encoding": "chunked", "Content-Length": "5"}) + b"0\r\n\r\n", 400),
        (message("POST", "echo", headers={"Transfer-Encoding": "gzip"}) + b"hello", 400),
        (message("POST", "echo", headers={"Transfer-Encoding": "gzip, chunked"}) + b"0\r\n\r\n", 501),
        (message("POST", "echo", version="HTTP/1.0", headers={"Transfer-Encoding": "chunked"}) + b"0\r\n\r\n", 400),
        (message("POST", "echo", headers={"Transfer-Encoding": "chunked"}) + b"zz\r\nhello\r\n0\r\n\r\n", 400),
        (message("POST", "echo", headers={"Transfer-Encoding": "chunked"}) + b"0x5\r\nhello\r\n0\r\n\r\n", 400),
        (message("POST", "echo", headers={"Transfer-Encoding": "chunked"}) + b"5\r\nhello!!\r\n0\r\n\r\n", 400),
        (message("POST", "echo", headers={"Content-Length": str(http_server.MAX_BODY + 1)}), 413),
    ],
    ids=[
        "request-line",
        "no-host",
        "two-hosts",
        "http-2",
        "length-not-a-number",
        "length-signed",
        "lengths-differ",
        "length-and-chunked",
        "coding-not-chunked",
        "coding-unsupported",
        "chunked-in-http-1.0",
        "chunk-size-not-hex",
        "chunk-size-prefixed",
        "chunk-longer-than-its-size",
        "body-too-large",
    ],
)
def test_a_malformed_request_gets_an_error_and_the_connection_closes(
    gateway: Gateway, connect: Any, request_bytes: bytes, status: int
) -> None:
    sock, reader = connect()
    sock.sendall(request_bytes + message("GET", "ping"))  # a request after it must not be served
    response = read_response(reader)
    assert response.status == status
    assert_closed_after(response, reader)
    assert gateway.requests == 0


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(
    monkeypatch: pytest.MonkeyPatch, connect: Any
) -> None:
    monkeypatch.setattr(http_server, "KEEP_ALIVE_TIMEOUT", 1)
    served = Gateway(catalog(), Echo()).start()
    try:
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock, sock.makefile("rb") as reader:
            sock.sendall(message("GET", "ping"))
            response = read_response(reader)
            assert response.headers["Keep-Alive"] == "timeout=1"
            idle_since = time.monotonic()
            assert reader.read() == b""  # blocks until the gateway closes the idle connection
            assert 0.9 <= time.monotonic() - idle_since < 9
    finally:
        served.close()


def test_close_ends_idle_keep_alive_connections_at_once(connect: Any, gateway: Gateway) -> None:
    sock, reader = connect()
    sock.sendall(message("GET", "ping"))
    assert read_response(reader).status == 200
    started = time.monotonic()
    gateway.close()
    assert reader.read() == b""
    assert time.monotonic() - started < 2
