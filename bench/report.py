"""The bench's report: both designs per service and per order posted, priced from one table
(`bench/prices.json`), beside the latency and throughput figures of the run."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from bench.original import Counts, original_design
from bench.runner import Result

PRICES: Final = Path(__file__).with_name("prices.json")
MILLION: Final = Decimal(1_000_000)

# (row, label, price, the price's quantity); Lambda GB-s are priced per architecture, so apart.
ROWS: Final = (
    ("api_requests", "API Gateway REST requests", "apiGatewayRestPerMillionRequests", MILLION),
    ("lambda_invocations", "Lambda invocations", "lambdaPerMillionRequests", MILLION),
    ("lambda_gb_seconds", "Lambda GB-s (handler time)", None, Decimal(1)),
    ("dynamodb_write_units", "DynamoDB write units", "dynamodbPerMillionWriteRequestUnits", MILLION),
    ("dynamodb_read_units", "DynamoDB read units", "dynamodbPerMillionReadRequestUnits", MILLION),
    ("dynamodb_requests", "DynamoDB requests (not billed apart)", None, None),
    ("eventbridge_events", "EventBridge events (64 KB chunks)", "eventBridgePerMillionCustomEvents", MILLION),
    ("sns_publishes", "SNS publishes (64 KB chunks)", "snsPerMillionPublishes", MILLION),
    ("s3_puts", "S3 PUT/COPY/LIST requests", "s3PerThousandPuts", Decimal(1000)),
    ("s3_gets", "S3 GET/HEAD requests", "s3PerThousandGets", Decimal(1000)),
    ("sfn_transitions", "Step Functions Standard transitions", "stepFunctionsStandardPerThousandTransitions", 1000),
    ("sqs_requests", "SQS requests", "sqsPerMillionRequests", MILLION),
)


def load_prices(path: Path = PRICES) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def price(prices: dict[str, Any], name: str) -> Decimal:
    return Decimal(prices["usd"][name]["price"])


@dataclass
class Report:
    ours: dict[str, Decimal]  # per order posted
    original: dict[str, Decimal]
    ours_cost: dict[str, Decimal]  # $ per million orders posted
    original_cost: dict[str, Decimal]

    @property
    def ours_total(self) -> Decimal:
        return sum(self.ours_cost.values(), Decimal(0))

    @property
    def original_total(self) -> Decimal:
        return sum(self.original_cost.values(), Decimal(0))


def our_counts(result: Result) -> dict[str, Decimal]:
    usage, orders = result.usage, Decimal(result.outcome.orders)
    sqs = sum(n for name, n in usage.calls.items() if name.startswith("sqs:"))
    counts = {
        "api_requests": Decimal(len(result.measured)),
        "lambda_invocations": Decimal(sum(usage.invocations.values())),
        "lambda_gb_seconds": Decimal(str(usage.gb_seconds)),
        "dynamodb_write_units": Decimal(str(usage.write_units + usage.index_write_units)),
        "dynamodb_read_units": Decimal(str(usage.read_units)),
        "dynamodb_requests": Decimal(usage.dynamodb_requests),
        "eventbridge_events": Decimal(usage.events),
        "sns_publishes": Decimal(usage.sns_publishes),
        "s3_puts": Decimal(usage.s3_write_class),
        "s3_gets": Decimal(usage.s3_read_class),
        "sfn_transitions": Decimal(result.sfn_transitions),
        "sqs_requests": Decimal(sqs),
    }
    return {name: value / orders for name, value in counts.items()}


def original_counts(result: Result) -> dict[str, Decimal]:
    counts: Counts = original_design(result.measured).per(result.outcome.orders)
    values = {row: getattr(counts, row, Decimal(0)) for row, *_ in ROWS}
    return {**values, "trades": counts.trades}


def costs(per_order: dict[str, Decimal], prices: dict[str, Any], gb_second: Decimal) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for row, _, price_name, quantity in ROWS:
        if row == "lambda_gb_seconds":
            out[row] = per_order[row] * gb_second * MILLION
        elif price_name is not None and quantity is not None:
            out[row] = per_order[row] * price(prices, price_name) / Decimal(quantity) * MILLION
    return out


def build(result: Result, prices: dict[str, Any], our_gb_second: Decimal) -> Report:
    ours, original = our_counts(result), original_counts(result)
    return Report(
        ours=ours,
        original=original,
        ours_cost=costs(ours, prices, our_gb_second),
        original_cost=costs(original, prices, price(prices, "lambdaX86PerGbSecond")),
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def render(result: Result, report: Report, prices: dict[str, Any], notes: list[str]) -> str:
    o = result.outcome
    lines = [
        f"workload {result.workload}: {o.orders:,} orders measured in POSTs of 10 ({len(result.measured)} POSTs),"
        f" {len(set(result.customers))} customers; dark-pool tickers {','.join(result.dark_pool_tickers) or '-'};"
        f" set up first (unmeasured): deposits and {result.setup_orders} pre-buy orders for the sells",
        "",
        "throughput and latency",
    ]
    if result.steps:
        rates = ", ".join(f"{s.senders} → {s.rate:,.1f}" for s in result.steps)
        lines.append(f"  saturation (closed-loop senders → orders/s): {rates}; saturation {result.saturation:,.1f}/s")
    lines += [
        f"  measured run, open loop: offered {result.offered_rate:,.1f} orders/s, launched {result.achieved_rate:,.1f}"
        f"/s, completed {result.completion_rate:,.1f}/s",
    ]
    if result.latencies:
        lines.append(
            f"  POST → trade readable, per marketable child order ({len(result.latencies):,}):"
            f" p50 {statistics.median(result.latencies) * 1000:,.0f} ms,"
            f" p99 {percentile(result.latencies, 0.99) * 1000:,.0f} ms"
        )
    ratio = f"; saturation ÷ PutItem/s = {result.saturation / result.put_item_rate:.3f}" if result.steps else ""
    lines += [f"  moto PutItem in this process: {result.put_item_rate:,.0f}/s{ratio}", "", "orders"]
    refused = ", ".join(f"{n} {reason}" for reason, n in o.refused.most_common()) or "none"
    once = sum(1 for i in result.marketable_ids if result.api_trades[i] == 1)
    lines += [
        f"  accepted {o.accepted:,} of {o.orders:,} ({o.children:,} child orders: {o.marketable:,} marketable,"
        f" {o.resting:,} resting); refused {sum(o.refused.values()):,} ({refused})",
        f"  traded {result.traded_children:,} child orders; through the data API {once:,} of the {o.marketable:,}"
        f" marketable ones traded exactly once; the original would trade {report.original['trades']:.2f} per order",
        "",
        f"per order posted, both designs (prices {prices['region']}, {prices['pricesAsOf']}; $ per million orders)",
        f"  {'':40} {'ours':>10} {'original':>10} {'ours $':>10} {'orig. $':>10}",
    ]
    for row, label, *_ in ROWS:
        ours_cost = report.ours_cost.get(row)
        theirs_cost = report.original_cost.get(row)
        lines.append(
            f"  {label:40} {report.ours[row]:10.3f} {report.original[row]:10.3f}"
            f" {'' if ours_cost is None else f'{ours_cost:10.2f}':>10} "
            f"{'' if theirs_cost is None else f'{theirs_cost:10.2f}':>10}"
        )
    total, theirs = report.ours_total, report.original_total
    lines += [
        f"  {'total':40} {'':10} {'':10} {total:10.2f} {theirs:10.2f}",
        f"  original ÷ ours: {theirs / total:.1f}x" if total else "  original ÷ ours: -",
        *(f"  {note}" for note in notes),
    ]
    return "\n".join(lines)


def details(result: Result) -> str:
    """Where our figures come from: write units by operation, read units by function and operation,
    invocations and handler time per function,
    the AWS requests per order by operation."""
    usage, orders = result.usage, result.outcome.orders
    lines = ["", "ours in detail (per order posted)"]
    for operation, units in sorted(usage.write_units_by_operation.items()):
        lines.append(f"  write units {operation:38} {units / orders:8.3f}")
    for kind, (written, billed) in sorted(usage.item_kind_writes.items()):
        lines.append(
            f"  write units {kind:38} {billed / orders:8.3f}"
            f"  ({written / orders:.3f} items, {billed / written:.2f} each)"
        )
    for call, read in sorted(usage.read_units_by_call.items()):
        lines.append(f"  read units {call:39} {read / orders:8.3f}")
    for name in sorted(usage.invocations):
        n = usage.invocations[name]
        lines.append(
            f"  {name:50} {n / orders:6.3f} invocations, {usage.handler_seconds[name] * 1000 / n:7.1f} ms handler"
            f" + {usage.sdk_seconds[name] * 1000 / n:6.1f} ms in the emulator each, {usage.memory_mb[name]} MB"
        )
    for call, n in sorted(usage.calls.items()):
        lines.append(f"  {call:50} {n / orders:8.3f}")
    return "\n".join(lines)
