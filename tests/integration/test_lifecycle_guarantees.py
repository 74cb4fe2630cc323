"""The double-delivery and concurrency guarantees with the whole order lifecycle in the mix (issue 9,
point 8), through the deployed handlers against moto, on both transports.

A seeded workload of buys (marketable and resting, DAY and GTC) and sells of held quantities runs
through the router, the pools, post-trade and the aggregator; then some resting orders and parents
are cancelled (`DELETE /orders/{orderId}` through the order canceller), a price move makes some
resting orders marketable (the order book sends them on `MarketDataUpdate`), and the DAY orders
expire at their close (the order book on its schedule with its clock there). Every bus event,
stream batch and S3 notification is then delivered a second time and the book re-run.

The test keeps its own account of what the rules make of each child order (a sent order still live
when its fill arrives is FILLED; a cancel ends the live children it names; an expiry ends the DAY
orders due; nothing else moves) and checks the stored state against it and against the trades:
one final status per child (or still OPEN), one trade per FILLED child at the price it was sent
with, none for the others, reservations equal to what the live children hold, funds moved by
exactly the trades' cash flows, and per customer, exact to the cent,

    RemainingFunds + Σ CostBasis = TotalDeposits - TotalWithdrawals - TotalCommissionPaid + RealizedPnl.

The race of a cancel with a fill is run in interleavings the test controls (the cancel between the
book's publish and the fill; the fill between the cancel's read and its write, for a child and for
part of a parent) and with threads: one outcome per child, never a fill and a release.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from constructs_lib.routes import ORDER_FLOW_ROUTES
from lambdas.order_book import handler as order_book
from lambdas.order_canceller import handler as canceller
from tests import order_store, trade_store
from tests.integration.api_events import api_event, lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.flow import (
    Delivery,
    OrderFlow,
    bucket_content,
    invoke,
    reset_handlers,
    serialized_dynamodb,
    table_content,
)
from tests.integration.quote_lookup import store_quote
from tests.integration.stream_events import SCHEDULED_EVENT, bus_delivery
from tests.trade_samples import DARK
from trading_core.common import keys
from trading_core.common.clock import parse_iso, to_iso, utc_now
from trading_core.common.ids import trade_id_for
from trading_core.common.money import ZERO, cents, money_str
from trading_core.customers.seed_store import CustomerSeedStore
from trading_core.customers.seeder import SeedSpec
from trading_core.market.price import is_marketable
from trading_core.market.walk import walk_price
from trading_core.market_data.synthetic import synthetic_price
from trading_core.model.child_order import ChildOrder, Direction
from trading_core.model.trade import Trade
from trading_core.orders.cancel_store import DynamoCancelStore
from trading_core.pools.matching import match_dark

LIVE = ("ACCEPTED", "OPEN")
FUNDS = Decimal("50000000.00")
CUSTOMERS = ("000001", "000002", "000003")
TICKERS = ("AAPL", "MSFT", "COIN", "IBM")  # AAPL, MSFT: dark-pool tickers of dev; COIN, IBM: lit
FALLING = ("AAPL", "COIN")  # the price move takes these down 25 % ...
RISING = ("MSFT",)  # ... and this up 25 %
MOVE = {"AAPL": Decimal("0.75"), "COIN": Decimal("0.75"), "MSFT": Decimal("1.25")}


def market_data_update(tickers: list[str]) -> dict[str, Any]:
    """`MarketDataUpdate` as its rule delivers it (always EventBridge, the detail only)."""
    return {"tickers": tickers}


class Clock:
    """The order book's clock, set by the test."""

    def __init__(self) -> None:
        self.now = utc_now()

    def at(self, moment: datetime) -> datetime:
        self.now = parse_iso(to_iso(moment))  # to the millisecond, as every stored instant
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    held = Clock()
    monkeypatch.setattr(order_book, "utc_now", lambda: held.now)
    yield held


@pytest.fixture
def flow(trading_aws: TradingAws, bus_type: str, clock: Clock) -> Iterator[OrderFlow]:
    reset_handlers()
    order_book.build.cache_clear()
    canceller.build.cache_clear()
    CustomerSeedStore(trading_aws.table).seed(SeedSpec(CUSTOMERS, FUNDS), to_iso(utc_now()))
    yield OrderFlow(trading_aws, bus_type)
    order_book.build.cache_clear()
    canceller.build.cache_clear()


def delete(order_id: str, handler: Any = canceller) -> tuple[int, dict[str, Any]]:
    """`DELETE /orders/{orderId}` as API Gateway's proxy integration delivers it."""
    event = api_event("DELETE", f"/orders/{order_id}", resource="/orders/{orderId}")
    event["pathParameters"] = {"orderId": order_id}
    response = handler.lambda_handler(event, lambda_context("order_canceller"))
    return response["statusCode"], json.loads(response["body"])


# ------------------------------------------------------------------------------------------------
# What the rules make of the orders sent


@dataclass
class Ledger:
    """Every child order the router accepted and the status the lifecycle's rules give it."""

    references: dict[str, Decimal]
    children: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    priced: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    """The market price and instant each child was sent to a pool with (the router's, or the book's)."""
    in_flight: set[str] = field(default_factory=set)
    """Sent to a pool, fill not delivered yet."""

    def accept(self, body: dict[str, Any]) -> None:
        for child in body["orders"]:
            order_id = child["orderId"]
            assert order_id not in self.children
            self.children[order_id] = child
            self.status[order_id] = child["status"]
            self.parents.setdefault(child["parentOrderId"], []).append(order_id)
            if child["status"] == "ACCEPTED":
                self.priced[order_id] = (Decimal(child["marketPrice"]), child["pricedAt"])
                self.in_flight.add(order_id)
            else:
                assert child["status"] == "OPEN" and child["pricedAt"] is None, child

    def delivered(self) -> None:
        """Every fill in flight arrived: those still live are FILLED, the others void."""
        for order_id in self.in_flight:
            if self.status[order_id] in LIVE:
                self.status[order_id] = "FILLED"
        self.in_flight.clear()

    def live(self, *, direction: str | None = None, tif: str | None = None) -> list[str]:
        return [
            order_id
            for order_id, status in self.status.items()
            if status in LIVE
            and direction in (None, self.children[order_id]["direction"])
            and tif in (None, self.children[order_id]["timeInForce"])
        ]

    def resting_parents(self) -> list[str]:
        return [p for p, ids in self.parents.items() if all(self.status[i] == "OPEN" for i in ids)]

    def cancel(self, order_id: str, read: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        """What `DELETE /orders/{order_id}` answers and does, by the rules; `read`: the statuses when the
        canceller read the order, if they moved before its write (the write's condition decides)."""
        ids = self.parents.get(order_id, [order_id])
        seen = self.status if read is None else read
        read_live = [i for i in ids if seen[i] in LIVE]
        not_cancelled = [{"orderId": i, "status": seen[i]} for i in ids if seen[i] not in LIVE]
        # those that moved on between the read and the write are reported after, by id
        not_cancelled += [
            {"orderId": i, "status": self.status[i]} for i in sorted(read_live) if self.status[i] not in LIVE
        ]
        live = [i for i in read_live if self.status[i] in LIVE]
        if not live:
            statuses = {entry["status"] for entry in not_cancelled}
            status = statuses.pop() if len(statuses) == 1 else "DONE"
            return 409, {
                "message": f"order {order_id} is {status}",
                "errors": [],
                "orderId": order_id,
                "status": status,
                "notCancelled": not_cancelled,
            }
        for i in live:
            self.status[i] = "CANCELLED"
        return 200, {
            "orderId": order_id,
            "cancelled": live,
            "released": {
                "funds": money_str(
                    sum((Decimal(self.children[i]["reservedAmount"]) for i in live if self.is_buy(i)), ZERO)
                ),
                "quantity": sum(self.children[i]["quantity"] for i in live if not self.is_buy(i)),
            },
            "notCancelled": not_cancelled,
        }

    def filled(self, order_ids: list[str]) -> None:
        """These fills arrived (the others in flight have not yet)."""
        for order_id in order_ids:
            assert order_id in self.in_flight
            if self.status[order_id] in LIVE:
                self.status[order_id] = "FILLED"
            self.in_flight.discard(order_id)

    def is_buy(self, order_id: str) -> bool:
        return bool(self.children[order_id]["direction"] == Direction.BUY.value)

    def market(self, ticker: str, at: datetime) -> Decimal:
        return walk_price(self.references[ticker], ticker, at)

    def after_move(self, at: datetime) -> list[str]:
        """The resting orders the price move (`MOVE`) makes marketable at `at`."""
        return [
            i
            for i in self.live()
            if self.status[i] == "OPEN"
            and (child := self.children[i])["ticker"] in MOVE
            and is_marketable(
                Direction(child["direction"]),
                None if child["price"] is None else Decimal(child["price"]),
                walk_price(cents(self.references[child["ticker"]] * MOVE[child["ticker"]]), child["ticker"], at),
            )
        ]

    def book_run(self, at: datetime, tickers: list[str] | None = None) -> tuple[list[str], list[str]]:
        """What a run of the order book at `at` expires and sends, by the rules (and does it)."""
        resting = [
            i
            for i in self.live()
            if self.status[i] == "OPEN" and (tickers is None or self.children[i]["ticker"] in tickers)
        ]
        expired = [
            i
            for i in resting
            if self.children[i]["timeInForce"] == "DAY" and parse_iso(self.children[i]["expiresAt"]) <= at
        ]
        sent = []
        for i in resting:
            child = self.children[i]
            market = self.market(child["ticker"], at)
            limit = None if child["price"] is None else Decimal(child["price"])
            if i not in expired and is_marketable(Direction(child["direction"]), limit, market):
                sent.append(i)
                self.priced[i] = (market, to_iso(at))
                self.in_flight.add(i)
        for i in expired:
            self.status[i] = "EXPIRED"
        return expired, sent


def run_book(flow: OrderFlow, clock: Clock, ledger: Ledger, at: datetime, tickers: list[str] | None = None) -> None:
    """One order-book invocation at `at`, logged with the flow's deliveries (so it is redelivered too);
    it must expire and send exactly what the rules say."""
    clock.at(at)
    expected_expired, expected_sent = ledger.book_run(clock.now, tickers)
    event = SCHEDULED_EVENT if tickers is None else market_data_update(tickers)
    flow.log.append(Delivery("order_book", event))
    result = invoke("order_book", event)
    assert (sorted(result["expired"]), sorted(result["sent"])) == (sorted(expected_expired), sorted(expected_sent))


def cancel(ledger: Ledger, order_id: str) -> None:
    assert delete(order_id) == ledger.cancel(order_id)


def cancel_racing(
    monkeypatch: pytest.MonkeyPatch, ledger: Ledger, order_id: str, between: Callable[[], None]
) -> tuple[int, dict[str, Any]]:
    """A cancel with `between` run after the canceller read the order and before it writes."""
    read = DynamoCancelStore.order
    seen: dict[str, str] = {}

    def read_then(self: DynamoCancelStore, wanted: str) -> Any:
        stored = read(self, wanted)
        seen.update(ledger.status)
        between()
        return stored

    with monkeypatch.context() as patch:
        patch.setattr(DynamoCancelStore, "order", read_then)
        answer = delete(order_id)
    assert seen, "the canceller did not read the order"
    expected = ledger.cancel(order_id, read=seen)
    assert answer == expected
    return answer


def deliver_bus_only_to(flow: OrderFlow, functions: set[str]) -> list[Delivery]:
    """Delivers what is on the bus (and what that publishes) to `functions` only; returns the
    deliveries held back (to the other functions), for the test to deliver later."""
    held: list[Delivery] = []
    while True:
        pending = []
        for source, detail_type, detail in flow.aws.bus.drain():
            for route in ORDER_FLOW_ROUTES:
                if route.selects(source, detail_type, detail):
                    event = bus_delivery(detail, flow.bus_type, source=source, detail_type=detail_type)
                    pending.append(Delivery(route.target, event))
        if not pending:
            return held
        for delivery in pending:
            if delivery.function in functions:
                flow.deliver(delivery)
            else:
                held.append(delivery)


def move_prices(aws: TradingAws, ledger: Ledger) -> None:
    for ticker, factor in MOVE.items():
        ledger.references[ticker] = store_quote(
            aws.market_data_table, ticker, str(cents(ledger.references[ticker] * factor))
        )


# ------------------------------------------------------------------------------------------------
# The stored state, checked against the rules


def stored_children(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {child["OrderId"]: child for child in order_store.stored_children(items)}


def stored_trades(items: list[dict[str, Any]]) -> list[Trade]:
    return trade_store.stored_trades(items)


def check_outcomes(aws: TradingAws, ledger: Ledger, customers: tuple[str, ...] = CUSTOMERS) -> None:
    table = aws.scan()  # one consistent read of everything: moto's scans are slow
    items = stored_children(table)
    assert {i: item["Status"] for i, item in items.items()} == ledger.status
    for item in items.values():  # only OPEN children are in the resting-orders index
        assert ("RestingTicker" in item) == (item["Status"] == "OPEN"), item

    trades = stored_trades(table)
    filled = sorted(i for i, status in ledger.status.items() if status == "FILLED")
    assert sorted(trade.order_id for trade in trades) == filled  # one per FILLED child, none for the others
    for trade in trades:
        child = ledger.children[trade.order_id]
        assert trade.trade_id == trade_id_for(trade.order_id)
        assert (trade.customer_id, trade.ticker, trade.direction.value, trade.quantity) == (
            child["customerId"],
            child["ticker"],
            child["direction"],
            child["quantity"],
        )
        assert (trade.price, trade.trade_date) == ledger.priced[trade.order_id]  # the price it was sent with
        if child["price"] is not None:  # never through the limit
            limit = Decimal(child["price"])
            assert trade.price <= limit if ledger.is_buy(trade.order_id) else trade.price >= limit
        assert trade.settlement_date is not None
        assert child["orderDate"] <= trade.trade_date <= trade.settlement_date

    for customer_id in customers:
        (record,) = [item for item in table if {"PK": item["PK"], "SK": item["SK"]} == keys.customer_key(customer_id)]
        own = [trade for trade in trades if trade.customer_id == customer_id]
        live_buys = [i for i in ledger.live(direction="Buy") if ledger.children[i]["customerId"] == customer_id]
        reserved = sum((Decimal(ledger.children[i]["reservedAmount"]) for i in live_buys), ZERO)
        assert record["ReservedFunds"] == reserved
        assert record["RemainingFunds"] == FUNDS + sum((trade.cash_flow for trade in own), ZERO)
        assert record["AvailableFunds"] == record["RemainingFunds"] - record["ReservedFunds"]
        assert record["NrTrades"] == len(own)
        assert record["TotalCommissionPaid"] == sum((trade.fee for trade in own), ZERO)

        positions = {
            item["SK"].removeprefix("TICKER#"): item
            for item in table
            if item["PK"] == f"CUST#{customer_id}" and item["SK"].startswith("TICKER#")
        }
        assert set(positions) == {trade.ticker for trade in own}
        for ticker, position in positions.items():
            mine = [trade for trade in own if trade.ticker == ticker]
            bought = [trade for trade in mine if trade.direction is Direction.BUY]
            sold = [trade for trade in mine if trade.direction is Direction.SELL]
            live_sells = [
                i
                for i in ledger.live(direction="Sell")
                if (ledger.children[i]["customerId"], ledger.children[i]["ticker"]) == (customer_id, ticker)
            ]
            quantity = sum(t.quantity for t in bought) - sum(t.quantity for t in sold)
            assert position["Quantity"] == quantity >= 0
            assert position["ReservedQuantity"] == sum(ledger.children[i]["quantity"] for i in live_sells)
            assert position["AvailableQuantity"] == quantity - position["ReservedQuantity"] >= 0
            # each sell takes its cost (notional - realized P&L) out of the basis
            assert position["CostBasis"] == (
                sum((t.notional for t in bought), ZERO)
                - sum((t.notional for t in sold), ZERO)
                + position["RealizedPnl"]
            )
            assert position["CostBasis"] >= 0 and (quantity > 0 or position["CostBasis"] == 0)
        assert record["RealizedPnl"] == sum((p["RealizedPnl"] for p in positions.values()), ZERO)

        entries = [item for item in table if item["PK"] == f"CUST#{customer_id}" and item["SK"].startswith("LEDGER#")]
        assert record["TotalDeposits"] == sum((e["Amount"] for e in entries if e["Kind"] == "DEPOSIT"), ZERO) == FUNDS
        assert record["TotalWithdrawals"] == 0
        at_cost = sum((p["CostBasis"] for p in positions.values()), ZERO)
        assert record["RemainingFunds"] + at_cost == (
            record["TotalDeposits"] - record["TotalWithdrawals"] - record["TotalCommissionPaid"] + record["RealizedPnl"]
        )


# ------------------------------------------------------------------------------------------------
# The workload


def limit_at(ledger: Ledger, ticker: str, factor: str) -> str:
    """A limit `factor` times the market now (the walk moves 0.1 % a minute: 1.5 / 0.5 stay
    marketable / resting for days, 0.85 and 1.15 until the price move)."""
    return str(cents(ledger.market(ticker, utc_now()) * Decimal(factor)))


def buys(rng: random.Random, ledger: Ledger) -> list[dict[str, Any]]:
    kinds = ["market"] * 2 + ["marketable"] * 4 + ["resting"] * 5 + ["near"] * 3
    orders = []
    for n, kind in enumerate(kinds):
        ticker = TICKERS[n % len(TICKERS)] if kind != "near" else FALLING[n % len(FALLING)]
        order: dict[str, Any] = {
            "customerId": rng.choice(CUSTOMERS),
            "direction": "Buy",
            "ticker": ticker,
            "type": "Market" if kind == "market" else "Limit",
            "quantity": rng.randint(1, 2200),
        }
        if kind != "market":
            order["price"] = limit_at(ledger, ticker, {"marketable": "1.5", "resting": "0.5", "near": "0.85"}[kind])
        if kind in ("resting", "near"):
            order["timeInForce"] = "GTC" if n % 2 else "DAY"
        orders.append(order)
    rng.shuffle(orders)
    return orders


def sells(rng: random.Random, ledger: Ledger, trades: list[Trade]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per holding: a marketable sell of a third, a resting one of a quarter (a rising ticker: one more,
    near the market); and one sell of more than is left, to be refused."""
    held: dict[tuple[str, str], int] = defaultdict(int)
    for trade in trades:
        held[(trade.customer_id, trade.ticker)] += trade.quantity
    orders: list[dict[str, Any]] = []
    for n, ((customer, ticker), quantity) in enumerate(sorted(held.items())):
        base = {"customerId": customer, "direction": "Sell", "ticker": ticker}
        parts = [("marketable", max(quantity // 3, 1)), ("resting", quantity // 4)]
        if ticker in RISING:
            parts.append(("near", quantity // 4))
        for kind, part in parts:
            if part < 1:
                continue
            order = {**base, "quantity": part, "type": "Limit"}
            if kind == "marketable" and rng.random() < 0.5:
                order["type"] = "Market"
            else:
                order["price"] = limit_at(ledger, ticker, {"marketable": "0.5", "resting": "2", "near": "1.15"}[kind])
            if kind != "marketable":
                order["timeInForce"] = "GTC" if (n + len(orders)) % 2 else "DAY"
            orders.append(order)
    (customer, ticker), quantity = max(held.items(), key=lambda entry: entry[1])
    excess = {"customerId": customer, "direction": "Sell", "ticker": ticker, "type": "Market", "quantity": quantity}
    return orders, excess


def post(flow: OrderFlow, ledger: Ledger, orders: list[dict[str, Any]]) -> dict[str, Any]:
    status, body = flow.post_orders(orders)
    assert status == 200, body
    ledger.accept(body)
    return body


# ------------------------------------------------------------------------------------------------
# 1. Double delivery with cancels, expiries and resting orders


def test_delivering_everything_twice_with_cancels_expiries_and_resting_orders_changes_nothing(
    flow: OrderFlow, clock: Clock
) -> None:
    rng = random.Random(20260302)
    references = {
        ticker: store_quote(flow.aws.market_data_table, ticker, str(synthetic_price(ticker))) for ticker in TICKERS
    }
    ledger = Ledger(references=dict(references))

    body = post(flow, ledger, buys(rng, ledger))
    assert body["invalidOrders"] == []
    # A marketable parent cancelled before the pools got it: its fills will be void.
    accepted_parents = [p for p, ids in ledger.parents.items() if ledger.status[ids[0]] == "ACCEPTED"]
    cancel(ledger, accepted_parents[-1])
    flow.run_until_idle()
    ledger.delivered()

    sell_orders, excess = sells(rng, ledger, stored_trades(flow.aws.scan()))
    body = post(flow, ledger, [*sell_orders, excess])
    assert [(refused["order"], refused["reason"].split(":")[0]) for refused in body["invalidOrders"]] == [
        (excess, "insufficient position")
    ]
    flow.run_until_idle()
    ledger.delivered()
    assert {"OPEN", "FILLED", "CANCELLED"} <= set(ledger.status.values())
    check_outcomes(flow.aws, ledger)

    # Cancels: a child of a resting parent, then that parent (its other children); whole resting
    # parents; resting sells; a filled child (409) and a cancelled one again (409).
    resting = ledger.resting_parents()
    near = set(ledger.after_move(utc_now()))  # left for the price move to fill
    split = next(p for p in resting if len(ledger.parents[p]) > 1 and not near & set(ledger.parents[p]))
    cancel(ledger, ledger.parents[split][0])
    others = [p for p in resting if p != split and not near & set(ledger.parents[p])]
    for parent in [split, *rng.sample(others, k=len(others) // 3)]:
        cancel(ledger, parent)
    cancel(ledger, next(i for i, status in ledger.status.items() if status == "FILLED"))
    cancel(ledger, ledger.parents[split][0])
    cancel(ledger, split)

    # The price move: the book sends the near orders; one of them is cancelled before its fill arrives.
    move_prices(flow.aws, ledger)
    moved_at = utc_now()
    run_book(flow, clock, ledger, moved_at, sorted(MOVE))
    assert ledger.in_flight == near, "the price move must make the near orders marketable"
    mixed = max(ledger.parents, key=lambda p: (len(near & set(ledger.parents[p])), p))
    assert len(near & set(ledger.parents[mixed])) > 1
    in_flight = ledger.parents[mixed][0]
    cancel(ledger, in_flight)
    flow.run_until_idle()
    ledger.delivered()
    assert ledger.status[in_flight] == "CANCELLED"
    cancel(ledger, mixed)  # 409: its children are FILLED and CANCELLED
    check_outcomes(flow.aws, ledger)

    # The close: the book, its clock at the DAY orders' expiry, expires them and sends nothing.
    day = ledger.live(tif="DAY")
    gtc = ledger.live(tif="GTC")
    assert day and gtc
    close = max(parse_iso(ledger.children[i]["expiresAt"]) for i in day)
    run_book(flow, clock, ledger, close)
    assert not ledger.in_flight  # nothing is marketable then (no fill dated after the test's now)
    assert {ledger.status[i] for i in day} == {"EXPIRED"} and {ledger.status[i] for i in gtc} == {"OPEN"}
    flow.run_until_idle()
    check_outcomes(flow.aws, ledger)
    assert set(ledger.status.values()) == {"OPEN", "FILLED", "CANCELLED", "EXPIRED"}
    once = (table_content(flow.aws), bucket_content(flow.aws))

    flow.redeliver_everything()  # every bus event, stream batch, S3 notification and book run again
    run_book(flow, clock, ledger, close)
    run_book(flow, clock, ledger, moved_at, sorted(MOVE))
    assert not ledger.in_flight
    flow.run_until_idle()

    assert table_content(flow.aws) == once[0]
    assert bucket_content(flow.aws) == once[1]
    check_outcomes(flow.aws, ledger)


# ------------------------------------------------------------------------------------------------
# 2. A cancel racing a fill, in interleavings the test controls


def near_orders(ledger: Ledger, customer: str, held_msft: int) -> list[dict[str, Any]]:
    """Resting orders the price move makes marketable: buys of AAPL (dark pool) and COIN (lit pool),
    a sell of MSFT (dark pool) out of `held_msft`."""
    return [
        {"customerId": customer, "direction": "Buy", "ticker": "AAPL", "type": "Limit", "quantity": 2500,
         "price": limit_at(ledger, "AAPL", "0.85"), "timeInForce": "GTC"},
        {"customerId": customer, "direction": "Buy", "ticker": "COIN", "type": "Limit", "quantity": 1500,
         "price": limit_at(ledger, "COIN", "0.85")},
        {"customerId": customer, "direction": "Sell", "ticker": "MSFT", "type": "Limit", "quantity": held_msft,
         "price": limit_at(ledger, "MSFT", "1.15")},
    ]  # fmt: skip


def holdings(flow: OrderFlow, ledger: Ledger, customer: str, ticker: str, quantity: int) -> None:
    post(flow, ledger, [{"customerId": customer, "direction": "Buy", "ticker": ticker, "type": "Market",
                         "quantity": quantity}])  # fmt: skip
    flow.run_until_idle()
    ledger.delivered()


def references_of(aws: TradingAws) -> dict[str, Decimal]:
    return {ticker: store_quote(aws.market_data_table, ticker, str(synthetic_price(ticker))) for ticker in TICKERS}


def test_a_cancel_racing_a_fill_gives_one_outcome_in_every_interleaving(
    flow: OrderFlow, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger(references=references_of(flow.aws))
    holdings(flow, ledger, "000001", "MSFT", 1800)
    post(flow, ledger, near_orders(ledger, "000001", 1200))
    move_prices(flow.aws, ledger)
    run_book(flow, clock, ledger, utc_now(), sorted(MOVE))
    aapl, coin, msft = (ledger.parents[p] for p in list(ledger.parents)[1:])
    assert ledger.in_flight == {*aapl, *coin, *msft}

    # the book sent it, the cancel comes first: released, and its fill (delivered next) is void
    cancel(ledger, aapl[0])

    # the fills settle between the cancel's read and its write: 409 FILLED, nothing released
    def every_fill_settles() -> None:
        flow.run_until_idle()
        ledger.delivered()

    assert cancel_racing(monkeypatch, ledger, coin[0], every_fill_settles)[0] == 409
    assert cancel_racing(monkeypatch, ledger, msft[0], lambda: None)[0] == 409  # settled, a plain 409
    assert ledger.status[aapl[0]] == "CANCELLED" and ledger.status[coin[0]] == "FILLED"
    check_outcomes(flow.aws, ledger)

    # Part of a parent fills between the read and the write: marketable buys of a dark-pool ticker,
    # whose dark-pool matches settle while the lit pool has not filled the rest yet. The cancel ends
    # the rest (released; their lit fills, delivered after, are void) and reports the matched FILLED.
    parents = [
        post(flow, ledger, [{"customerId": "000002", "direction": "Buy", "ticker": "AAPL", "type": "Limit",
                             "quantity": 4500, "price": limit_at(ledger, "AAPL", "1.5")}])["orders"]
        for _ in range(2)
    ]  # fmt: skip
    matched = {
        order.order_id for order in match_dark([ChildOrder.from_wire(c) for p in parents for c in p], DARK).trades
    }
    racing = max(
        parents, key=lambda p: min(sum(c["orderId"] in matched for c in p), sum(c["orderId"] not in matched for c in p))
    )
    held_back: list[Delivery] = []

    def dark_pool_fills_settle() -> None:
        held_back.extend(deliver_bus_only_to(flow, {"dark_pool", "post_trade"}))
        ledger.filled(sorted(matched))

    code, body = cancel_racing(monkeypatch, ledger, racing[0]["parentOrderId"], dark_pool_fills_settle)
    assert {entry["orderId"] for entry in body["notCancelled"]} == matched & {c["orderId"] for c in racing}
    assert {delivery.function for delivery in held_back} <= {"lit_pool"}
    for delivery in held_back:
        flow.deliver(delivery)
    flow.run_until_idle()
    ledger.delivered()
    check_outcomes(flow.aws, ledger)
    assert {c["orderId"]: ledger.status[c["orderId"]] for c in racing} == {
        c["orderId"]: "FILLED" if c["orderId"] in matched else "CANCELLED" for c in racing
    }
    assert code == (200 if {c["orderId"] for c in racing} - matched else 409)


# ------------------------------------------------------------------------------------------------
# 3. Cancels racing the book and the fills, in threads


def test_cancels_racing_the_book_and_its_fills_in_threads_give_one_outcome_per_child(
    flow: OrderFlow, clock: Clock
) -> None:
    ledger = Ledger(references=references_of(flow.aws))
    holdings(flow, ledger, "000003", "MSFT", 2400)
    for customer in ("000001", "000002"):
        post(flow, ledger, near_orders(ledger, customer, 0)[:2])
    post(flow, ledger, near_orders(ledger, "000003", 2000))
    racing = sorted(ledger.live())
    move_prices(flow.aws, ledger)
    clock.at(utc_now())
    answers: list[tuple[str, int, dict[str, Any]]] = []
    book: list[dict[str, Any]] = []
    start = threading.Barrier(2)
    published = threading.Event()

    def settle() -> None:  # the order book's run on MarketDataUpdate and every delivery it causes
        start.wait()
        event = market_data_update(sorted(MOVE))
        flow.log.append(Delivery("order_book", event))
        book.append(invoke("order_book", event))
        published.set()
        flow.run_until_idle()

    def cancel_all() -> None:  # a client cancelling a parent as the book runs, then each child as they fill
        start.wait()
        parent = ledger.children[racing[0]]["parentOrderId"]
        answers.append((parent, *delete(parent)))
        published.wait()
        for order_id in reversed(racing):
            time.sleep(0.03)  # let the deliveries get on: some cancels come first, some fills
            answers.append((order_id, *delete(order_id)))

    with serialized_dynamodb():
        threads = [threading.Thread(target=settle), threading.Thread(target=cancel_all)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert book and len(answers) == len(racing) + 1

    # Each child has the one outcome its cancel answered: cancelled (released) or filled (traded).
    cancelled = [i for _, code, body in answers if code == 200 for i in body["cancelled"]]
    refused = {entry["orderId"]: entry["status"] for _, code, body in answers for entry in body.get("notCancelled", [])}
    assert len(cancelled) == len(set(cancelled))  # released once
    assert set(racing) <= set(cancelled) | set(book[0]["sent"])  # every child was either cancelled or sent
    for order_id in racing:
        ledger.status[order_id] = "CANCELLED" if order_id in cancelled else "FILLED"
        if order_id in book[0]["sent"]:
            ledger.priced[order_id] = (ledger.market(ledger.children[order_id]["ticker"], clock.now), to_iso(clock.now))
    for order_id, status in refused.items():  # a 409 (or a parent's report) names the outcome it lost to
        assert status == ledger.status[order_id], (order_id, status)
    for order_id, code, body in answers:
        if order_id in racing:
            assert code == (200 if order_id in cancelled and body.get("cancelled") == [order_id] else 409), body
            if code == 200:
                assert body["released"] == ledger_released(ledger, [order_id])
    check_outcomes(flow.aws, ledger)


def ledger_released(ledger: Ledger, order_ids: list[str]) -> dict[str, Any]:
    return {
        "funds": money_str(
            sum((Decimal(ledger.children[i]["reservedAmount"]) for i in order_ids if ledger.is_buy(i)), ZERO)
        ),
        "quantity": sum(ledger.children[i]["quantity"] for i in order_ids if not ledger.is_buy(i)),
    }
