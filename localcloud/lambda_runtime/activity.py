"""Activity tracking: when is the local cloud idle, so a test may look at the outcome?

`wait_idle` returns once no asynchronous invocation is queued, waiting for a retry or running, no
invocation is running, and every source registered with `add_probe` (the stream pollers of
`localcloud.delivery`, and Step Functions executions through `localcloud.moto_patches.stepfunctions`) has
nothing pending, all observed at one instant (a generation counter proves no transition happened while the
sources were checked). A Step Functions execution counts until it ends, except while it is parked on a task
token (`.waitForTaskToken`, activities): that is idle, as nothing local will move it on. A synchronous
(Express) execution is counted by `begin`/`end` while it runs (`localcloud.moto_patches.sync_executions`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Activity:
    """Counts work in progress and finds the instants when there is none (see `wait_idle`)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = 0
        self._generation = 0
        self._probes: list[Callable[[], bool]] = []

    def begin(self) -> None:
        with self._cond:
            self._busy += 1
            self._generation += 1

    def end(self) -> None:
        with self._cond:
            self._busy -= 1
            self._generation += 1
            self._cond.notify_all()

    def poke(self) -> None:
        """Something happened that a probe may report (a stream record was written)."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    @contextmanager
    def busy(self) -> Iterator[None]:
        self.begin()
        try:
            yield
        finally:
            self.end()

    def add_probe(self, probe: Callable[[], bool]) -> None:
        """`probe()` is True while its source has work that is not counted by `begin`/`end` yet (added once)."""
        with self._cond:
            if probe not in self._probes:
                self._probes.append(probe)

    def remove_probe(self, probe: Callable[[], bool]) -> None:
        with self._cond:
            if probe in self._probes:
                self._probes.remove(probe)

    def wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                while self._busy:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"still busy after {timeout} s: {self._busy} invocation(s) in progress")
                    self._cond.wait(remaining)
                generation = self._generation
                probes = list(self._probes)
            # probes take their own locks (moto's); never call them holding ours
            pending = [probe for probe in probes if probe()]
            with self._cond:
                if not pending and not self._busy and generation == self._generation:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"still busy after {timeout} s: pending {pending or 'work'}")
                if generation == self._generation:
                    self._cond.wait(min(remaining, 0.05))
