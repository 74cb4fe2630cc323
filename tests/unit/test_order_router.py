"""The order router without AWS: market prices, ticker lookup, reservation, routing and compensation
over fakes."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.seed import SEED_ORDER
from trading_core.bus.events import BusEvent
from trading_core.bus.publishers import PublishError
from trading_core.common.clock import to_iso
from trading_core.contracts import MAX_CHILDREN_PER_ORDER
from trading_core.market.price import MarketPrices, PriceUnavailable
from trading_core.market.walk import walk_price
from trading_core.market_data.requests import MarketDataRequest
from trading_core.model.child_order import LIVE_STATUSES, ChildOrder
from trading_core.orders.funds import FundsUnavailable, InsufficientFunds, ReservationOutcome, Reserved, UnknownCustomer
from trading_core.orders.plan import PlannedOrder, RouterConfig
from trading_core.orders.request import (
    InvalidRequest,
    parse_body,
)
from trading_core.orders.router import UNKNOWN_TICKER, OrderRouter
from trading_core.orders.ticker_lookup import LookupResult
from trading_core.pools.pricing import protection_price

CONFIG = RouterConfig(
    split_size=1000,
    dark_pool_tickers=frozenset({"AAPL"}),
    venue_fees={"NYSE": Decimal("0.0000036"), "EBS": Decimal("0.0000090")},
)
NOW = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
# Stored reference prices (quote or latest close) of the tickers the tests trade.
REFERENCES = {"COIN": Decimal("40.79"), "AAPL": Decimal("79.79"), "MSFT": Decimal("100.00"), "IBM": Decimal("50.00")}


def market(ticker: str, references: dict[str, Decimal] = REFERENCES) -> Decimal:
    """The market price the router must use: the reference walked to the request's instant."""
    return walk_price(references[ticker], ticker, NOW)


class FakeReferences:
    """The MarketData table's reference prices; `fail` makes the read raise as boto3 would."""

    def __init__(self, prices: dict[str, Decimal] | None = None) -> None:
        self.prices = dict(REFERENCES if prices is None else prices)
        self.calls: list[list[str]] = []
        self.consistent: list[bool] = []
        self.fail = False

    def __call__(self, tickers: list[str], *, consistent: bool = False) -> dict[str, Decimal]:
        self.calls.append(list(tickers))
        self.consistent.append(consistent)
        if self.fail:
            raise EndpointConnectionError(endpoint_url="https://dynamodb")
        return {ticker: self.prices[ticker] for ticker in tickers if ticker in self.prices}


class FakeLookup:
    """The quote-summary function: stores the quote of each ticker the provider knows."""

    def __init__(self, references: FakeReferences, provider: dict[str, Decimal] | None = None) -> None:
        self.references = references
        self.provider = provider or {}
        self.calls: list[list[str]] = []
        self.fail = False
        self.silent: set[str] = set()

    def lookup(self, tickers: Sequence[str]) -> LookupResult:
        self.calls.append(list(tickers))
        if self.fail:
            raise PriceUnavailable("the quote-summary function timed out")
        found = {ticker for ticker in tickers if ticker in self.provider}
        for ticker in found:
            self.references.prices[ticker] = self.provider[ticker]
        not_found = {ticker for ticker in tickers if ticker not in found and ticker not in self.silent}
        return LookupResult(found=frozenset(found), not_found=frozenset(not_found))


class FakeFunds:
    """In-memory funds with the store's semantics: all-or-nothing reservation, children written ACCEPTED
    (priced) or OPEN (resting), release of live children only."""

    def __init__(self, **customers: str) -> None:
        self.available = {customer: Decimal(funds) for customer, funds in customers.items()}
        self.reserved: dict[str, Decimal] = defaultdict(Decimal)
        self.status: dict[str, str] = {}
        self.reserve_calls = 0
        self.release_calls: list[list[str]] = []
        self.fail_reserve = False
        self.fail_release = False
        self.plans: list[PlannedOrder] = []
        self.kept: list[dict[str, Any]] = []
        self.keep_calls = 0
        self.fail_keep = False

    def reserve(self, plan: PlannedOrder, now: str, *, defer: bool = False) -> ReservationOutcome:
        self.reserve_calls += 1
        if self.fail_reserve:
            raise FundsUnavailable("throttled")
        customer = plan.request.customer_id
        if customer not in self.available:
            return UnknownCustomer(customer)
        need = plan.reservation
        if self.available[customer] < need:
            return InsufficientFunds(required=need, available=self.available[customer])
        self.available[customer] -= need
        self.reserved[customer] += need
        self.status.update({child.order_id: child.initial_status for child in plan.children})
        self.plans.append(plan)
        return Reserved(need)

    def reserve_all(
        self, plans: Sequence[PlannedOrder], now: str, *, defer: bool = False
    ) -> list[ReservationOutcome | FundsUnavailable]:
        outcomes: list[ReservationOutcome | FundsUnavailable] = []
        for plan in plans:
            try:
                outcomes.append(self.reserve(plan, now, defer=defer))
            except FundsUnavailable as error:
                outcomes.append(error)
        return outcomes

    def place_deferred(self) -> set[str]:
        return set()

    def release(self, children: Sequence[ChildOrder], now: str, reason: str) -> list[ChildOrder]:
        self.release_calls.append([child.order_id for child in children])
        if self.fail_release:
            raise FundsUnavailable("down")
        released = [child for child in children if self.status[child.order_id] in LIVE_STATUSES]
        for child in released:
            self.status[child.order_id] = "REJECTED"
            self.available[child.customer_id] += child.reserved_amount
            self.reserved[child.customer_id] -= child.reserved_amount
        return released

    def keep_refused(self, items: Sequence[dict[str, Any]]) -> None:
        self.keep_calls += 1
        if self.fail_keep:
            raise FundsUnavailable("down")
        self.kept.extend(items)


class FakePublisher:
    def __init__(self, fail_calls: set[int] | None = None) -> None:
        self.calls: list[list[BusEvent]] = []
        self.fail_calls = fail_calls or set()

    def publish(self, events: list[BusEvent]) -> None:
        self.calls.append(events)
        if len(self.calls) - 1 in self.fail_calls:
            raise PublishError("bus down")

    @property
    def events(self) -> list[BusEvent]:
        return [event for call in self.calls for event in call]


class FakeMarketData:
    """Records the tickers of each request; `fail` makes it answer as the real requester does on failure."""

    def __init__(self, publisher: FakePublisher | None = None) -> None:
        self.requests: list[list[str]] = []
        self.publish_calls_before: list[int] = []
        self.fail = False
        self._publisher = publisher

    def request(self, tickers: Any) -> MarketDataRequest:
        self.requests.append(list(tickers))
        self.publish_calls_before.append(len(self._publisher.calls) if self._publisher else 0)
        if self.fail:
            return MarketDataRequest(tickers=tuple(self.requests[-1]), failed=True)
        return MarketDataRequest(mode="EventBridge", tickers=tuple(dict.fromkeys(self.requests[-1])))


def intake(
    funds: FakeFunds,
    publisher: FakePublisher,
    config: RouterConfig = CONFIG,
    *,
    market_data: FakeMarketData | None = None,
    references: FakeReferences | None = None,
    lookup: FakeLookup | None = None,
) -> OrderRouter:
    counter = itertools.count()
    references = references or FakeReferences()
    return OrderRouter(
        funds=funds,
        publisher=publisher,
        config=lambda: config,
        prices=MarketPrices(references),
        ticker_lookup=lookup or FakeLookup(references),
        clock=lambda: NOW,
        new_id=lambda: f"id-{next(counter):05d}-00",
        market_data=market_data,
    )


def submit(service: OrderRouter, *orders: dict[str, Any]) -> Any:
    return service.submit(parse_body(json.dumps(list(orders))))


# --- reservation, routing and compensation -------------------------------------------------------


def test_the_seed_order_is_one_reservation_and_one_publish_call() -> None:
    funds, publisher = FakeFunds(**{"000002": "2000000"}), FakePublisher()

    result = submit(intake(funds, publisher), SEED_ORDER)

    assert funds.reserve_calls == 1
    assert len(publisher.calls) == 1
    [event] = publisher.events
    assert (event.source, event.detail_type, event.detail["poolType"]) == ("SmartOrderRouter", "Orders", "Lit")
    assert [order["quantity"] for order in event.detail["orders"]] == [1000] * 8 + [614]
    assert len(result.routed) == 9 and result.invalid == []
    assert funds.reserved["000002"] == sum(child.reserved_amount for child in result.routed)
    # the limit of 161.90 is above the market: marketable, sent priced at the market of the instant
    assert market("COIN") < Decimal("161.90")
    assert {(order["marketPrice"], order["pricedAt"]) for order in event.detail["orders"]} == {
        (str(market("COIN")), to_iso(NOW))
    }
    assert {order["status"] for order in result.body()["orders"]} == {"ACCEPTED"}
    assert result.metrics() == {
        "OrdersReceived": 1,
        "ChildOrdersRouted": 9,
        "InvalidOrders": 0,
        "CreditChecks": 0,
        "RoutingFailures": 0,
        "RefusedOrdersKept": 0,
        "MarketDataTickersRequested": 0,
        "MarketDataRequestFailures": 0,
    }


def test_refusals_have_reasons_and_only_insufficient_funds_raise_a_credit_check() -> None:
    funds, publisher = FakeFunds(**{"000002": "2000000", "000003": "100.00"}), FakePublisher()

    result = submit(
        intake(funds, publisher),
        {**SEED_ORDER, "customerId": "000099"},
        {**SEED_ORDER, "customerId": "000003", "quantity": 1, "price": "100.01"},
        {**SEED_ORDER, "quantity": 100_000},
    )

    assert [(order.order["customerId"], order.reason) for order in result.invalid] == [
        ("000099", "unknown customer 000099"),
        ("000003", "insufficient funds: the order needs 100.01, available 100.00"),
        ("000002", "quantity 100000 exceeds the maximum of 98000 per order with split size 1000"),
    ]
    [event] = publisher.events
    assert event.detail["invalidOrders"] == "CreditCheck"
    [check] = event.detail["orders"]
    assert (check["customerId"], check["shortfall"], check["requiredFunds"]) == ("000003", "0.01", "100.01")
    assert check["orderId"].startswith("id-")
    assert not result.retryable
    assert funds.available["000003"] == Decimal("100.00")


def test_an_absurd_quantity_is_refused_without_splitting_it() -> None:
    config = RouterConfig(split_size=1, dark_pool_tickers=frozenset(), venue_fees={"X": Decimal(0)})

    result = submit(intake(FakeFunds(**{"000002": "1"}), FakePublisher(), config), {**SEED_ORDER, "quantity": 10**9})

    assert result.invalid[0].reason.startswith("quantity 1000000000 exceeds the maximum of 98 per order")


def test_a_store_that_cannot_decide_gives_a_retryable_reason_and_publishes_nothing() -> None:
    funds, publisher = FakeFunds(**{"000002": "2000000"}), FakePublisher()
    funds.fail_reserve = True

    result = submit(intake(funds, publisher), SEED_ORDER)

    assert [order.reason for order in result.invalid] == ["could not be processed, try again"]
    assert result.retryable
    assert publisher.calls == []


def test_a_publish_failure_releases_every_reservation() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher(fail_calls={0})

    result = submit(intake(funds, publisher), SEED_ORDER, {**SEED_ORDER, "ticker": "AAPL"})

    assert result.routed == []
    assert [order.reason for order in result.invalid] == ["could not be routed, try again"] * 2
    # Kept, not retryable with the key: a rerun would find them REJECTED; they are sent again as new orders.
    assert not result.retryable and result.routing_failures == 2
    assert funds.available["000002"] == Decimal("10000000") and funds.reserved["000002"] == 0
    assert set(funds.status.values()) == {"REJECTED"}


class FundsFilledBeforeRelease(FakeFunds):
    """A pool fills the first child of each release before the release reaches the store."""

    def release(self, children: Sequence[ChildOrder], now: str, reason: str) -> list[ChildOrder]:
        self.status[children[0].order_id] = "FILLED"
        return super().release(children, now, reason)


def test_children_a_pool_already_filled_stay_routed() -> None:
    funds, publisher = FundsFilledBeforeRelease(**{"000002": "10000000"}), FakePublisher(fail_calls={0})

    result = submit(intake(funds, publisher), SEED_ORDER)

    assert len(result.routed) == 1
    assert [order.reason for order in result.invalid] == ["partly routed: 7614 of 8614 could not be routed, try again"]
    assert funds.reserved["000002"] == result.routed[0].reserved_amount


def test_a_failed_release_is_reported_not_hidden() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher(fail_calls={0})
    funds.fail_release = True

    result = submit(intake(funds, publisher), SEED_ORDER)

    assert result.routed == []
    assert result.invalid[0].reason == "could not be routed and its funds stay reserved until reconciled"


@settings(max_examples=40, deadline=None)
@given(
    quantities=st.lists(st.integers(min_value=1, max_value=MAX_CHILDREN_PER_ORDER * 10), min_size=1, max_size=12),
    tickers=st.lists(st.sampled_from(["AAPL", "COIN"]), min_size=12, max_size=12),
    fail_call=st.integers(min_value=0, max_value=4),
)
def test_after_any_publish_failure_routed_children_are_exactly_the_reserved_ones(
    quantities: list[int], tickers: list[str], fail_call: int
) -> None:
    config = RouterConfig(split_size=10, dark_pool_tickers=frozenset({"AAPL"}), venue_fees={"X": Decimal("0.001")})
    funds, publisher = FakeFunds(**{"000002": "1000000000"}), FakePublisher(fail_calls={fail_call})
    orders = [{**SEED_ORDER, "quantity": q, "ticker": t} for q, t in zip(quantities, tickers, strict=False)]

    result = submit(intake(funds, publisher, config), *orders)

    published = {
        order["orderId"]
        for event in publisher.events[: 10 * min(fail_call, len(publisher.calls))]
        for order in event.detail["orders"]
    }
    assert {child.order_id for child in result.routed} == published
    assert funds.reserved["000002"] == sum((child.reserved_amount for child in result.routed), Decimal(0))
    assert funds.available["000002"] + funds.reserved["000002"] == Decimal("1000000000")
    rejected = [order_id for order_id, status in funds.status.items() if status == "REJECTED"]
    assert len(rejected) + len(result.routed) == sum(-(-q // 10) for q in quantities)
    assert len(result.invalid) == result.routing_failures
    assert all(len(call) <= 10 for call in publisher.calls)


def test_handle_refuses_bad_input_before_touching_anything() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()
    service = intake(funds, publisher)

    with pytest.raises(InvalidRequest) as bad:
        service.handle('{"quantity": 0}')
    with pytest.raises(InvalidRequest) as bad_key:
        service.handle(json.dumps(SEED_ORDER), idempotency_key="has space")
    good = service.handle(json.dumps(SEED_ORDER))

    assert bad.value.body()["message"] == "invalid order"
    assert bad_key.value.body()["errors"][0]["field"] == "Idempotency-Key"
    assert len(good.body["orders"]) == 9
    assert funds.reserve_calls == 1


# --- market data ---------------------------------------------------------------------------------


def test_market_data_is_requested_after_routing_for_the_routed_tickers_only() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000", "000003": "1.00"}), FakePublisher()
    market_data = FakeMarketData(publisher)

    result = submit(
        intake(funds, publisher, market_data=market_data),
        SEED_ORDER,
        {**SEED_ORDER, "ticker": "AAPL", "quantity": 10},
        {**SEED_ORDER, "ticker": "MSFT", "customerId": "000003"},  # refused: insufficient funds
        {**SEED_ORDER, "ticker": "IBM", "customerId": "000099"},  # refused: unknown customer
    )

    assert len(market_data.requests) == 1
    assert set(market_data.requests[0]) == {"COIN", "AAPL"}
    assert market_data.publish_calls_before == [1]  # the orders were on the bus first
    assert result.metrics()["MarketDataTickersRequested"] == 2


def test_no_routed_order_means_no_market_data_request() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher(fail_calls={0})
    market_data = FakeMarketData(publisher)

    submit(intake(funds, publisher, market_data=market_data), SEED_ORDER, {**SEED_ORDER, "customerId": "000099"})

    assert market_data.requests == []


def test_a_failed_market_data_request_changes_nothing_but_a_metric() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()
    market_data = FakeMarketData(publisher)
    market_data.fail = True
    without = submit(intake(FakeFunds(**{"000002": "10000000"}), FakePublisher()), SEED_ORDER)

    result = submit(intake(funds, publisher, market_data=market_data), SEED_ORDER)

    assert result.body() == without.body()
    assert not result.retryable
    assert result.metrics()["MarketDataRequestFailures"] == 1


def test_a_market_price_that_cannot_be_read_refuses_every_order_as_retryable() -> None:
    funds, publisher, references = FakeFunds(**{"000002": "10000000"}), FakePublisher(), FakeReferences()
    references.fail = True
    market_buy = {"customerId": "000002", "direction": "Buy", "ticker": "COIN", "type": "Market", "quantity": 5}

    result = submit(intake(funds, publisher, references=references), market_buy, SEED_ORDER)

    # never a made-up price: a limit order needs the market price as much as a market order
    assert [(order.order["ticker"], order.reason) for order in result.invalid] == [
        ("COIN", "could not be processed, try again")
    ] * 2
    assert result.retryable
    assert result.routed == [] and publisher.calls == [] and funds.reserve_calls == 0


# --- market prices, ticker lookup, resting orders --------------------------------------------------


def test_a_market_buy_reserves_at_the_protection_price_of_the_market_at_its_instant() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()
    market_buy = {"customerId": "000002", "direction": "Buy", "ticker": "COIN", "type": "Market", "quantity": 5}

    [child] = submit(intake(funds, publisher), market_buy).routed

    assert child.market_price == market("COIN") and child.priced_at == to_iso(NOW)
    assert child.protection_price == protection_price(market("COIN"))
    [event] = publisher.events
    assert event.detail["orders"][0]["protectionPrice"] == str(protection_price(market("COIN")))


def test_every_order_of_a_ticker_in_a_request_gets_the_same_market_price_from_one_read() -> None:
    funds, publisher, references = FakeFunds(**{"000002": "10000000"}), FakePublisher(), FakeReferences()

    result = submit(
        intake(funds, publisher, references=references),
        SEED_ORDER,
        {**SEED_ORDER, "quantity": 5, "price": "150.00"},
        {**SEED_ORDER, "ticker": "AAPL", "quantity": 5, "price": "1000.00"},
    )

    assert {(child.ticker, child.market_price) for child in result.routed} == {
        ("COIN", market("COIN")),
        ("AAPL", market("AAPL")),
    }
    assert references.calls == [["AAPL", "COIN"]]


@pytest.mark.parametrize(
    ("direction", "kind", "limit", "marketable"),
    [
        ("Buy", "Limit", lambda m: m, True),
        ("Buy", "Limit", lambda m: m + Decimal("0.01"), True),
        ("Buy", "Limit", lambda m: m - Decimal("0.01"), False),
        ("Sell", "Limit", lambda m: m, True),
        ("Sell", "Limit", lambda m: m - Decimal("0.01"), True),
        ("Sell", "Limit", lambda m: m + Decimal("0.01"), False),
        ("Buy", "Market", None, True),
        ("Sell", "Market", None, True),
    ],
)
def test_marketable_orders_go_to_a_pool_and_the_others_rest_open(
    direction: str, kind: str, limit: Any, marketable: bool
) -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()
    order: dict[str, Any] = {"customerId": "000002", "direction": direction, "ticker": "COIN", "type": kind}
    order["quantity"] = 1500
    if limit is not None:
        order["price"] = str(limit(market("COIN")))

    result = submit(intake(funds, publisher), order)

    assert result.invalid == [] and len(result.routed) == 2
    wire = result.body()["orders"]
    if marketable:
        [event] = publisher.events
        assert [o["orderId"] for o in event.detail["orders"]] == [child.order_id for child in result.routed]
        assert {(o["status"], o["marketPrice"], o["pricedAt"]) for o in wire} == {
            ("ACCEPTED", str(market("COIN")), to_iso(NOW))
        }
    else:
        assert publisher.calls == []  # resting children wait in the order book
        assert {(o["status"], o["marketPrice"], o["pricedAt"]) for o in wire} == {("OPEN", None, None)}
    assert set(funds.status.values()) == {"ACCEPTED" if marketable else "OPEN"}
    if direction == "Buy":  # reserved either way
        assert funds.reserved["000002"] == sum(child.reserved_amount for child in result.routed) > 0
    assert {o["expiresAt"] for o in wire} == {"2026-01-02T21:00:00.000Z"}


def test_the_issue_s_limit_buy_far_below_the_market_rests_and_publishes_only_the_marketable_one() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()
    below = {**SEED_ORDER, "ticker": "AAPL", "price": "1.00", "quantity": 10, "timeInForce": "GTC"}

    result = submit(intake(funds, publisher), below, SEED_ORDER)

    assert result.invalid == []
    resting = [child for child in result.routed if child.ticker == "AAPL"]
    assert [(child.initial_status, child.expires_at) for child in resting] == [("OPEN", None)]
    published = [order["orderId"] for event in publisher.events for order in event.detail["orders"]]
    assert published == [child.order_id for child in result.routed if child.ticker == "COIN"]
    assert len(published) == 9


def test_a_ticker_without_market_data_is_looked_up_once_then_priced_like_any_other() -> None:
    references = FakeReferences()
    lookup = FakeLookup(references, provider={"KO": Decimal("62.15")})
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()
    router = intake(funds, publisher, references=references, lookup=lookup)
    ko = {**SEED_ORDER, "ticker": "KO", "quantity": 10, "price": "100.00"}

    first = submit(router, ko, SEED_ORDER)
    second = submit(router, ko)

    assert lookup.calls == [["KO"]]  # only the missing ticker, and only the first time
    # The quote the lookup just stored is read consistently: an eventually consistent read could miss it.
    assert list(zip(references.calls, references.consistent, strict=True)) == [(["COIN", "KO"], False), (["KO"], True)]
    assert first.invalid == [] and second.invalid == []
    expected = walk_price(Decimal("62.15"), "KO", NOW)
    assert {(child.market_price, child.initial_status) for child in first.routed if child.ticker == "KO"} == {
        (expected, "ACCEPTED")
    }
    assert [child.market_price for child in second.routed] == [expected]


def test_a_ticker_the_provider_does_not_know_is_refused_as_unknown_ticker() -> None:
    references = FakeReferences()
    lookup = FakeLookup(references)
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()
    unknown = {**SEED_ORDER, "ticker": "NOTAREALTICKER", "quantity": 10}
    market_sell = {**unknown, "direction": "Sell", "type": "Market", "price": None}
    del market_sell["price"]

    result = submit(intake(funds, publisher, references=references, lookup=lookup), unknown, market_sell, SEED_ORDER)

    assert lookup.calls == [["NOTAREALTICKER"]]
    assert [(order.order, order.reason) for order in result.invalid] == [
        (unknown, UNKNOWN_TICKER),
        (market_sell, UNKNOWN_TICKER),
    ]
    assert UNKNOWN_TICKER == "unknown ticker"
    assert not result.retryable  # a client must not retry it
    assert {child.ticker for child in result.routed} == {"COIN"}
    assert [plan.request.ticker for plan in funds.plans] == ["COIN"]  # nothing reserved for the unknown ones
    assert all(order["ticker"] == "COIN" for event in publisher.events for order in event.detail["orders"])


def test_a_failed_lookup_refuses_only_the_orders_of_the_tickers_it_was_for() -> None:
    references = FakeReferences()
    lookup = FakeLookup(references)
    lookup.fail = True
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()

    result = submit(
        intake(funds, publisher, references=references, lookup=lookup), {**SEED_ORDER, "ticker": "KO"}, SEED_ORDER
    )

    assert [(order.order["ticker"], order.reason, order.retryable) for order in result.invalid] == [
        ("KO", "could not be processed, try again", True)
    ]
    assert {child.ticker for child in result.routed} == {"COIN"} and publisher.calls


def test_a_lookup_that_neither_finds_nor_refuses_a_ticker_is_retryable() -> None:
    references = FakeReferences()
    lookup = FakeLookup(references)
    lookup.silent = {"KO"}
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()

    result = submit(
        intake(funds, publisher, references=references, lookup=lookup), {**SEED_ORDER, "ticker": "KO"}, SEED_ORDER
    )

    assert [(order.order["ticker"], order.reason, order.retryable) for order in result.invalid] == [
        ("KO", "could not be processed, try again", True)
    ]
    assert {child.ticker for child in result.routed} == {"COIN"}


def test_the_market_price_moves_with_the_clock_and_every_order_of_that_instant_shares_it() -> None:
    funds, publisher = FakeFunds(**{"000002": "10000000"}), FakePublisher()
    references = FakeReferences()
    moments = [NOW.replace(minute=m) for m in (0, 0, 1, 2, 30)]
    clock = iter(moments)
    counter = itertools.count()
    router = OrderRouter(
        funds=funds,
        publisher=publisher,
        config=lambda: CONFIG,
        prices=MarketPrices(references),
        ticker_lookup=FakeLookup(references),
        clock=lambda: next(clock),
        new_id=lambda: f"id-{next(counter):05d}-00",
    )

    prices = [submit(router, {**SEED_ORDER, "quantity": 1}).routed[0].market_price for _ in moments]

    assert prices == [walk_price(REFERENCES["COIN"], "COIN", moment) for moment in moments]
    assert prices[0] == prices[1]
    assert len(set(prices)) > 1
