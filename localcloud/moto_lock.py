"""`MOTO_LOCK`: moto's API calls made atomic, as each AWS API call is.

moto has no locking of its own: concurrent requests can corrupt or crash it. `localcloud.moto_patches`
holds the lock around every moto request (in-process or over moto's HTTP server), the stream pollers
hold it while they read a shard, and the Lambda runtime sets it aside while a handler runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final


class SuspendableLock:
    """A re-entrant lock that a thread can set aside while it runs something independent of it.

    A Lambda invoked from inside a moto request runs in `suspended()`, so its own API calls (on this
    thread) and everybody else's (on other threads) go on.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> SuspendableLock:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def held(self) -> bool:
        return bool(self._lock._is_owned())  # type: ignore[attr-defined]

    @contextmanager
    def suspended(self) -> Iterator[None]:
        if not self.held():
            yield
            return
        state = self._lock._release_save()  # type: ignore[attr-defined]  # releases every level
        try:
            yield
        finally:
            self._lock._acquire_restore(state)  # type: ignore[attr-defined]


MOTO_LOCK: Final = SuspendableLock()
