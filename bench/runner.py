"""One bench run on a running local cloud: set up, find the saturation throughput, measure at half of it.

1. (unmeasured) moto's PutItem rate; the dark-pool list the workload's (W: the original's 8); the
   workload's tickers' market data fetched; each customer funded by a deposit and the holdings its sells
   need bought, through the APIs (`workload.Setup`);
2. saturation: closed-loop senders flood the orders API, 1, 2, 4, … of them, each step with fresh orders,
   until the completion rate (orders posted ÷ time to the last marketable child's trade) stops rising;
3. the measured run: an open-loop sender posts the measured orders on a fixed schedule at half the
   saturation rate (each POST launched at its time from a thread pool, whatever the others are doing);
   latency is from the POST's scheduled time to its children's trades being written (readable);
   everything the functions do meanwhile, until the cloud is idle, is metered (`metering.Meter`);
4. (unmeasured) every trade read back through the data API: each marketable child traded once.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

import boto3

import constructs_lib  # noqa: F401  (puts the shared layer, hence trading_core, on sys.path)
from bench import workload
from bench.metering import Meter, Usage
from bench.workload import ORDERS_PER_REQUEST, Batch
from trading_core import contracts

MAX_DEPOSIT: Final = Decimal("900000000000.00")  # under the API's largest amount per movement
SATURATION_SENDERS: Final = (1, 2, 4, 8)
RISING: Final = 1.08  # a step must beat the best rate by 8 % to count as still rising
TRADE_TIMEOUT: Final = 600.0


def http(method: str, url: str, key: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in {"x-api-key": key, "content-type": "application/json", **(headers or {})}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Trades:
    """Trades as the meter sees them written: the first time per child order, and how many."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.count: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)

    def __call__(self, order_id: str, when: float) -> None:
        with self._lock:
            self.first.setdefault(order_id, when)
            self.count[order_id] += 1
            self.changed.notify_all()

    def wait_for(self, order_ids: Sequence[str], timeout: float = TRADE_TIMEOUT) -> float:
        """Until each has traded; the last one's time."""
        deadline = time.perf_counter() + timeout
        with self._lock:
            while any(order_id not in self.first for order_id in order_ids):
                left = deadline - time.perf_counter()
                if left <= 0:
                    missing = sum(1 for order_id in order_ids if order_id not in self.first)
                    raise TimeoutError(f"{missing} of {len(order_ids)} marketable child orders not traded")
                self.changed.wait(min(left, 1.0))
            return max((self.first[order_id] for order_id in order_ids), default=time.perf_counter())


@dataclass
class Posted:
    """What the orders API answered for one POST."""

    scheduled: float  # when it was due (open loop), or sent
    launched: float  # when it was sent
    answered: float
    status: int
    body: Any

    @property
    def marketable(self) -> list[str]:
        return [c["orderId"] for c in self.body.get("orders", []) if c.get("status") == "ACCEPTED"]


@dataclass
class Outcome:
    """Accepted, refused and traded orders of a phase."""

    orders: int = 0
    accepted: int = 0
    children: int = 0
    marketable: int = 0
    resting: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    failed_posts: int = 0

    def add(self, posted: Posted, orders: int) -> None:
        self.orders += orders
        if posted.status != 200:
            self.failed_posts += 1
            self.refused[f"HTTP {posted.status}"] += orders
            return
        children = posted.body.get("orders", [])
        self.accepted += len({child["parentOrderId"] for child in children})
        self.children += len(children)
        self.marketable += sum(1 for child in children if child.get("status") == "ACCEPTED")
        self.resting += sum(1 for child in children if child.get("status") == "OPEN")
        for refusal in posted.body.get("invalidOrders", []):
            self.refused[str(refusal.get("reason", "?")).split(":")[0]] += 1


@dataclass
class Step:
    senders: int
    orders: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


@dataclass
class Result:
    workload: str
    customers: Sequence[str]
    measured: list[Batch]
    put_item_rate: float
    steps: list[Step]
    saturation: float
    offered_rate: float
    achieved_rate: float
    completion_rate: float
    latencies: list[float]
    outcome: Outcome
    traded_children: int
    usage: Usage
    sfn_transitions: int
    api_trades: Counter[str]
    marketable_ids: list[str]
    setup_orders: int
    dark_pool_tickers: tuple[str, ...]


class Bench:
    def __init__(self, cloud: Any, *, log: Callable[[str], None] = lambda _: None) -> None:
        self.cloud = cloud
        self.key = str(cloud.api_key)
        self.orders_url = cloud.api_url(contracts.ORDERS_API_URL_OUTPUT).rstrip("/") + "/orders"
        self.data_url = cloud.api_url(contracts.DATA_API_URL_OUTPUT).rstrip("/")
        self.log = log
        self.meter = Meter()
        self.trades = Trades()
        self.meter.trade_listeners.append(self.trades)

    def post(self, batch: Batch, scheduled: float | None = None) -> Posted:
        if scheduled is not None:
            time.sleep(max(0.0, scheduled - time.perf_counter()))
        launched = time.perf_counter()
        status, body = http("POST", self.orders_url, self.key, batch)
        due = launched if scheduled is None else scheduled
        return Posted(due, launched, time.perf_counter(), status, body if isinstance(body, dict) else {})

    # -- setup (unmeasured)

    def set_parameter(self, parameter: str, value: str) -> str:
        return set_parameter(boto3.client("ssm", region_name="us-east-1"), parameter, value)

    def set_dark_pool(self, tickers: Sequence[str]) -> str:
        """The dark-pool list set (`set_parameter`); the value it replaced."""
        return self.set_parameter(contracts.DARK_POOL_TICKERS_PARAMETER, ",".join(tickers))

    def warm_market_data(self, tickers: Sequence[str]) -> dict[str, Decimal]:
        """Steady state: the tickers' market data is fresh (the router asks only for stale tickers), so the
        one-time history load is not billed to the measured orders; their market prices."""
        url = self.cloud.api_url(contracts.MARKET_DATA_MANAGER_API_URL_OUTPUT)
        status, body = http("POST", url, self.key, {"detail": {"tickers": [{"ticker": t} for t in tickers]}})
        if status != 200:
            raise RuntimeError(f"market data not started: {status} {body}")
        self.cloud.wait_idle(timeout=300)
        prices = {}
        for ticker in tickers:
            status, body = http("GET", f"{self.data_url}/tickers/{ticker}", self.key)
            if status != 200 or body.get("marketPrice") is None:
                raise RuntimeError(f"no market price for {ticker}: {status} {body}")
            prices[ticker] = Decimal(str(body["marketPrice"]))
        return prices

    def fund_and_hold(self, setup: workload.Setup) -> int:
        """The deposits and the pre-buys; the number of pre-buy orders."""
        for customer, amount in sorted(setup.deposits.items()):
            part = 0
            while amount > 0:
                step = min(amount, MAX_DEPOSIT)
                status, body = http(
                    "POST",
                    f"{self.data_url}/customers/{customer}/deposits",
                    self.key,
                    {"amount": f"{step:.2f}", "reason": "make bench: funds for the workload's buys"},
                    headers={"Idempotency-Key": f"bench-{customer}-{time.time_ns()}-{part}"},
                )
                if status not in (200, 201):
                    raise RuntimeError(f"deposit for {customer} refused: {status} {body}")
                amount -= step
                part += 1
        marketable: list[str] = []
        for start in range(0, len(setup.pre_buys), ORDERS_PER_REQUEST):
            posted = self.post(setup.pre_buys[start : start + ORDERS_PER_REQUEST])
            if posted.status != 200 or posted.body.get("invalidOrders"):
                raise RuntimeError(f"pre-buy refused: {posted.status} {posted.body}")
            marketable += posted.marketable
        self.trades.wait_for(marketable)
        self.cloud.wait_idle(timeout=300)
        return len(setup.pre_buys)

    # -- load

    def flood(self, batches: list[Batch], senders: int) -> tuple[Step, list[Posted]]:
        """Closed loop: `senders` threads post their share back to back."""
        posted: list[Posted] = []
        lock = threading.Lock()

        def send(mine: list[Batch]) -> None:
            for batch in mine:
                answer = self.post(batch)
                with lock:
                    posted.append(answer)

        started = time.perf_counter()
        threads = [threading.Thread(target=send, args=(batches[n::senders],)) for n in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        last = self.trades.wait_for([i for p in posted for i in p.marketable])
        end = max(last, max(p.answered for p in posted))
        self.cloud.wait_idle(timeout=300)
        return Step(senders, sum(len(b) for b in batches), end - started), posted

    def saturation(self, probe: list[list[Batch]]) -> tuple[float, list[Step]]:
        steps: list[Step] = []
        for senders, batches in zip(SATURATION_SENDERS, probe, strict=False):
            step, _ = self.flood(batches, senders)
            steps.append(step)
            self.log(f"saturation: {senders} senders, {step.rate:,.1f} orders/s")
            if len(steps) > 1 and step.rate < RISING * max(s.rate for s in steps[:-1]):
                break
        return max(s.rate for s in steps), steps

    def open_loop(self, batches: list[Batch], rate: float) -> list[Posted]:
        """POSTs launched on a fixed schedule (`rate` orders per second), from a pool big enough that a slow
        answer never holds the next launch back."""
        interval = ORDERS_PER_REQUEST / rate
        start = time.perf_counter() + 0.2
        with ThreadPoolExecutor(max_workers=min(64, max(1, len(batches)))) as pool:
            futures = [pool.submit(self.post, batch, start + n * interval) for n, batch in enumerate(batches)]
            return [future.result() for future in futures]

    # -- checks (unmeasured)

    def api_trades(self, customers: Sequence[str], day: str) -> Counter[str]:
        """Trades per child order id, as the data API serves them."""
        counts: Counter[str] = Counter()
        for customer in customers:
            token = None
            while True:
                query = f"?tradeDate={day}&limit=500" + (f"&nextToken={token}" if token else "")
                status, page = http("GET", f"{self.data_url}/trades/{customer}{query}", self.key)
                if status != 200:
                    raise RuntimeError(f"trades of {customer}: {status} {page}")
                counts.update(trade["orderId"] for trade in page["trades"])
                token = page.get("nextToken")
                if not token:
                    break
        return counts


def set_parameter(ssm: Any, parameter: str, value: str) -> str:
    """Sets one of the stage's run-time parameters as an operator would (SSM), clearing the functions' parameter
    cache (they share this process); the value it replaced."""
    names = [p["Name"] for p in ssm.describe_parameters(MaxResults=50)["Parameters"]]
    (name,) = [n for n in names if n.endswith("/" + parameter)]
    previous = str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    from aws_lambda_powertools.utilities.parameters.base import clear_caches

    clear_caches()
    return previous


def sfn_executions() -> set[str]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arns: set[str] = set()
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            arns.add(execution["executionArn"])
    return arns


def sfn_transitions(executions: set[str]) -> int:
    """Standard workflows bill each state entered (Map iterations' states included)."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    total = 0
    for arn in executions:
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        total += sum(1 for event in events if str(event["type"]).endswith("StateEntered"))
    return total
