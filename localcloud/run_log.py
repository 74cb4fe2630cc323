"""The run log: one line per API request and per function log record on the console, all of it in a file.

- Access lines (`access_line`), from the gateway: `POST /abc123/dev/items 200 41 ms req <request id>`.
- A function's output line (`RunLog.function_output`), as its log stream on AWS would hold it:
  - a JSON object with a string `message` (a structured log record, Powertools' or any other) is shown
    as `<function>: <message> key=value …`: the record's own keys, without the ones every record of a
    Lambda logger carries (`STANDARD_KEYS`); the level when it is not INFO; an exception's traceback
    indented below;
  - a CloudWatch embedded-metric blob (an object with `_aws`) and any other JSON object go to the file
    only;
  - any other text (a `print`) is shown as `<function>: <text>`.
- The file (`functions.log` in the state directory) gets every line the functions wrote, unchanged, after
  the time, the function's name and the request id; it starts empty at each start.
- `verbose`: the console shows every line the functions wrote as well, as they wrote it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

# Keys every record of a Lambda logger carries (Powertools' defaults and the Lambda context it injects).
STANDARD_KEYS: Final = frozenset(
    {
        "level",
        "location",
        "message",
        "timestamp",
        "service",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "correlation_id",
        "xray_trace_id",
        "sampling_rate",
        "exception",
        "exception_name",
        "stack_trace",
    }
)
MAX_VALUE: Final = 160  # characters of one shown value; longer ones end with "…"


def access_line(method: str, target: str, status: int, milliseconds: float, request_id: str) -> str:
    return f"{method} {target} {status} {milliseconds:.0f} ms req {request_id}"


def _value(value: Any) -> str:
    if isinstance(value, str) and value and not any(char.isspace() or char in "\"='" for char in value):
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def render(function: str, line: str) -> str | None:
    """The console line for one line of a function's output; None for what goes to the file only."""
    stripped = line.strip()
    if not stripped:
        return None
    try:
        record = json.loads(stripped) if stripped[0] == "{" else None
    except ValueError:
        record = None
    if record is None or not isinstance(record, dict):
        return f"{function}: {line.rstrip()}"
    message = record.get("message")
    if "_aws" in record or not isinstance(message, str):
        return None
    level = record.get("level")
    parts = [f"{function}:"]
    if isinstance(level, str) and level.upper() != "INFO":
        parts.append(level.upper())
    parts.append(message)
    parts += [f"{key}={_value(value)}" for key, value in record.items() if key not in STANDARD_KEYS]
    text = " ".join(parts)
    exception = record.get("exception")
    if isinstance(exception, str) and exception:
        text += "\n" + "\n".join(f"    {row}" for row in exception.splitlines())
    return text


class RunLog:
    """Where the functions' output goes: the console (rendered, or also as written with `verbose`) and a file."""

    def __init__(self, console: Callable[[str], None], path: Path | None = None, *, verbose: bool = False) -> None:
        self.console = console
        self.path = path
        self.verbose = verbose
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("w", encoding="utf-8", buffering=1)  # line-buffered: `tail -f` follows

    def function_output(self, function: str, request_id: str, line: str) -> None:
        """A `function_output.Sink`: one line a function wrote."""
        moment = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self._lock:
            if self._file is not None:
                self._file.write(f"{moment} {function} {request_id} {line}\n")
        shown = render(function, line)
        if shown is not None:
            self.console(shown)
        if self.verbose and line.strip():
            self.console(line)

    def access(self, method: str, target: str, status: int, milliseconds: float, request_id: str) -> None:
        self.console(access_line(method, target, status, milliseconds, request_id))

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
