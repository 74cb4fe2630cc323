"""`make bench`: throughput, latency and the bill per order posted on the local cloud, beside the original's.

One run (`bench.runner`): a local cloud starts (its run log and the functions' output go to files under
`.localcloud/bench/`, never over the report); the workload's customers are funded and the holdings its
sells need bought (unmeasured); the saturation throughput is found with closed-loop senders; the measured
orders are sent open loop at half of it, timed from each POST to its trades being written, and metered
(`bench.metering`); both designs are priced from `bench/prices.json`, the original from its own counts
(`bench.original`), not from ours.

Workloads (`--workload`): `W` (default) the original client's orders (`bench.workload`); `one-child` one-child
market buys funded by the seed; `hot-spot` W's orders all from one customer.
"""

from __future__ import annotations

import argparse
import glob
import json
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from bench import report, runner, workload
from bench.local_cloud import started
from bench.runner import SATURATION_SENDERS, Bench, Outcome, Result
from trading_core.market_data.synthetic import synthetic_price


def moto_put_item_rate(count: int = 2000) -> float:
    """Requests per second of moto's in-process DynamoDB on a scratch table: the emulator's ceiling."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName="bench-scratch",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    started = time.perf_counter()
    for n in range(count):
        dynamodb.put_item(TableName="bench-scratch", Item={"PK": {"S": f"item-{n}"}, "N": {"N": str(n)}})
    rate = count / (time.perf_counter() - started)
    dynamodb.delete_table(TableName="bench-scratch")
    return rate


def renamed(batches: list[workload.Batch], customers: Sequence[str]) -> list[workload.Batch]:
    """The same orders for other customers (the i-th W customer becomes customers[i])."""
    mapping = dict(zip(workload.W_CUSTOMERS, customers, strict=True))
    return [[{**order, "customerId": mapping[order["customerId"]]} for order in batch] for batch in batches]


def measure(
    cloud: Any,
    *,
    name: str = "W",
    orders: int = 1000,
    rate: float | None = None,
    probe_orders: int | None = None,
    customers: Sequence[str] | None = None,
    warm: bool = True,
    put_items: int = 2000,
    log: Callable[[str], None] = lambda _: None,
) -> Result:
    """One bench run on a running local cloud (see `bench.runner`); `rate` skips the saturation search.

    `warm=False` (the small bench of the tests) does not fetch the tickers' market data first: the measured
    orders then pay for the router's first lookups, and the deposits assume the offline provider's prices
    (within 8 % of `synthetic_price`, so 20 % above it is enough)."""
    bench = Bench(cloud, log=log)
    measured = workload.batches(name, orders)
    probe_size = probe_orders or max(200, orders // 4)
    probe = [] if rate else [workload.batches(name, probe_size, offset=n + 1) for n in range(len(SATURATION_SENDERS))]
    if customers is not None:
        measured, probe = renamed(measured, customers), [renamed(b, customers) for b in probe]
    everything = [*measured, *(batch for step in probe for batch in step)]
    dark = workload.W_DARK_POOL_TICKERS if name != "one-child" else ()
    with bench.meter.installed():
        put_rate = moto_put_item_rate(put_items)
        previous = bench.set_dark_pool(dark) if dark else None
        try:
            tickers = workload.tickers_of(everything)
            if warm:
                prices = bench.warm_market_data(tickers)
            else:
                prices = {ticker: synthetic_price(ticker) * Decimal("1.2") for ticker in tickers}
            setup_orders = bench.fund_and_hold(workload.setup_for(everything, prices))
            saturation, steps = bench.saturation(probe) if probe else (0.0, [])
            offered = rate or saturation / 2
            before = runner.sfn_executions()
            bench.meter.counting = True
            posted = bench.open_loop(measured, offered)
            marketable = [order_id for p in posted for order_id in p.marketable]
            last = bench.trades.wait_for(marketable)
            cloud.wait_idle(timeout=300)
            bench.meter.counting = False
            transitions = runner.sfn_transitions(runner.sfn_executions() - before)
        finally:
            bench.meter.counting = False
            if previous is not None:
                bench.set_dark_pool(previous.split(","))
    outcome = Outcome()
    for batch, answer in zip(measured, posted, strict=True):
        outcome.add(answer, len(batch))
    first = min(p.scheduled for p in posted)
    launched = max(p.launched for p in posted) - min(p.launched for p in posted)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    measured_children = {c["orderId"] for p in posted for c in p.body.get("orders", [])}
    return Result(
        workload=name,
        customers=customers or [o["customerId"] for b in measured for o in b],
        measured=measured,
        put_item_rate=put_rate,
        steps=steps,
        saturation=saturation,
        offered_rate=offered,
        achieved_rate=(len(posted) - 1) * workload.ORDERS_PER_REQUEST / launched if launched else 0.0,
        completion_rate=outcome.orders / (max(last, max(p.answered for p in posted)) - first),
        latencies=[bench.trades.first[i] - p.scheduled for p in posted for i in p.marketable],
        outcome=outcome,
        traded_children=sum(1 for i in measured_children if i in bench.trades.first),
        usage=bench.meter.usage,
        sfn_transitions=transitions,
        api_trades=bench.api_trades(sorted({o["customerId"] for b in measured for o in b}), day),
        marketable_ids=marketable,
        setup_orders=setup_orders,
        dark_pool_tickers=tuple(dark),
    )


def gb_second_price(cloud: Any, result: Result, prices: dict[str, Any]) -> tuple[Decimal, str]:
    """Our functions' GB-s price: the template's architecture (arm64 or x86_64), weighted by handler time."""
    architectures: dict[str, str] = {}
    for path in glob.glob(str(Path(cloud.settings.outdir) / "*.template.json")):
        for resource in json.loads(Path(path).read_text())["Resources"].values():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Lambda::Function" and "FunctionName" in properties:
                architectures[str(properties["FunctionName"])] = (properties.get("Architectures") or ["x86_64"])[0]
    usage = result.usage
    weights = {name: Decimal(str(s * usage.memory_mb[name] / 1024)) for name, s in usage.handler_seconds.items()}
    total = sum(weights.values(), Decimal(0))
    arm, x86 = report.price(prices, "lambdaArmPerGbSecond"), report.price(prices, "lambdaX86PerGbSecond")
    if not total:
        return arm, "arm64"
    blended = sum(
        (w * (arm if architectures.get(name, "arm64") == "arm64" else x86) for name, w in weights.items()), Decimal(0)
    )
    kinds = sorted({architectures.get(name, "arm64") for name in weights})
    return blended / total, "/".join(kinds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--workload", choices=workload.WORKLOADS, default="W")
    parser.add_argument("--orders", type=int, default=1000, help="orders measured (in POSTs of 10)")
    parser.add_argument("--rate", type=float, help="offered orders/s of the measured run (skips the saturation search)")
    parser.add_argument(
        "--probe-orders", type=int, help="orders per saturation step (default: orders / 4, at least 200)"
    )
    parser.add_argument("--details", action="store_true", help="also print our figures per function and operation")
    args = parser.parse_args(argv)

    with started("bench") as (cloud, log):
        result = measure(
            cloud, name=args.workload, orders=args.orders, rate=args.rate, probe_orders=args.probe_orders, log=log
        )
        prices = report.load_prices()
        gb_second, kinds = gb_second_price(cloud, result, prices)
        built = report.build(result, prices, gb_second)
        notes = [
            f"our Lambda GB-s: handler time (minus time in the emulator's AWS calls) x template memory, {kinds};"
            " the original's: x86_64 128 MB, its sleeps, 1.5 s per market-data task (bench/original.py)",
            "DynamoDB units by item size as AWS bills them (transactions doubled, GSI writes of the projected"
            " items included, old items read from moto's backend); the benchmark's own reads excluded",
        ]
        print(report.render(result, built, prices, notes))
        if args.details:
            print(report.details(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
