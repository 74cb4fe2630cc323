"""The fault run's client: funds the customers (before any fault), then posts workload W as a careful broker does.

A request carries an `Idempotency-Key`; a 5xx or a timeout (the answer lost, the work perhaps done) is sent
again with the same key, so it runs at most once; a 409 "still in progress" waits and asks again. An answer
with an order that "could not be processed" is not kept: the same request goes again with the same key (the
orders it placed are found, not placed again). Orders that "could not be routed" (or a partly routed order's
rest) were rejected for good: they are sent again in a new request with a key of their own.
"""

from __future__ import annotations

import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from bench import workload
from bench.workload import ORDERS_PER_REQUEST, Batch, Order
from tests.e2e.conftest import Client
from trading_core.market_data.synthetic import synthetic_price

PROCESSING: Final = "could not be processed, try again"  # nothing placed: the same key again (`orders.placed`)
ROUTING: Final = "could not be routed, try again"  # placed, then rejected: a new order, with a new key
PARTLY_ROUTED: Final = "partly routed:"
ATTEMPTS: Final = 40
PAUSE: Final = 0.2
IN_PROGRESS_SECONDS: Final = 180.0
IN_PROGRESS_PAUSE: Final = 1.0


@dataclass
class Posting:
    """What the client learned from its requests."""

    children: dict[str, dict[str, Any]] = field(default_factory=dict)  # child order id → as accepted
    requests: int = 0  # POSTs of new orders (not counting resends of one)
    resends: Counter[int] = field(default_factory=Counter)  # HTTP status (0: no answer) → same-key resends
    reruns: int = 0  # answers not kept (an order failed transiently): the same request and key sent again
    resent_orders: int = 0  # orders that could not be routed, sent again in a request of their own
    refused: Counter[str] = field(default_factory=Counter)  # reason → orders refused for good
    failed: list[str] = field(default_factory=list)  # requests that never got an answer
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def accept(self, children: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            for child in children:
                self.children[child["orderId"]] = child


def setup(client: Client, batches: Sequence[Batch]) -> set[str]:
    """The deposits every buy needs and the holdings every sell needs, bought; the pre-buys' child orders. The deposits
    assume the offline provider's prices (within 8 % of `synthetic_price`, so 20 % above it is enough)."""
    prices = {ticker: synthetic_price(ticker) * Decimal("1.2") for ticker in workload.tickers_of(batches)}
    plan = workload.setup_for(batches, prices)
    for customer, amount in sorted(plan.deposits.items()):
        status, body = client.request(
            "POST",
            client.url("DataApiUrl") + f"customers/{customer}/deposits",
            {"amount": f"{amount:.2f}", "reason": "fault run: funds for the workload's buys"},
            headers={"Idempotency-Key": f"fault-run-deposit-{customer}-{time.time_ns()}"},
        )
        if status not in (200, 201):
            raise RuntimeError(f"deposit for {customer} refused: {status} {body}")
    children: set[str] = set()
    for start in range(0, len(plan.pre_buys), ORDERS_PER_REQUEST):
        status, body = client.post_orders(plan.pre_buys[start : start + ORDERS_PER_REQUEST])
        if status != 200 or body.get("invalidOrders"):
            raise RuntimeError(f"pre-buy refused: {status} {body}")
        children.update(child["orderId"] for child in body["orders"])
    client.cloud.wait_idle(timeout=600)
    return children


def post_all(
    client: Client, batches: Sequence[Batch], *, senders: int, key_prefix: str, into: Posting | None = None
) -> Posting:
    posting = into or Posting()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        futures = [pool.submit(_post, client, batch, f"{key_prefix}-{n}", posting) for n, batch in enumerate(batches)]
        for future in futures:
            future.result()
    return posting


def _post(client: Client, batch: list[Order], key: str, posting: Posting) -> None:
    with posting._lock:
        posting.requests += 1
    body: dict[str, Any] | None = None
    for _ in range(ATTEMPTS):
        body = _answer(client, batch, key, posting)
        if body is None:
            return
        posting.accept(body.get("orders", []))
        if not any(refusal.get("reason") == PROCESSING for refusal in body.get("invalidOrders", [])):
            break
        with posting._lock:
            posting.reruns += 1  # not kept: the same request with the same key runs again
        time.sleep(PAUSE)
    assert body is not None
    again: list[Order] = []
    for refusal in body.get("invalidOrders", []):
        reason = str(refusal.get("reason", ""))
        order = refusal["order"]
        if reason == ROUTING:
            again.append(order)
        elif reason.startswith(PARTLY_ROUTED):
            routed = sum(
                int(child["quantity"])
                for child in body.get("orders", [])
                if child["parentOrderId"] == refusal["orderId"]
            )
            again.append({**order, "quantity": int(order["quantity"]) - routed})
        else:
            with posting._lock:
                posting.refused[reason.split(":")[0]] += 1
    if again:
        with posting._lock:
            posting.resent_orders += len(again)
        _post(client, again, f"{key}-again", posting)


def _answer(client: Client, batch: list[Order], key: str, posting: Posting) -> dict[str, Any] | None:
    """The request's answer, sent as often as it takes (the same key each time): a 5xx or no answer up to
    `ATTEMPTS` times, a 409 (the key's first run still in progress, or its record left in progress by a run
    that failed after it) until `IN_PROGRESS_SECONDS` have passed."""
    failures = 0
    deadline = time.monotonic() + IN_PROGRESS_SECONDS
    while failures < ATTEMPTS and time.monotonic() < deadline:
        try:
            status, body = client.request(
                "POST", client.url("OrdersApiUrl") + "orders", batch, headers={"Idempotency-Key": key}
            )
        except (urllib.error.URLError, TimeoutError):
            status, body = 0, None
        if status == 200:
            return dict(body)
        if status not in (0, 409) and status < 500:
            raise RuntimeError(f"request {key} refused: {status} {body}")
        failures += status != 409
        with posting._lock:
            posting.resends[status] += 1
        time.sleep(PAUSE if status != 409 else IN_PROGRESS_PAUSE)
    posting.failed.append(key)
    return None


def cancel_resting(client: Client, customers: Sequence[str]) -> int:
    """Every order still resting, cancelled (its reservation given back); how many parent orders."""
    cancelled = 0
    for customer in customers:
        for _ in range(1000):
            status, page = client.get(f"/customers/{customer}/orders", {"status": "OPEN", "limit": "100"})
            if status != 200:
                raise RuntimeError(f"open orders of {customer}: {status} {page}")
            if not page["orders"]:
                break
            for order in page["orders"]:
                status, body = client.request("DELETE", client.url("OrdersApiUrl") + f"orders/{order['orderId']}")
                if status not in (200, 409):  # 409: it filled or expired meanwhile
                    raise RuntimeError(f"cancel of {order['orderId']}: {status} {body}")
                cancelled += status == 200
            client.idle()
    return cancelled
