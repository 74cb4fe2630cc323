"""`python -m tests.iam_mutations` (`make iam-mutations`; `ONLY=<substring>` keeps the mutations whose grant,
holder or scenario contains it): starts a local cloud as the e2e tests do, runs the mutation suite
(`tests.iam_mutations.runner`) and prints its table and totals. The local cloud's own log (the functions'
errors under a mutation, with their tracebacks) goes to `.localcloud/iam-mutations.log`."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from tests.cloud_tool import with_cloud

if TYPE_CHECKING:
    from tests.e2e.conftest import Client


def main() -> int:
    return with_cloud("iam-mutations.log", _run)


def _run(client: Client) -> int:
    from tests.iam_mutations.runner import run  # once the test environment is set

    return run(client, only=os.environ.get("ONLY", ""))


if __name__ == "__main__":
    sys.exit(main())
