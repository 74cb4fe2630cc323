"""The soak report: the load, a table over time (one row per sample, the drained one last), the verdict."""

from __future__ import annotations

from soak.load import Run, Sample
from soak.sampling import STORES
from soak.verdict import MIB, Verdict

SHORT: dict[str, str] = {
    "dynamodb items": "items",
    "stream records": "stream",
    "s3 objects": "s3",
    "sqs messages": "sqs",
    "sfn executions": "sfn",
    "moto tracked": "tracked",
}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.0f}"


def _rate(count: int, span: float) -> str:
    return f"{count / span:.1f}" if span >= 1 else "-"


def _row(label: str, sample: Sample, previous: Sample | None) -> str:
    span = sample.seconds - (previous.seconds if previous else 0.0)
    orders = sample.orders - (previous.orders if previous else 0)
    trades = sample.trades - (previous.trades if previous else 0)
    p50, p95, p99 = sample.latencies
    cells = [
        f"{label:>7}",
        f"{sample.orders:>7,}",
        f"{sample.trades:>7,}",
        f"{_rate(orders, span):>7}",
        f"{_rate(trades, span):>7}",
        f"{_ms(p50):>6}",
        f"{_ms(p95):>6}",
        f"{_ms(p99):>6}",
        f"{sample.late:>4}",
        f"{sample.rss / MIB:>7.0f}",
    ]
    cells += [f"{sample.stores.get(name, 0):>{max(7, len(SHORT[name]))},}" for name in STORES]
    return " ".join(cells)


def header() -> str:
    cells = [f"{'time':>7}", f"{'orders':>7}", f"{'trades':>7}", f"{'ord/s':>7}", f"{'trd/s':>7}"]
    cells += [f"{'p50':>6}", f"{'p95':>6}", f"{'p99':>6}", f"{'late':>4}", f"{'RSS MiB':>7}"]
    cells += [f"{SHORT[name]:>{max(7, len(SHORT[name]))}}" for name in STORES]
    return " ".join(cells)


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def render(run: Run, verdict: Verdict) -> str:
    o = run.outcome
    lines = [
        f"soak: workload W for {run.seconds / 60:.1f} min at {run.rate:g} orders/s offered (POSTs of 10, at most"
        f" {run.in_flight} in flight), {len(run.customers)} customers; set up first (unmeasured): deposits and"
        f" {run.setup_orders} pre-buy orders",
        f"  posted {o.orders:,} orders in {run.posts:,} POSTs ({run.launched_rate:.2f} orders/s), {run.late} POSTs"
        f" launched over 1 s late; accepted {o.accepted:,}, refused {sum(o.refused.values()):,}"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(o.refused.items())) or 'none'}), failed POSTs {o.failed_posts}",
        f"  child orders {o.children:,}: marketable {o.marketable:,}, resting {o.resting:,}",
        "",
        f"over time (every {run.interval:g} s; POST latency in ms over the interval; RSS of the process;"
        " moto's stores as counts)",
        header(),
    ]
    previous: Sample | None = None
    for sample in run.samples:
        lines.append(_row(_clock(sample.seconds), sample, previous))
        previous = sample
    if run.drained is not None:
        lines.append(_row("idle", run.drained, previous))  # its rates over the drain
        lines.append(f"  idle: the cloud drained {run.drain_seconds:.1f} s after the last POST's answer")
    lines += ["", render_verdict(verdict)]
    return "\n".join(lines)


def render_verdict(verdict: Verdict) -> str:
    if not verdict.judged:
        return (
            f"memory: not judged ({verdict.points} samples after the warm-up, {_clock(verdict.from_seconds)};"
            " a line needs 3: a longer run)"
        )
    assert verdict.per_1000_orders is not None
    per_minute = "-" if verdict.per_minute is None else f"{verdict.per_minute / MIB:+.1f}"
    stores = ", ".join(f"{SHORT[name]} {value:+,.0f}" for name, value in verdict.stores_per_1000_orders.items())
    outcome = "PASS" if verdict.passed else "FAIL: memory grows without bound"
    return "\n".join(
        [
            f"memory after the warm-up (from {_clock(verdict.from_seconds)}, {verdict.points} samples):"
            f" RSS {verdict.per_1000_orders / MIB:+.1f} MiB per 1,000 orders posted, {per_minute} MiB per minute",
            f"  stores per 1,000 orders: {stores}",
            f"verdict: {outcome} (at most {verdict.threshold / MIB:.0f} MiB per 1,000 orders)",
        ]
    )
