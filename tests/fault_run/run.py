"""One fault run on a running local cloud: set up without faults, post W under faults, wait, stop the faults,
read what is parked, redrive it, cancel what rests, and check (`tests.fault_run.checks`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from bench import runner, workload
from localcloud import faults
from operations.redrive.__main__ import main as redrive
from tests.e2e.conftest import Client
from tests.fault_run import checks, ledger, load
from trading_core import contracts

IDLE_SECONDS: Final = 900


@dataclass
class Run:
    orders: int
    spec: str
    seed: int
    faults: dict[str, dict[str, int]] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    posting: load.Posting = field(default_factory=load.Posting)
    parked: dict[str, int] = field(default_factory=dict)  # queue → messages after the faulted run
    before_redrive: checks.Outcomes = field(default_factory=checks.Outcomes)
    redrive_status: int = 0
    redrive_lines: list[str] = field(default_factory=list)
    after: checks.Outcomes = field(default_factory=checks.Outcomes)
    still_parked: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0
    findings: list[str] = field(default_factory=list)
    trades: int = 0
    objects: int = 0

    @property
    def redriven(self) -> int:
        """Replayed by the redrive, from its summary's total row (waiting, replayed, still failing)."""
        totals = [line.split() for line in self.redrive_lines if line.split()[:1] == ["total"]]
        return int(totals[-1][2]) if totals else 0

    @property
    def lost(self) -> int:
        return len(self.after.lost) + self.after.parked

    @property
    def doubled(self) -> int:
        return len(self.after.doubled) + len(self.after.unexpected)

    @property
    def passed(self) -> bool:
        return not self.findings and self.lost == 0 and self.doubled == 0 and self.redrive_status == 0


def set_parameter(client: Client, parameter: str, value: str) -> None:
    runner.set_parameter(client.aws("ssm"), parameter, value)


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def execute(
    client: Client, *, orders: int, spec: str, seed: int, senders: int = 4, say: Callable[[str], None] = print
) -> Run:
    run = Run(orders=orders, spec=spec, seed=seed)
    batches = workload.batches("W", orders)
    customers = list(workload.W_CUSTOMERS)
    days = {today()}
    set_parameter(client, contracts.DARK_POOL_TICKERS_PARAMETER, ",".join(workload.W_DARK_POOL_TICKERS))
    set_parameter(client, contracts.BUS_TYPE_PARAMETER, contracts.EVENT_BRIDGE_BUS)
    known = load.setup(client, batches)
    before = ledger.read(client, customers, sorted(days))
    say(f"set up: {len(known)} child orders bought the holdings W's sells need; posting {len(batches)} requests")

    injector = faults.activate(spec, seed)
    half = len(batches) // 2
    try:  # the first half over EventBridge, the second over SNS: every hop of both transports is faulted
        run.posting = load.post_all(client, batches[:half], senders=senders, key_prefix=f"fault-run-{seed}-eb")
        set_parameter(client, contracts.BUS_TYPE_PARAMETER, contracts.SNS_BUS)
        load.post_all(client, batches[half:], senders=senders, key_prefix=f"fault-run-{seed}-sns", into=run.posting)
        client.cloud.wait_idle(timeout=IDLE_SECONDS)
    finally:
        faults.deactivate()
    client.cloud.wait_idle(timeout=IDLE_SECONDS)
    set_parameter(client, contracts.BUS_TYPE_PARAMETER, contracts.EVENT_BRIDGE_BUS)
    run.faults, run.retries = injector.counts(), injector.retries()
    days.add(today())
    known |= set(run.posting.children)

    held = ledger.read(client, customers, sorted(days))
    run.parked = {queue: len(bodies) for queue, bodies in held.parked.items()}
    run.before_redrive = checks.outcomes(run.posting.children, known, held)
    say(f"posted under faults; {sum(run.parked.values())} messages parked; redriving")

    run.redrive_status = redrive(["--outputs", str(client.cloud.outputs_file)], run.redrive_lines.append)
    client.cloud.wait_idle(timeout=IDLE_SECONDS)
    run.cancelled = load.cancel_resting(client, customers)
    client.cloud.wait_idle(timeout=IDLE_SECONDS)
    days.add(today())

    after = ledger.read(client, customers, sorted(days))
    run.still_parked = {queue: len(bodies) for queue, bodies in after.parked.items()}
    run.after = checks.outcomes(run.posting.children, known, after)
    archive, unarchived = checks.archive(after)
    run.findings = [
        *checks.money(before, after),
        *checks.aggregates(after),
        *archive,
        *(f"trade {trade_id} not archived" for trade_id in unarchived),
        *(f"{queue}: {n} messages still parked" for queue, n in run.still_parked.items()),
        *(f"request {key} never answered" for key in run.posting.failed),
    ]
    run.trades, run.objects = len(after.trades), len(after.objects)
    return run


def summary(run: Run) -> dict[str, Any]:
    return {
        "passed": run.passed,
        "faults": {kind: sum(targets.values()) for kind, targets in run.faults.items()},
        "retries": run.retries,
        "parked": sum(run.parked.values()),
        "redriven": run.redriven,
        "lost": run.lost,
        "doubled": run.doubled,
        "findings": run.findings,
    }
