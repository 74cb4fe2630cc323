"""The local cloud a measuring tool (`make bench`, `make soak`) runs in its own process: started on free ports from
a temporary `cdk.out`, its run log and the functions' output under `.localcloud/<tool>/` (never over the report),
stopped whatever happens."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def started(tool: str) -> Iterator[tuple[Any, Callable[[str], None]]]:
    """(the running cloud, a writer of lines to the run log)."""
    from localcloud.server import REPO_ROOT, LocalCloud, Settings

    state = REPO_ROOT / ".localcloud" / tool
    state.mkdir(parents=True, exist_ok=True)
    run_log = (state / "run.log").open("w", encoding="utf-8", buffering=1)
    logging.basicConfig(stream=run_log, level=logging.WARNING, force=True)

    def log(line: str) -> None:
        run_log.write(line + "\n")

    with tempfile.TemporaryDirectory(prefix=f"{tool}-cdk-") as outdir:
        settings = Settings(port=0, nag=False, log=log, state_dir=state, outdir=Path(outdir) / "cdk.out")
        cloud = LocalCloud(settings).start()
        try:
            print(
                f"local cloud ready in {cloud.ready_seconds:.0f} s; function logs: {cloud.functions_log_file},"
                f" run log: {state / 'run.log'}",
                flush=True,
            )
            yield cloud, log
        finally:
            cloud.stop()
            run_log.close()
