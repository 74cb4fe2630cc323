"""`python -m tests.fault_run [--orders N] [--faults SPEC] [--seed N]` (`make fault-run`): starts a local cloud as
the e2e tests do, runs the fault run (`tests.fault_run.run`) and prints its report; exit status 0 when nothing was
lost or doubled and every check held. The local cloud's log (each injected fault, the functions' errors) goes to
`.localcloud/fault-run.log`."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.cloud_tool import with_cloud

if TYPE_CHECKING:
    from tests.e2e.conftest import Client
    from tests.fault_run.run import Run

DEFAULT_FAULTS = "0.1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fault_run", description=__doc__)
    parser.add_argument("--orders", type=int, default=1000, help="orders of workload W (in POSTs of 10)")
    parser.add_argument("--faults", default=DEFAULT_FAULTS, help="the fault spec (python -m localcloud --help)")
    parser.add_argument("--seed", type=int, default=7, help="what the faults' decisions derive from")
    parser.add_argument("--senders", type=int, default=4, help="requests in flight at once")
    parser.add_argument("--json", type=Path, help="also write the summary (passed, lost, doubled, findings) here")
    options = parser.parse_args(argv)
    run = with_cloud("fault-run.log", lambda client: _execute(client, options))
    from tests.fault_run import report
    from tests.fault_run.run import summary

    print(report.render(run))
    if options.json:
        options.json.write_text(json.dumps(summary(run), indent=2))
    return 0 if run.passed else 1


def _execute(client: Client, options: argparse.Namespace) -> Run:
    from tests.fault_run.run import execute  # once the test environment is set

    say = functools.partial(print, flush=True)
    return execute(
        client, orders=options.orders, spec=options.faults, seed=options.seed, senders=options.senders, say=say
    )


if __name__ == "__main__":
    sys.exit(main())
