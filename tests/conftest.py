"""Every test runs with fake AWS credentials and no way to reach a real AWS endpoint.

On a fresh venv (a clean clone: the venv is installed without bytecode) the first run compiles every module it
imports, ~1,900 files and 60 MB of source with the CDK's generated modules, and pytest rewrites every test
module. Under pytest-xdist both workers did all of that at once for the same files: ~25 s of CPU each,
one of them wasted. So, until the venv has `FIRST_COLLECTION_DONE`, the workers collect one after the other
(a lock in the venv): the first compiles and writes the bytecode, the second then reads it (its collection
takes the ~12 s of a warm one). Once the marker exists, workers collect side by side as before; without
bytecode written (PYTHONDONTWRITEBYTECODE) or outside a venv nothing is serialized.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path
from typing import IO

import pytest

FIRST_COLLECTION_DONE = Path(sys.prefix) / ".pytest-first-collection-done"
_FIRST_COLLECTION_LOCK = Path(sys.prefix) / ".pytest-first-collection.lock"


def _first_collection() -> IO[str] | None:
    """The lock while this worker collects first on a fresh venv; None when it need not (or no longer) wait."""
    if (
        "PYTEST_XDIST_WORKER" not in os.environ
        or sys.dont_write_bytecode
        or sys.prefix == sys.base_prefix
        or FIRST_COLLECTION_DONE.exists()
    ):
        return None
    lock = _FIRST_COLLECTION_LOCK.open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker holds it while it collects
    if FIRST_COLLECTION_DONE.exists():
        lock.close()
        return None
    return lock


_collecting_first = _first_collection()


def pytest_collection_finish(session: pytest.Session) -> None:
    global _collecting_first
    if _collecting_first is not None:
        FIRST_COLLECTION_DONE.touch()
        _collecting_first.close()
        _collecting_first = None


import hypothesis  # noqa: E402  (after the wait: the first worker compiles these)

from tests import environment, speedups  # noqa: E402

environment.apply()

speedups.install()

# Hypothesis' per-example deadline is a timing assertion: on this 2-core machine, busy with the other xdist
# worker and mypy, a 20 ms example can take 300 ms. Speed is measured by `make bench`, never by a test.
hypothesis.settings.register_profile("project", deadline=None)
hypothesis.settings.load_profile("project")
