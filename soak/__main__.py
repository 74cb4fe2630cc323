"""`make soak` (`python -m soak --minutes N --rate R`): workload W at a steady rate, memory judged at the end.

A local cloud starts in this process (its run log and the functions' output go to `.localcloud/soak/`, never
over the report), W's customers are funded and the holdings its sells need bought (unmeasured), then POSTs of
10 orders go out at the offered rate for N minutes (`soak.load`). The table over time and the verdict
(`soak.verdict`) follow; the exit status is 1 when memory grows without bound.
"""

from __future__ import annotations

import argparse
import sys
from typing import Final

from bench.local_cloud import started
from soak import report
from soak.load import IN_FLIGHT, Sample, Soak, steady_batches
from soak.verdict import MIB, judge

DEFAULT_RATE: Final = 3.0  # orders/s that the 2-core machine keeps up with (docs/architecture.md §9, "Soak")


def interval_for(seconds: float) -> float:
    """30 s between samples; 5 s for runs under 5 minutes (a line over the second half needs a few)."""
    return 30.0 if seconds >= 300 else 5.0


def progress(sample: Sample) -> None:
    """One line per sample on stderr while the load runs (the report, on stdout, comes at the end)."""
    print(
        f"soak {sample.seconds:5.0f} s: {sample.orders:,} orders posted, {sample.trades:,} trades,"
        f" RSS {sample.rss / MIB:,.0f} MiB",
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load runs (default 10)")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help=f"offered orders/s (default {DEFAULT_RATE:g})")
    parser.add_argument("--interval", type=float, help="seconds between samples (default 30; 5 under 5 minutes)")
    parser.add_argument("--in-flight", type=int, default=IN_FLIGHT, help=f"POSTs outstanding at most ({IN_FLIGHT})")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.rate <= 0 or args.in_flight < 1:
        parser.error("--minutes and --rate must be positive, --in-flight at least 1")
    seconds = args.minutes * 60

    with started("soak") as (cloud, log):
        interval = args.interval or interval_for(seconds)
        soak = Soak(cloud, interval=interval, in_flight=args.in_flight, log=log, progress=progress)
        batches = steady_batches(args.rate, seconds, None)
        try:
            setup_orders = soak.set_up(batches)
            print(f"set up: {setup_orders} pre-buy orders; the load runs {args.minutes:g} min", flush=True)
            run = soak.run(batches, args.rate, seconds, sorted({o["customerId"] for b in batches for o in b}))
        finally:
            soak.restore()
        verdict = judge(run.samples, run.seconds)
        print(report.render(run, verdict))
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
