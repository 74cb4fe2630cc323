"""What the test tools run by `python -m` share (`tests.iam_mutations`, `tests.fault_run`): the test environment,
the speed-ups, the local cloud's log in a file of `.localcloud/`, and a local cloud started as the e2e tests start
it, stopped whatever happens."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tests.environment import TEST_ENVIRONMENT

if TYPE_CHECKING:
    from tests.e2e.conftest import Client

T = TypeVar("T")


def with_cloud(log_name: str, work: Callable[[Client], T]) -> T:
    os.environ.update(TEST_ENVIRONMENT)
    # As in pytest's settings: Powertools warns when an invocation adds no metric (duplicate deliveries).
    warnings.filterwarnings("ignore", "No application metrics to publish")
    from tests import speedups

    speedups.install()
    from tests.e2e.conftest import Client, Clouds

    log = Path(".localcloud") / log_name
    log.parent.mkdir(exist_ok=True)
    logging.basicConfig(filename=log, filemode="w", level=logging.WARNING, force=True)
    clouds = Clouds()
    try:
        print("starting the local cloud (synthesize and deploy) …", flush=True)
        clouds.current()
        print(f"local cloud ready; its log: {log}", flush=True)
        return work(Client(clouds))
    finally:
        clouds.stop()
