"""The run log: a function's records rendered as one line, its full output in a file (and on the console with
--verbose), its stdout captured per invocation, one access line per API request."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud import __main__ as cli
from localcloud import server
from localcloud.gateway.catalog import ApiCatalog
from localcloud.gateway.data_plane import Gateway
from localcloud.lambda_runtime import function_output
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.run_log import MAX_VALUE, RunLog, access_line, render
from tests.localcloud.support import spec

RECORD = {
    "level": "INFO",
    "location": "lambda_handler:40",
    "message": "thing stored",
    "timestamp": "2026-12-02 02:15:36,795+0000",
    "service": "store",
    "cold_start": False,
    "function_name": "fn",
    "function_memory_size": 512,
    "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
    "function_request_id": "52d2a2d2",
    "xray_trace_id": "1-abc",
    "id": "42",
    "reason": "not enough: needs 3",
    "count": 2,
    "missing": [],
}
METRICS = {"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "N", "Metrics": []}]}, "Stored": [1.0]}


def test_a_record_with_a_message_is_one_line_of_its_own_keys() -> None:
    line = render("fn", json.dumps(RECORD))

    assert line == 'fn: thing stored id=42 reason="not enough: needs 3" count=2 missing=[]'


def test_the_level_shows_when_not_info_and_an_exception_is_indented_below() -> None:
    record = {"level": "ERROR", "message": "failed", "exception": "Traceback:\n  boom", "exception_name": "E"}

    assert render("fn", json.dumps(record)) == "fn: ERROR failed\n    Traceback:\n      boom"


def test_metric_blobs_and_records_without_a_message_are_not_shown() -> None:
    assert render("fn", json.dumps(METRICS)) is None
    assert render("fn", json.dumps({"level": "INFO", "count": 1})) is None
    assert render("fn", "   ") is None


def test_plain_text_and_other_json_are_shown_as_written() -> None:
    assert render("fn", "hello world") == "fn: hello world"
    assert render("fn", "{not json") == "fn: {not json"
    assert render("fn", "[1, 2]") == "fn: [1, 2]"


def test_a_long_value_is_cut() -> None:
    line = render("fn", json.dumps({"message": "m", "big": "x" * 500}))

    assert line is not None and line.endswith("…")
    assert len(line) == len("fn: m big=") + MAX_VALUE


def test_the_file_gets_every_line_and_the_console_the_rendered_ones(tmp_path: Path) -> None:
    console: list[str] = []
    path = tmp_path / "state" / "functions.log"
    run_log = RunLog(console.append, path)
    for line in (json.dumps(RECORD), json.dumps(METRICS), "printed"):
        run_log.function_output("fn", "req-1", line)
    run_log.close()

    assert console == ['fn: thing stored id=42 reason="not enough: needs 3" count=2 missing=[]', "fn: printed"]
    written = path.read_text().splitlines()
    assert [row.split(" ", 3)[1:] for row in written] == [
        ["fn", "req-1", json.dumps(RECORD)],
        ["fn", "req-1", json.dumps(METRICS)],
        ["fn", "req-1", "printed"],
    ]
    run_log.function_output("fn", "req-2", "after close")  # a late line is dropped from the file, not an error


def test_verbose_shows_every_line_as_written_too(tmp_path: Path) -> None:
    console: list[str] = []
    run_log = RunLog(console.append, tmp_path / "functions.log", verbose=True)
    run_log.function_output("fn", "req-1", json.dumps(RECORD))
    run_log.function_output("fn", "req-1", json.dumps(METRICS))
    run_log.close()

    assert console == [
        'fn: thing stored id=42 reason="not enough: needs 3" count=2 missing=[]',
        json.dumps(RECORD),
        json.dumps(METRICS),
    ]


@pytest.fixture
def captured_runtime() -> Iterator[tuple[LambdaRuntime, list[tuple[str, str, str]]]]:
    lines: list[tuple[str, str, str]] = []
    runtime = LambdaRuntime(output=lambda function, request_id, line: lines.append((function, request_id, line)))
    runtime.register(spec("printer", "printer"))
    yield runtime, lines
    runtime.close()
    function_output.uninstall()


def test_a_functions_stdout_reaches_the_sink_line_by_line(
    captured_runtime: tuple[LambdaRuntime, list[tuple[str, str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    runtime, lines = captured_runtime
    first, _ = runtime.invoke("printer", {})
    second, _ = runtime.invoke("printer", {})  # warm: the logger's stream, made at the cold start, still captures
    print("not a function's")

    for payload in (first, second):
        request_id = payload["requestId"]
        mine = [line for function, rid, line in lines if rid == request_id and function == "printer"]
        assert [json.loads(line).get("message") for line in mine[:2]] == ["did it", None]
        assert mine[2:] == ["partial", "tail"]
    assert len(lines) == 8
    assert capsys.readouterr().out == "not a function's\n"


def test_without_a_sink_the_runtime_leaves_stdout_alone(capsys: pytest.CaptureFixture[str]) -> None:
    runtime = LambdaRuntime()
    runtime.register(spec("printer", "printer"))
    stdout = sys.stdout
    try:
        runtime.invoke("printer", {})
    finally:
        runtime.close()

    assert sys.stdout is stdout
    assert "partial\ntail" in capsys.readouterr().out


def test_the_gateway_logs_one_access_line_per_request() -> None:
    calls: list[tuple[str, str, int, float, str]] = []
    gateway = Gateway(ApiCatalog(), runtime=None, access_log=lambda *call: calls.append(call))  # type: ignore[arg-type]
    try:
        reply = gateway.handle("GET", "/nope/dev/things?x=1", [], b"", "127.0.0.1", "localhost")
    finally:
        gateway.close()

    request_id = dict(reply.headers)["x-amzn-RequestId"]
    [(method, target, status, milliseconds, logged_id)] = calls
    assert (method, target, status, logged_id) == ("GET", "/nope/dev/things?x=1", 404, request_id)
    assert 0 <= milliseconds < 1000
    expected = f"GET /nope/dev/things?x=1 404 41 ms req {request_id}"
    assert access_line(method, target, status, 41.4, logged_id) == expected


def test_verbose_is_a_flag_of_the_command_and_reaches_the_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "--verbose" in capsys.readouterr().out

    seen: list[Any] = []

    class Stub:
        def __init__(self, settings: server.Settings) -> None:
            seen.append(settings)

        def start(self) -> None:
            raise KeyboardInterrupt

        def stop(self) -> None:
            pass

    monkeypatch.setattr(server, "LocalCloud", Stub)
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        assert cli.main(["--verbose"]) == 0
        assert cli.main([]) == 0
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    assert [settings.verbose for settings in seen] == [True, False]
