"""The fault run's report: faults injected by kind, what the client resent, what was retried, parked and
redriven, and the verdict (lost, doubled, findings)."""

from __future__ import annotations

from tests.fault_run.checks import Outcomes, first
from tests.fault_run.run import Run


def render(run: Run) -> str:
    lines = [f"fault run: {run.orders} orders of workload W, faults {run.spec!r}, seed {run.seed}", ""]
    total = sum(sum(targets.values()) for targets in run.faults.values())
    lines.append(f"faults injected: {total}")
    for kind, targets in run.faults.items():
        spread = ", ".join(f"{target} {n}" for target, n in sorted(targets.items(), key=lambda item: -item[1]))
        lines.append(f"  {kind:18} {sum(targets.values()):6}  {spread}")
    posting = run.posting
    resends = ", ".join(f"{f'HTTP {status}' if status else 'no answer'} {n}" for status, n in posting.resends.items())
    lines += [
        "",
        f"client: {posting.requests} requests, {len(posting.children)} child orders accepted;"
        f" resent with the same key: {sum(posting.resends.values())} ({resends or 'none'}),"
        f" run again after a transient refusal: {posting.reruns}; unrouted orders sent anew: {posting.resent_orders}",
    ]
    if posting.refused:
        lines.append("  refused for good: " + ", ".join(f"{reason} {n}" for reason, n in posting.refused.items()))
    lines += ["", f"retries by the local cloud: {_retries(run)}", ""]
    lines.append(f"parked after the faulted run: {sum(run.parked.values())} messages")
    lines += [f"  {queue:48} {n:5}" for queue, n in sorted(run.parked.items())]
    lines += ["", "child orders before the redrive: " + _outcomes(run.before_redrive)]
    lines += ["", "redrive:", *(f"  {line}" for line in run.redrive_lines[-(len(run.parked) + 3) :])]
    lines += ["", f"resting orders cancelled at the end: {run.cancelled}"]
    lines += ["", "child orders after the redrive: " + _outcomes(run.after)]
    lines.append(f"trades: {run.trades}; settled objects: {run.objects}")
    lines += ["", f"dead-lettered: {sum(run.parked.values())}, redriven: {run.redriven}"]
    lines += [f"lost: {run.lost}", f"doubled: {run.doubled}"]
    if run.findings:
        lines += [f"findings: {len(run.findings)}", *(f"  {line}" for line in first(run.findings, 30))]
    lines.append("PASSED" if run.passed else "FAILED")
    return "\n".join(lines)


def _outcomes(found: Outcomes) -> str:
    text = (
        f"{found.traded} traded once, {found.parked} parked, {found.rested} rested,"
        f" {len(found.lost)} lost, {len(found.doubled)} traded twice, {len(found.unexpected)} unexpected trades"
    )
    extra = [*(f"lost {i}" for i in found.lost), *(f"doubled {i}" for i in found.doubled)]
    extra += [f"unexpected {i}" for i in found.unexpected]
    return text + "".join(f"\n  {line}" for line in first(extra))


def _retries(run: Run) -> str:
    if not run.retries:
        return "none"
    return f"{sum(run.retries.values())} (" + ", ".join(f"{hop} {n}" for hop, n in run.retries.items()) + ")"
