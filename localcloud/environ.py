"""A thread-local `os.environ`, so in-process Lambda functions each see their own environment.

`install_environ()` replaces `os.environ` (and so `os.getenv`, which reads the same module global) with
`ThreadLocalEnviron`. Outside an invocation every read and write goes to the real process environment,
unchanged. Inside `ENVIRON.overlay(mapping)` the current thread reads and writes `mapping` instead: the
environment of one Lambda execution environment, which keeps the changes a handler makes, as Lambda does.
Other threads are not affected, so functions can run on several threads at once.

Limits: C code that calls `getenv` (for example `time.tzset`) and child processes see the process
environment; threads a handler starts see the process environment.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any


class ThreadLocalEnviron(MutableMapping[str, str]):
    def __init__(self, base: MutableMapping[str, str]) -> None:
        self._base = base
        self._local = threading.local()

    @property
    def base(self) -> MutableMapping[str, str]:
        """The process environment (the original `os.environ`)."""
        return self._base

    def _current(self) -> MutableMapping[str, str]:
        overlay = getattr(self._local, "overlay", None)
        return self._base if overlay is None else overlay

    @property
    def overlaid(self) -> bool:
        return getattr(self._local, "overlay", None) is not None

    @contextmanager
    def overlay(self, mapping: MutableMapping[str, str]) -> Iterator[None]:
        """Within the block, this thread's `os.environ` is `mapping` (nested blocks restore the outer one)."""
        previous = getattr(self._local, "overlay", None)
        self._local.overlay = mapping
        try:
            yield
        finally:
            self._local.overlay = previous

    def __getitem__(self, key: str) -> str:
        return self._current()[key]

    def __setitem__(self, key: str, value: str) -> None:
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"str expected, not {type(key).__name__}/{type(value).__name__}")
        self._current()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._current()))

    def __len__(self) -> int:
        return len(self._current())

    def __contains__(self, key: object) -> bool:
        return key in self._current()

    def copy(self) -> dict[str, str]:
        return dict(self._current())

    def __or__(self, other: Mapping[str, str]) -> dict[str, str]:
        return {**self._current(), **other}

    def __ior__(self, other: Mapping[str, str]) -> ThreadLocalEnviron:
        self.update(other)
        return self

    def __repr__(self) -> str:
        return f"ThreadLocalEnviron({dict(self._current())!r})"

    def __getattr__(self, name: str) -> Any:
        # os._Environ internals some libraries touch (encodekey, _data, ...)
        return getattr(self._base, name)


def install_environ() -> ThreadLocalEnviron:
    """Idempotent: makes `os.environ` thread-local and returns it."""
    current = os.environ
    if isinstance(current, ThreadLocalEnviron):
        return current
    proxy = ThreadLocalEnviron(current)
    os.environ = proxy  # type: ignore[assignment]  # noqa: B003  (also what os.getenv reads)
    return proxy


ENVIRON: ThreadLocalEnviron = install_environ()
