"""A function's standard output, line by line, as Lambda sends it to the function's log stream.

On AWS what a handler writes to stdout (Powertools' JSON records, the EMF metric blobs, `print`) goes to
CloudWatch Logs. Here functions share the process's `sys.stdout`, so while a runtime with a sink runs an
invocation, `sys.stdout` is a `FunctionStdout`: what the invoking thread writes (a handler runs on that
thread, its cold start too) is cut into lines and handed to the sink with the function's name and the
request id; what other threads write passes through to the stream it replaced.

The capture is per thread and nests (a synchronous invoke inside a handler captures for the inner
function, then the outer again). A stream that replaces `sys.stdout` later (pytest's capture) is wrapped
again at the next invocation; a logging handler keeps the `FunctionStdout` it was created with, and
every `FunctionStdout` routes the same way, so no line is lost to the swap.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

# (function name, request id, one line without its newline)
Sink = Callable[[str, str, str], None]


@dataclass
class _Capture:
    sink: Sink
    function: str
    request_id: str
    pending: list[str] = field(default_factory=list)

    def write(self, text: str) -> None:
        *complete, rest = text.split("\n")
        if complete:
            first = "".join(self.pending) + complete[0]
            self.pending = []
            for line in (first, *complete[1:]):
                self._emit(line.rstrip("\r"))
        if rest:
            self.pending.append(rest)

    def flush(self) -> None:
        if self.pending:
            line, self.pending = "".join(self.pending), []
            self._emit(line)

    def _emit(self, line: str) -> None:
        """The sink runs uncaptured: what it prints (the console) goes to the real stdout."""
        current = _current()
        _local.capture = None
        try:
            self.sink(self.function, self.request_id, line)
        finally:
            _local.capture = current


_local = threading.local()


def _current() -> _Capture | None:
    return getattr(_local, "capture", None)


class FunctionStdout(io.TextIOBase):
    """`sys.stdout` while functions run: an invoking thread's lines to its sink, the rest passed through."""

    def __init__(self, fallback: TextIO) -> None:
        self.fallback = fallback

    def write(self, text: str) -> int:
        capture = _current()
        if capture is None:
            return self.fallback.write(text)
        capture.write(text)
        return len(text)

    def flush(self) -> None:
        if _current() is None:
            self.fallback.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return _current() is None and self.fallback.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.fallback, "encoding", "utf-8") or "utf-8"

    def __getattr__(self, name: str) -> Any:  # fileno, buffer, ... of the stream it replaced
        return getattr(self.fallback, name)


def install() -> None:
    """Makes `sys.stdout` a `FunctionStdout` (over whatever it is now) unless it is one already."""
    if not isinstance(sys.stdout, FunctionStdout):
        sys.stdout = FunctionStdout(sys.stdout)


def uninstall() -> None:
    """Puts back the stream `install` replaced, when `sys.stdout` is still the one it installed."""
    if isinstance(sys.stdout, FunctionStdout):
        sys.stdout = sys.stdout.fallback


@contextlib.contextmanager
def captured(sink: Sink | None, function: str, request_id: str) -> Iterator[None]:
    """This thread's stdout goes to `sink` (nothing changes when it is None) until the block ends."""
    if sink is None:
        yield
        return
    install()
    outer = _current()
    capture = _Capture(sink, function, request_id)
    _local.capture = capture
    try:
        yield
    finally:
        _local.capture = outer
        capture.flush()
