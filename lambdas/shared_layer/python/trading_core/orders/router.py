"""The smart order router's request path behind `POST /orders` (docs/architecture.md §2 "Router").

The orders are planned first, then reserved (`orders.funds_store`: one UpdateItem per order, or per customer
or position for the orders of a request without a key, then their ORDER items); the children of the whole
request are published in as few PutEvents/PublishBatch calls as possible. Children whose events cannot be
published get their reservation back (a compensating transaction) and are reported as invalid, so nothing
is lost and nothing stays reserved.

Refused orders are kept as REFUSED parent ORDER items (`orders.refusals`), written together once the
accepted ones are on their way; each `invalidOrders` entry names its `orderId` (None when nothing is kept:
a transient failure).

Then the tickers of the routed children go to the market-data requester, which asks the market-data
workflows for the stale ones (`market_data.requests`); its failures never touch the orders.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Protocol

from trading_core.bus.events import MAX_ENTRIES_PER_CALL, Publisher, chunk_events
from trading_core.common.clock import Clock, to_iso, utc_now
from trading_core.common.ids import new_order_id
from trading_core.common.money import cents_up, money_str
from trading_core.contracts import (
    CREDIT_CHECK,
    INVALID_ORDERS_FIELD,
    INVALID_ORDERS_METRIC,
    ORDER_ID_ATTRIBUTE,
    ORDERS_DETAIL_TYPE,
    ORDERS_RECEIVED_METRIC,
    POOL_TYPE_FIELD,
    ROUTER_SOURCE,
)
from trading_core.market.price import MarketPrices, PriceUnavailable
from trading_core.market_data.requests import MarketDataRequest, MarketDataRequests
from trading_core.model.child_order import ChildOrder
from trading_core.orders.funds import (
    AlreadyPlaced,
    FundsStore,
    FundsUnavailable,
    InsufficientFunds,
    InsufficientPosition,
    Reserved,
    UnknownCustomer,
    UnreadableCustomer,
)
from trading_core.orders.placed import stored_order
from trading_core.orders.plan import (
    OrderTooLarge,
    PlannedOrder,
    RouterConfig,
    check_size,
    plan_order,
    pool_order_events,
    route,
)
from trading_core.orders.refusals import keyed_order_id, refused_item
from trading_core.orders.request import SubmittedOrder, check_idempotency_key, parse_body
from trading_core.orders.ticker_lookup import TickerLookup

logger = logging.getLogger(__name__)

RETRY_PROCESSING: Final = "could not be processed, try again"
RETRY_ROUTING: Final = "could not be routed, try again"
UNKNOWN_TICKER: Final = "unknown ticker"


@dataclass(frozen=True)
class Answer:
    """What a request gets back when it was not refused: the response body and its metrics."""

    body: dict[str, Any]
    metrics: dict[str, int] = field(default_factory=dict)


def credit_check_wire(plan: PlannedOrder, refusal: InsufficientFunds, order_date: str, order_id: str) -> dict[str, Any]:
    """One order of a CreditCheck event: the parent order as sent plus what it lacked.

    `orderId` is the refused order's id (fresh per attempt, or per Idempotency-Key and place in the
    request) so the funds raiser tops up once per refusal however often the event is delivered;
    `shortfall` is what to add, rounded up to the cent.
    """
    request = plan.request
    return {
        "orderId": order_id,
        "customerId": request.customer_id,
        "direction": request.direction.value,
        "ticker": request.ticker,
        "type": request.order_type.value,
        "quantity": request.quantity,
        "price": None if request.price is None else money_str(request.price),
        "orderDate": order_date,
        "requiredFunds": money_str(refusal.required),
        "availableFunds": money_str(refusal.available),
        "shortfall": money_str(cents_up(refusal.shortfall)),
    }


@dataclass(frozen=True)
class InvalidOrder:
    order: dict[str, Any]
    reason: str
    retryable: bool = False
    order_id: str | None = None
    """The parent order that records the refusal (None: none was kept)."""

    def to_wire(self) -> dict[str, Any]:
        return {"order": self.order, "reason": self.reason, "orderId": self.order_id}


@dataclass
class RoutingResult:
    received: int = 0
    routed: list[ChildOrder] = field(default_factory=list)
    invalid: list[InvalidOrder] = field(default_factory=list)
    credit_checks: int = 0
    routing_failures: int = 0
    refusals_kept: int = 0
    market_data: MarketDataRequest = field(default_factory=MarketDataRequest)

    @property
    def retryable(self) -> bool:
        """True when some order failed for a transient reason: such a response is not replayed."""
        return any(order.retryable for order in self.invalid)

    def body(self) -> dict[str, Any]:
        return {
            "orders": [{**child.to_wire(), "status": child.initial_status} for child in self.routed],
            "invalidOrders": [order.to_wire() for order in self.invalid],
        }

    def metrics(self) -> dict[str, int]:
        return {
            ORDERS_RECEIVED_METRIC: self.received,
            "ChildOrdersRouted": len(self.routed),
            INVALID_ORDERS_METRIC: len(self.invalid),
            "CreditChecks": self.credit_checks,
            "RoutingFailures": self.routing_failures,
            "RefusedOrdersKept": self.refusals_kept,
            **self.market_data.metrics(),
        }


class OrderRouter:
    """The smart order router's request path, over injected adapters (funds, publisher, market data)."""

    def __init__(
        self,
        *,
        funds: FundsStore,
        publisher: Publisher,
        config: Callable[[], RouterConfig],
        prices: MarketPrices,
        ticker_lookup: TickerLookup,
        clock: Clock = utc_now,
        new_id: Callable[[], str] = new_order_id,
        idempotency: IdempotentRun | None = None,
        market_data: MarketDataRequests | None = None,
    ) -> None:
        self._funds = funds
        self._publisher = publisher
        self._config = config
        self._prices = prices
        self._ticker_lookup = ticker_lookup
        self._clock = clock
        self._new_id = new_id
        self.idempotency = idempotency
        self._market_data = market_data

    def handle(self, body: str | None, *, is_base64: bool = False, idempotency_key: str | None = None) -> Answer:
        """The answer to one `POST /orders`; a retried request with the same Idempotency-Key gets the
        first answer again and reserves nothing twice. Raises `InvalidRequest` (nothing was touched)
        and, with a key, the refusals of `orders.idempotency`."""
        orders = parse_body(body, is_base64=is_base64)
        check_idempotency_key(idempotency_key)
        if idempotency_key is None or self.idempotency is None:
            result = self.submit(orders)
            return Answer(result.body(), result.metrics())
        key = idempotency_key
        return self.idempotency.run(key, orders, lambda again: self.submit(again, idempotency_key=key))

    def submit(self, orders: Sequence[SubmittedOrder], *, idempotency_key: str | None = None) -> RoutingResult:
        key = idempotency_key
        config = self._config()
        moment = self._clock()
        now = to_iso(moment)
        result = RoutingResult(received=len(orders))
        reserved: list[tuple[SubmittedOrder, PlannedOrder]] = []
        credit_checks: list[dict[str, Any]] = []
        kept: list[dict[str, Any]] = []
        rejected_before: dict[str, tuple[ChildOrder, ...]] = {}
        markets = self._market_prices({order.request.ticker for order in orders}, moment)

        def refuse(index: int, order: SubmittedOrder, reason: str, market: Decimal | None, order_id: str) -> str:
            """Refused for good: kept as a REFUSED parent order under `order_id`, or the key's own id."""
            if key is not None:
                order_id = keyed_order_id(key, index)
            kept.append(refused_item(order.request, order_id, now, reason, market))
            result.invalid.append(InvalidOrder(order.sent, reason, order_id=order_id))
            return order_id

        plans: dict[int, PlannedOrder] = {}
        too_large: dict[int, OrderTooLarge] = {}
        for index, order in enumerate(orders):  # planned first, so the store may reserve them together
            if isinstance(market := markets.get(order.request.ticker), Decimal):
                new_id = self._new_id if key is None else functools.partial(keyed_order_id, key, index)
                try:
                    check_size(order.request, config)
                    plans[index] = plan_order(order.request, config, order_date=now, new_id=new_id, market_price=market)
                except OrderTooLarge as error:
                    too_large[index] = error
        try:
            decided = self._funds.reserve_all(list(plans.values()), now, defer=key is None)
            outcomes = dict(zip(plans, decided, strict=True))
            for index, order in enumerate(orders):
                market = markets.get(order.request.ticker)
                if market is None:
                    result.invalid.append(InvalidOrder(order.sent, RETRY_PROCESSING, retryable=True))
                    continue
                if isinstance(market, str):
                    refuse(index, order, market, None, self._new_id())
                    continue
                if index in too_large:
                    refuse(index, order, str(too_large[index]), market, self._new_id())
                    continue
                plan, outcome = plans[index], outcomes[index]
                if isinstance(outcome, FundsUnavailable):
                    logger.error("could not reserve funds for an order of %s: %s", order.request.customer_id, outcome)
                    result.invalid.append(InvalidOrder(order.sent, RETRY_PROCESSING, retryable=True))
                elif isinstance(outcome, Reserved):
                    reserved.append((order, plan))
                elif isinstance(outcome, AlreadyPlaced):
                    stored = stored_order(order.request, outcome.item)
                    if stored.plan is None:
                        result.invalid.append(InvalidOrder(order.sent, stored.refusal, order_id=plan.parent_order_id))
                    else:
                        reserved.append((order, stored.plan))
                        rejected_before[stored.plan.parent_order_id] = stored.rejected
                elif isinstance(outcome, UnknownCustomer):
                    refuse(index, order, f"unknown customer {outcome.customer_id}", market, plan.parent_order_id)
                elif isinstance(outcome, UnreadableCustomer):
                    logger.error("refused an order: %s", outcome.reason)
                    refuse(index, order, outcome.reason, market, plan.parent_order_id)
                elif isinstance(outcome, InsufficientPosition):
                    refuse(index, order, outcome.reason, market, plan.parent_order_id)
                else:
                    reason = (
                        f"insufficient funds: the order needs {money_str(outcome.required)}, "
                        f"available {money_str(outcome.available)}"
                    )
                    order_id = refuse(index, order, reason, market, plan.parent_order_id)
                    credit_checks.append(credit_check_wire(plan, outcome, now, order_id))
        finally:  # the ORDER items of the reservations made (a request without a key: fresh ids)
            unplaced = self._funds.place_deferred() if key is None else set()
        if unplaced:
            for order, _ in [pair for pair in reserved if pair[1].parent_order_id in unplaced]:
                result.invalid.append(InvalidOrder(order.sent, RETRY_PROCESSING, retryable=True))
            reserved = [pair for pair in reserved if pair[1].parent_order_id not in unplaced]
        result.credit_checks = len(credit_checks)
        unrouted = self._publish([plan for _, plan in reserved if plan.marketable], credit_checks, config)
        for order, plan in reserved:
            self._settle_routing(order, plan, unrouted, now, result, rejected_before.get(plan.parent_order_id, ()))
        self._keep_refused(kept, result)
        if self._market_data is not None and result.routed:
            # After routing, so the orders never wait for it; it never raises.
            result.market_data = self._market_data.request(child.ticker for child in result.routed)
        return result

    def _market_prices(self, tickers: set[str], moment: datetime) -> dict[str, Decimal | str | None]:
        """Each ticker's market price at `moment`; `UNKNOWN_TICKER` for one the provider does not know;
        None when the market data could not be read (the order is refused as retryable).

        Tickers with no stored market data are looked up first (one synchronous call for all of them)."""
        try:
            known = self._prices.references(sorted(tickers))
        except PriceUnavailable:
            logger.exception("no market price for %s", ", ".join(sorted(tickers)))
            return dict.fromkeys(tickers)
        missing = sorted(tickers - set(known))
        unknown: frozenset[str] = frozenset()
        if missing:
            try:
                found = self._ticker_lookup.lookup(missing)
                unknown = found.not_found
                self._prices.forget(found.found)
                known = self._prices.references(sorted(tickers))
            except PriceUnavailable:
                # Orders of the tickers that have a price go on; the others are refused as retryable.
                logger.exception("could not look up %s", ", ".join(missing))
        markets: dict[str, Decimal | str | None] = {}
        for ticker in tickers:
            quote = self._prices.quote(ticker, moment) if ticker in known else None
            markets[ticker] = quote.price if quote else (UNKNOWN_TICKER if ticker in unknown else None)
        return markets

    def _keep_refused(self, items: list[dict[str, Any]], result: RoutingResult) -> None:
        """Writes the refused orders; if that fails the answer names no `orderId` for them (nothing to read)."""
        if not items:
            return
        try:
            self._funds.keep_refused(items)
            result.refusals_kept = len(items)
        except FundsUnavailable:
            logger.exception("could not keep %d refused orders", len(items))
            lost = {str(item[ORDER_ID_ATTRIBUTE]) for item in items}
            result.invalid = [
                dataclasses.replace(order, order_id=None) if order.order_id in lost else order
                for order in result.invalid
            ]

    def _publish(
        self, plans: list[PlannedOrder], credit_checks: list[dict[str, Any]], config: RouterConfig
    ) -> set[str]:
        """Publish every event of the request, ten per call; returns the child order ids not published.

        After a failed call the remaining events are not attempted: the bus is likely down, and each
        attempt would cost a full retry cycle inside the API's timeout.
        """
        sent = [child for plan in plans for child in plan.children if child.order_id not in plan.unsent]
        routed = route(sent, config.dark_pool_tickers)
        events = pool_order_events(routed)
        if credit_checks:
            events += chunk_events(
                source=ROUTER_SOURCE,
                detail_type=ORDERS_DETAIL_TYPE,
                header={INVALID_ORDERS_FIELD: CREDIT_CHECK},
                key="orders",
                items=credit_checks,
            )
        unrouted: set[str] = set()
        failed = False
        for start in range(0, len(events), MAX_ENTRIES_PER_CALL):
            group = events[start : start + MAX_ENTRIES_PER_CALL]
            if not failed:
                try:
                    self._publisher.publish(group)
                    continue
                except Exception:
                    logger.exception("could not publish %d events; releasing their reservations", len(group))
                    failed = True
            for event in group:
                ids = [order["orderId"] for order in event.detail["orders"]]
                if POOL_TYPE_FIELD in event.detail:
                    unrouted.update(ids)
                else:
                    logger.error("CreditCheck event lost, no top-up for orders %s", ids)
        return unrouted

    def _settle_routing(
        self,
        order: SubmittedOrder,
        plan: PlannedOrder,
        unrouted: set[str],
        now: str,
        result: RoutingResult,
        rejected_before: Sequence[ChildOrder] = (),
    ) -> None:
        """Resting children were not sent (they wait in the book); sent ones that could not be published get
        their reservation back. They, and those a first run of the key could not route (`rejected_before`),
        are reported: not retryable with the same key (it would find them rejected), so the answer is kept."""
        failed = [child for child in plan.children if child.order_id in unrouted]
        released: list[ChildOrder] = []
        reason = RETRY_ROUTING
        if failed:
            try:
                released = self._funds.release(failed, now, RETRY_ROUTING)
            except Exception:
                logger.exception(
                    "RECONCILE: order %s was not routed and its reservation of %s could not be released",
                    plan.parent_order_id,
                    money_str(sum((child.reserved_amount for child in failed), Decimal(0))),
                )
                released, reason = failed, "could not be routed and its funds stay reserved until reconciled"
        released_ids = {child.order_id for child in released}
        result.routed.extend(child for child in plan.children if child.order_id not in released_ids)
        unsettled = [*rejected_before, *released]
        if not unsettled:
            return
        result.routing_failures += bool(released)
        if len(unsettled) < len(plan.children) + len(rejected_before):
            quantity = sum(child.quantity for child in unsettled)
            reason = f"partly routed: {quantity} of {plan.request.quantity} could not be routed, try again"
        result.invalid.append(InvalidOrder(order.sent, reason, order_id=plan.parent_order_id))


Submit = Callable[[Sequence[SubmittedOrder]], RoutingResult]


class IdempotentRun(Protocol):
    """Runs a submission at most once per key (`orders.idempotency.IdempotentSubmissions`)."""

    def run(self, key: str, orders: Sequence[SubmittedOrder], submit: Submit) -> Answer: ...
