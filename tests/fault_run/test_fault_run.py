"""The fault run in small (`make fault-run` runs it at full size): 100 orders of W under faults of every kind,
in a process of its own (its own moto, its own local cloud; the faults are process-wide), then the redrive. What
must hold is asserted from its report: nothing lost, nothing doubled, every check held, every kind injected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from localcloud.faults import KINDS

ORDERS = 100
# 10 % of every kind; at this size a rule target or an SNS batch is rarely reached, so those two get 30 %.
FAULTS = "0.1,events-target=0.3,sns-partial=0.3"


@pytest.mark.slow
def test_a_small_fault_run_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.fault_run", "--orders", str(ORDERS), "--faults", FAULTS, "--json", str(summary)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([".", "lambdas/shared_layer/python"])},
    )
    report = done.stdout
    assert done.returncode == 0, report + done.stderr[-3000:]
    found = json.loads(summary.read_text())
    assert (found["passed"], found["lost"], found["doubled"], found["findings"]) == (True, 0, 0, []), report
    assert {kind for kind, n in found["faults"].items() if n > 0} == set(KINDS), report
    assert found["parked"] > 0 and found["redriven"] == found["parked"], report  # some exhausted every retry
    assert found["retries"].keys() >= {"SDK request", "asynchronous invocation", "stream batch", "rule target"}
