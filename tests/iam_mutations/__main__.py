"""`python -m tests.iam_mutations` (`make iam-mutations`; `ONLY=<substring>` keeps the mutations whose grant,
holder or scenario contains it): starts a local cloud as the e2e tests do, runs the mutation suite
(`tests.iam_mutations.runner`) and prints its table and totals. The local cloud's own log (the functions'
errors under a mutation, with their tracebacks) goes to `.localcloud/iam-mutations.log`."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from tests import environment


def main() -> int:
    environment.apply()
    from tests import speedups

    speedups.install()
    from tests.e2e.conftest import Client, Clouds
    from tests.iam_mutations.runner import run

    log = Path(".localcloud") / "iam-mutations.log"
    log.parent.mkdir(exist_ok=True)
    logging.basicConfig(filename=log, filemode="w", level=logging.WARNING, force=True)
    clouds = Clouds()
    try:
        print("starting the local cloud (synthesize and deploy) …", flush=True)
        clouds.current()
        print(f"local cloud ready; its log: {log}", flush=True)
        return run(Client(clouds), only=os.environ.get("ONLY", ""))
    finally:
        clouds.stop()


if __name__ == "__main__":
    sys.exit(main())
