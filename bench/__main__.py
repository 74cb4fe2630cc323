"""`make bench`: end-to-end throughput, latency, AWS requests and cost per order on the local cloud.

One run prints, side by side:
- orders per second and p50/p99 latency from `POST /orders` to the trade being readable through the
  data API, for 1,000 orders sent over HTTP in requests of 10;
- moto's own PutItem rate measured in the same process and run, and the ratio of the two (the
  machine is noisy: compare ratios from one run, never absolute figures across runs);
- the AWS requests the functions made per 1,000 orders, by service and operation (a botocore hook);
- dollars per million orders from `bench/prices.json`, beside the same figure for the original
  design computed from its per-order request counts (see `original_design`).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

import constructs_lib  # noqa: F401  (puts the shared layer, hence trading_core, on sys.path)
from trading_core import contracts

PRICES = Path(__file__).with_name("prices.json")
ORDERS_PER_REQUEST = 10
CUSTOMERS = list(contracts.SEED_CUSTOMERS)
TICKERS = ["AAPL", "MSFT", "NVDA", "COIN", "IBM", "SHOP", "UBER", "PYPL"]


def original_design(ours: dict[str, Decimal], trades_per_order: Decimal) -> dict[str, Decimal]:
    """The original design's figures for the same orders, from its per-order request counts.

    Where the designs differ, as the order-flow issue counts them: per order one customer read and,
    per trade, one put and three updates (plain writes, one unit each); one Standard Step Functions
    execution per order request (a Parallel state with two Lambda tasks: 6 state transitions); and a
    post-trade handler that slept 250 ms per trade on average (100-400 ms) at 128 MB. Everything
    else (API requests, the other invocations, bus events, S3 objects) is taken as equal to ours,
    which flatters the original: it also started its workflow for orders it then refused.
    """
    per_request = Decimal(1) / ORDERS_PER_REQUEST
    return {
        **ours,
        "dynamodbReads": Decimal(1),
        "dynamodbWrites": 4 * trades_per_order,
        "stepFunctionsTransitions": 6 * per_request,
        "lambdaInvocations": ours["lambdaInvocations"] + 2 * per_request,
        "lambdaGbSeconds": ours["lambdaGbSeconds"] + trades_per_order * Decimal("0.250") * Decimal("0.125"),
        "dynamodbRequests": 1 + 4 * trades_per_order,
    }


@dataclass
class RequestCounter:
    """Counts every AWS request the functions make, by service and operation, and the units AWS bills
    for them: DynamoDB capacity units (a transactional write item costs 2 write units), EventBridge
    entries and SNS messages (each under 64 KB, so one unit each)."""

    calls: Counter[str]
    write_units: Decimal = Decimal(0)
    read_units: Decimal = Decimal(0)
    events: int = 0
    messages: int = 0

    def __call__(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        service, operation = event_name.split(".", 2)[1:]
        self.calls[f"{service}:{operation}"] += 1
        if operation == "TransactWriteItems":
            self.write_units += 2 * len(params.get("TransactItems", []))
        elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
            self.write_units += 1
        elif operation == "BatchWriteItem":
            self.write_units += sum(len(requests) for requests in params.get("RequestItems", {}).values())
        elif operation == "BatchGetItem":
            self.read_units += sum(len(spec.get("Keys", [])) for spec in params.get("RequestItems", {}).values())
        elif operation == "GetItem":  # Query is the benchmark's own polling through the data API
            self.read_units += 1
        elif operation == "PutEvents":
            self.events += len(params.get("Entries", []))
        elif operation == "PublishBatch":
            self.messages += len(params.get("PublishBatchRequestEntries", []))
        elif operation == "Publish":
            self.messages += 1


def http(method: str, url: str, api_key: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("x-api-key", api_key)
    request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


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


def random_orders(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Affordable market buys (one child each): marketable, so every one of them trades at once, and
    funded by the seed (sells would need holdings the bench would first have to buy)."""
    return [
        {
            "customerId": rng.choice(CUSTOMERS),
            "direction": "Buy",
            "ticker": rng.choice(TICKERS),
            "type": "Market",
            "quantity": rng.randint(1, 50),
        }
        for _ in range(count)
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cost_per_million(per_order: dict[str, Decimal], usd: dict[str, str]) -> Decimal:
    price = {name: Decimal(value) for name, value in usd.items()}
    dollars = (
        per_order["apiRequests"] * price["apiGatewayRestPerMillionRequests"] / 1_000_000
        + per_order["lambdaInvocations"] * price["lambdaPerMillionRequests"] / 1_000_000
        + per_order["lambdaGbSeconds"] * price["lambdaArmPerGbSecond"]
        + per_order["dynamodbWrites"] * price["dynamodbPerMillionWriteRequestUnits"] / 1_000_000
        + per_order["dynamodbReads"] * price["dynamodbPerMillionReadRequestUnits"] / 1_000_000
        + per_order["eventBridgeEvents"] * price["eventBridgePerMillionCustomEvents"] / 1_000_000
        + per_order.get("snsPublishes", Decimal(0)) * price["snsPerMillionPublishes"] / 1_000_000
        + per_order["s3Puts"] * price["s3PerThousandPuts"] / 1_000
        + per_order.get("s3Gets", Decimal(0)) * price["s3PerThousandGets"] / 1_000
        + per_order.get("stepFunctionsTransitions", Decimal(0))
        * price["stepFunctionsStandardPerThousandTransitions"]
        / 1_000
    )
    return dollars * 1_000_000


def main(argv: list[str] | None = None) -> int:
    from localcloud.server import LocalCloud, Settings

    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=2, help="concurrent HTTP clients")
    args = parser.parse_args(argv)

    cloud = LocalCloud(Settings(port=0, nag=False, log=lambda line: None)).start()
    try:
        return run(cloud, args.orders, args.senders)
    finally:
        cloud.stop()


def warm_market_data(cloud: Any, key: str) -> None:
    """Steady state: the tickers' market data is fresh before measuring, as it is for all but the first
    order of a ticker in 12 hours (the router asks only for stale tickers), so the one-time history load
    is not billed to the measured orders."""
    manager_url = cloud.api_url(contracts.MARKET_DATA_MANAGER_API_URL_OUTPUT)
    status, body = http("POST", manager_url, key, {"detail": {"tickers": [{"ticker": t} for t in TICKERS]}})
    if status != 200:
        raise RuntimeError(f"market data not started: {status} {body}")
    cloud.wait_idle(timeout=120)


def run(cloud: Any, total: int, senders: int) -> int:
    prices = json.loads(PRICES.read_text())
    orders_url = cloud.api_url(contracts.ORDERS_API_URL_OUTPUT).rstrip("/") + "/orders"
    data_url = cloud.api_url(contracts.DATA_API_URL_OUTPUT).rstrip("/")
    key = cloud.api_key
    put_rate = moto_put_item_rate()
    warm_market_data(cloud, key)

    counter = RequestCounter(Counter())
    invocations: Counter[str] = Counter()
    gb_seconds = [Decimal(0)]
    session = boto3._get_default_session()
    session.events.register("before-parameter-build.*.*", counter)
    unwatch = watch_invocations(cloud.runtime, invocations, gb_seconds)

    batches = [random_orders(random.Random(n), ORDERS_PER_REQUEST) for n in range(total // ORDERS_PER_REQUEST)]
    posted_at: dict[str, float] = {}
    readable_at: dict[str, float] = {}
    lock = threading.Lock()
    day = time.strftime("%Y-%m-%d", time.gmtime())
    sent_all = threading.Event()
    started = time.perf_counter()

    def send(mine: list[list[dict[str, Any]]]) -> None:
        for batch in mine:
            sent = time.perf_counter()
            status, body = http("POST", orders_url, key, batch)
            if status != 200 or body["invalidOrders"]:
                raise RuntimeError(f"orders refused: {status} {body}")
            with lock:
                posted_at.update((child["orderId"], sent) for child in body["orders"])

    def poll() -> None:
        while not sent_all.is_set() or len(readable_at) < len(posted_at):
            for customer in CUSTOMERS:
                token = None
                while True:
                    query = f"?tradeDate={day}&limit=500" + (f"&nextToken={token}" if token else "")
                    _, page = http("GET", f"{data_url}/trades/{customer}{query}", key)
                    now = time.perf_counter()
                    with lock:
                        for trade in page["trades"]:
                            readable_at.setdefault(trade["orderId"], now)
                    token = page.get("nextToken")
                    if not token:
                        break
            time.sleep(0.5)  # the benchmark's own polling must not starve the system it measures
            if time.perf_counter() - started > 600:
                raise TimeoutError(f"only {len(readable_at)} of {total} trades readable after 600 s")

    threads = [threading.Thread(target=send, args=(batches[n::senders],)) for n in range(senders)]
    poller = threading.Thread(target=poll)
    for thread in [*threads, poller]:
        thread.start()
    for thread in threads:
        thread.join()
    sent_all.set()
    poller.join()
    elapsed = max(readable_at.values()) - started
    cloud.wait_idle(timeout=120)
    session.events.unregister("before-parameter-build.*.*", counter)
    unwatch()

    latencies = [readable_at[order] - posted_at[order] for order in posted_at]
    rate = total / elapsed
    data_api_gets = counter.calls["dynamodb:Query"]
    per_order = {
        "apiRequests": Decimal(len(batches)) / total,
        "lambdaInvocations": Decimal(sum(n for name, n in invocations.items() if "data" not in name.lower())) / total,
        "lambdaGbSeconds": gb_seconds[0] / total,
        "dynamodbWrites": counter.write_units / total,
        "dynamodbReads": counter.read_units / total,
        "eventBridgeEvents": Decimal(counter.events) / total,
        "snsPublishes": Decimal(counter.messages) / total,
        "s3Puts": Decimal(counter.calls["s3:PutObject"]) / total,
        "s3Gets": Decimal(counter.calls["s3:GetObject"]) / total,
    }
    trades_per_order = Decimal(len(readable_at)) / total
    per_order["dynamodbRequests"] = (
        Decimal(sum(n for name, n in counter.calls.items() if name.startswith("dynamodb:")) - data_api_gets) / total
    )
    original = original_design(per_order, trades_per_order)
    ours = cost_per_million(per_order, prices["usd"])
    theirs = cost_per_million(original, prices["usd"])

    print(
        f"orders: {total} in requests of {ORDERS_PER_REQUEST}, {senders} concurrent senders"
        f" (market data of the {len(TICKERS)} tickers fetched before measuring)"
    )
    print(
        f"end-to-end: {rate:,.0f} orders/s; POST to trade readable: p50 {statistics.median(latencies) * 1000:,.0f} ms,"
        f" p99 {percentile(latencies, 0.99) * 1000:,.0f} ms"
    )
    print(f"moto PutItem in this process: {put_rate:,.0f}/s; end-to-end orders/s ÷ PutItem/s = {rate / put_rate:.2f}")
    print(
        f"\nAWS requests per 1,000 orders by the functions"
        f" (the benchmark's polling through the data API excluded: {data_api_gets} queries)"
    )
    for name, count in sorted(counter.calls.items()):
        if name != "dynamodb:Query":
            print(f"  {name:40} {count * 1000 / total:10,.1f}")
    print(f"  {'Lambda invocations':40} {per_order['lambdaInvocations'] * 1000:10,.1f}")
    print(
        f"\ncost per million orders (prices {prices['region']}, as of {prices['pricesAsOf']}): "
        f"this design ${ours:,.2f}; original design ${theirs:,.2f} ({theirs / ours:.1f}x)"
    )
    print(
        f"  DynamoDB write units per order: ours {per_order['dynamodbWrites']:.2f},"
        f" original {original['dynamodbWrites']:.2f}; DynamoDB requests per order: ours"
        f" {per_order['dynamodbRequests']:.2f}, original {original['dynamodbRequests']:.2f}"
        f" ({trades_per_order:.2f} trades per order)"
    )
    return 0


def watch_invocations(runtime: Any, invocations: Counter[str], gb_seconds: list[Decimal]) -> Any:
    """Counts invocations per function (synchronous and asynchronous alike) and bills memory x local
    duration, an approximation of what AWS would bill."""
    original = runtime._invoke

    def invoke(function: Any, event: Any, request_id: str) -> Any:
        started = time.perf_counter()
        try:
            return original(function, event, request_id)
        finally:
            invocations[function.spec.name] += 1
            gb_seconds[0] += Decimal(function.spec.memory_mb) / 1024 * Decimal(str(time.perf_counter() - started))

    runtime._invoke = invoke
    return lambda: setattr(runtime, "_invoke", original)


if __name__ == "__main__":
    raise SystemExit(main())
