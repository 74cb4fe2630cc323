"""The soak's steady load on a running local cloud: workload W at a fixed offered rate, sampled each interval.

1. (unmeasured) `bench.runner.Bench`'s setup: the dark-pool list W's, the tickers' market data fetched, each
   customer funded and the holdings its sells need bought (`bench.workload.Setup`). The pre-buys go with the
   order split size raised to their size (one child each instead of up to 98: the setup of a 10-minute run
   would otherwise trade more child orders than the run itself); both parameters are put back afterwards.
2. the load: POST n of 10 orders is due at `10 n / rate` seconds; a fixed pool of `in_flight` senders, so at
   most that many POSTs are outstanding: when all are busy the next launch waits (counted as late), the load
   stays bounded whatever the cloud does. POST latency is from the launch to the answer.
3. each interval a `Sample`: orders posted so far, trades so far (the customers' `nrTrades`, which the
   aggregator raises once per trade applied: the end of the pipeline), the interval's POST latencies, the
   process's RSS and moto's store sizes (`soak.sampling`).
4. after the load, until the cloud is idle (every trade settled and aggregated), one last sample.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from bench import workload
from bench.report import percentile
from bench.runner import Bench, Outcome, http
from bench.workload import ORDERS_PER_REQUEST, Batch
from soak.sampling import rss_bytes, store_sizes
from trading_core import contracts
from trading_core.market_data.synthetic import synthetic_price

IN_FLIGHT: Final = 8
LATE: Final = 1.0  # seconds after its time a launch counts as late
DRAIN_TIMEOUT: Final = 600.0


@dataclass(frozen=True)
class Sample:
    seconds: float  # since the load started
    orders: int  # orders posted so far (10 per POST answered)
    trades: int  # trades aggregated for the customers since the load started
    posts: int  # POSTs answered in the interval
    latencies: tuple[float | None, float | None, float | None]  # the interval's POST p50, p95, p99 (seconds)
    late: int  # launches of the interval more than LATE s after their time
    rss: int  # bytes
    stores: dict[str, int]


@dataclass
class Run:
    """What a soak saw: the samples during the load, the one once the cloud was idle, the orders' outcome."""

    rate: float
    seconds: float
    interval: float
    in_flight: int
    customers: Sequence[str]
    setup_orders: int
    samples: list[Sample] = field(default_factory=list)
    drained: Sample | None = None
    drain_seconds: float = 0.0
    outcome: Outcome = field(default_factory=Outcome)
    posts: int = 0
    late: int = 0

    @property
    def launched_rate(self) -> float:
        """Orders per second the load actually posted (answered), over its duration."""
        return self.outcome.orders / self.seconds if self.seconds else 0.0


def steady_batches(rate: float, seconds: float, customers: Sequence[str] | None) -> list[Batch]:
    """W's orders for `seconds` at `rate` (whole POSTs), for `customers` in place of W's (the i-th for the i-th)."""
    batches = workload.batches("W", max(1, round(rate * seconds)))
    if customers is None:
        return batches
    mapping = dict(zip(workload.W_CUSTOMERS, customers, strict=True))
    return [[{**order, "customerId": mapping[order["customerId"]]} for order in batch] for batch in batches]


class Soak:
    def __init__(
        self,
        cloud: Any,
        *,
        interval: float,
        in_flight: int = IN_FLIGHT,
        log: Callable[[str], None] = lambda _: None,
        progress: Callable[[Sample], None] = lambda _: None,
    ) -> None:
        self.bench = Bench(cloud, log=log)
        self.cloud = cloud
        self.interval = interval
        self.in_flight = in_flight
        self.progress = progress  # each sample as it is taken
        self._lock = threading.Lock()
        self._latencies: list[float] = []
        self._posts = 0
        self._late = 0
        self._baseline = 0
        self._dark_pool: str | None = None  # the list `set_up` replaced
        self.setup_orders = 0  # the pre-buy orders `set_up` posted

    # -- setup (unmeasured)

    def set_up(self, batches: Sequence[Batch], *, warm: bool = True) -> int:
        """Dark pool, market data, deposits and pre-buys (`bench.runner.Bench`); the number of pre-buy orders.
        `warm=False` skips the market-data fetch, pricing the deposits as `bench.__main__.measure` does."""
        bench = self.bench
        tickers = workload.tickers_of(batches)
        with bench.meter.installed():  # its trade listener tells when the pre-buys traded
            previous = bench.set_dark_pool(workload.W_DARK_POOL_TICKERS)
            if self._dark_pool is None:
                self._dark_pool = previous
            if warm:
                prices = bench.warm_market_data(tickers)
            else:
                prices = {ticker: synthetic_price(ticker) * Decimal("1.2") for ticker in tickers}
            split = bench.set_parameter(contracts.ORDER_SPLIT_SIZE_PARAMETER, str(workload.MAX_PRE_BUY))
            try:
                self.setup_orders = bench.fund_and_hold(workload.setup_for(batches, prices))
                return self.setup_orders
            finally:
                bench.set_parameter(contracts.ORDER_SPLIT_SIZE_PARAMETER, split)

    def restore(self) -> None:
        """The dark-pool list as it was before `set_up`."""
        if self._dark_pool is not None:
            self.bench.set_parameter(contracts.DARK_POOL_TICKERS_PARAMETER, self._dark_pool)
            self._dark_pool = None

    # -- the load

    def trades(self, customers: Sequence[str]) -> int:
        """Trades the aggregator has applied to the customers (their `nrTrades`), since the load started."""
        total = 0
        for customer in customers:
            status, body = http("GET", f"{self.bench.data_url}/customers/{customer}", self.bench.key)
            if status != 200:
                raise RuntimeError(f"customer {customer}: {status} {body}")
            total += int(body.get("nrTrades") or 0)
        return total - self._baseline

    def sample(self, started: float, run: Run) -> Sample:
        with self._lock:
            latencies, self._latencies = self._latencies, []
            posts, late, self._posts, self._late = self._posts, self._late, 0, 0
            orders = run.outcome.orders
        trades = self.trades(run.customers)
        p50, p95, p99 = (percentile(latencies, share) if latencies else None for share in (0.5, 0.95, 0.99))
        return Sample(
            seconds=time.perf_counter() - started,
            orders=orders,
            trades=trades,
            posts=posts,
            latencies=(p50, p95, p99),
            late=late,
            rss=rss_bytes(),
            stores=store_sizes(),
        )

    def _send(self, batch: Batch, due: float, run: Run, slots: threading.Semaphore) -> None:
        try:
            posted = self.bench.post(batch)
            with self._lock:
                run.outcome.add(posted, len(batch))
                run.posts += 1
                self._posts += 1
                self._latencies.append(posted.answered - posted.launched)
                if posted.launched - due > LATE:
                    self._late += 1
                    run.late += 1
        finally:
            slots.release()

    def _sampler(self, started: float, run: Run, stop: threading.Event) -> None:
        tick = 1
        while not stop.wait(max(0.0, started + tick * self.interval - time.perf_counter())):
            run.samples.append(self.sample(started, run))
            self.progress(run.samples[-1])
            tick += 1

    def run(self, batches: Sequence[Batch], rate: float, seconds: float, customers: Sequence[str]) -> Run:
        """`batches` posted at `rate` orders/s for `seconds` (or until they run out), then drained."""
        run = Run(rate, seconds, self.interval, self.in_flight, customers, setup_orders=self.setup_orders)
        self._baseline = 0
        self._baseline = self.trades(customers)
        gap = ORDERS_PER_REQUEST / rate
        slots = threading.Semaphore(self.in_flight)
        stop = threading.Event()
        started = time.perf_counter()
        sampler = threading.Thread(target=self._sampler, args=(started, run, stop), name="soak-sampler", daemon=True)
        sampler.start()
        try:
            with ThreadPoolExecutor(max_workers=self.in_flight, thread_name_prefix="soak-sender") as pool:
                for n, batch in enumerate(batches):
                    due = started + n * gap
                    if due - started >= seconds:
                        break
                    time.sleep(max(0.0, due - time.perf_counter()))
                    slots.acquire()
                    pool.submit(self._send, batch, due, run, slots)
        finally:
            stop.set()
            sampler.join()
        run.seconds = time.perf_counter() - started
        run.samples.append(self.sample(started, run))
        drain = time.perf_counter()
        self.cloud.wait_idle(timeout=DRAIN_TIMEOUT)
        run.drain_seconds = time.perf_counter() - drain
        run.drained = self.sample(started, run)
        return run
