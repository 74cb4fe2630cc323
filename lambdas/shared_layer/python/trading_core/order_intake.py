"""Order intake behind `POST /orders`: validate, reserve funds, route child orders, report.

Validation is hand-written rather than pydantic so the order path imports nothing heavy (cold start,
DESIGN §9) and prices never pass through float: JSON numbers are parsed as Decimal from their text.
Bad input is refused as a whole before anything is written or published.

Per parent order the store makes exactly one `TransactWriteItems` (reservation + child ORDER items);
the children of the whole request are published in as few PutEvents/PublishBatch calls as possible.
Children whose events cannot be published get their reservation back (a compensating transaction) and
are reported as invalid, so nothing is lost and nothing stays reserved.

Then the tickers of the routed children go to the market-data requester, which asks the market-data
workflows for the stale ones (`trading_core.market_data_requests`); its failures never touch the orders.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from trading_core.bus import MAX_ENTRIES_PER_CALL, BusEvent, Publisher, chunk_events
from trading_core.clock import Clock, to_iso, utc_now
from trading_core.config import RouterConfig
from trading_core.funds import (
    FundsStore,
    FundsUnavailable,
    InsufficientFunds,
    Reserved,
    UnknownCustomer,
    UnreadableCustomer,
)
from trading_core.ids import new_order_id
from trading_core.market_data_requests import MarketDataRequest, MarketDataRequests
from trading_core.model import ChildOrder, Direction, OrderType, PoolType
from trading_core.money import cents_up, has_at_most_cents, money_str
from trading_core.orders import MAX_CHILDREN_PER_ORDER, OrderRequest, OrderTooLarge, PlannedOrder, plan_order, route
from trading_core.pricing import PriceUnavailable, ReferencePrice

logger = logging.getLogger(__name__)

# One request carries at most this many parent orders: each is one DynamoDB transaction, and the
# whole request must finish well within API Gateway's 29 s integration timeout.
MAX_ORDERS_PER_REQUEST: Final = 100
# API Gateway accepts 10 MB; 100 orders need under 20 KB, so anything near this limit is not orders.
MAX_BODY_BYTES: Final = 256 * 1024
MAX_QUANTITY: Final = 1_000_000_000
MAX_PRICE: Final = Decimal("1000000000")
CUSTOMER_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"
TICKER_PATTERN: Final = r"^[A-Z0-9][A-Z0-9.-]{0,14}$"
IDEMPOTENCY_KEY_HEADER: Final = "Idempotency-Key"
ORDER_FIELDS: Final = ("customerId", "direction", "ticker", "type", "quantity", "price")

ROUTER_SOURCE: Final = "SmartOrderRouter"
ORDERS_DETAIL_TYPE: Final = "Orders"
CREDIT_CHECK: Final = "CreditCheck"

RETRY_PROCESSING: Final = "could not be processed, try again"
RETRY_ROUTING: Final = "could not be routed, try again"

_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)
_TICKER = re.compile(TICKER_PATTERN)
_DECIMAL_TEXT = re.compile(r"^-?\d{1,20}(\.\d{1,20})?$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def to_wire(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class InvalidRequest(ValueError):
    """The request is refused as a whole: 400 (or 413 when too large) with field-level errors."""

    def __init__(self, errors: Sequence[FieldError], *, status_code: int = 400, message: str = "invalid order"):
        super().__init__(f"{message}: " + "; ".join(f"{e.field} {e.message}" for e in errors))
        self.errors = list(errors)
        self.status_code = status_code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "errors": [error.to_wire() for error in self.errors]}


@dataclass(frozen=True)
class SubmittedOrder:
    """A valid order: `sent` is echoed in `invalidOrders` (JSON numbers come back as strings)."""

    sent: dict[str, Any]
    request: OrderRequest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate field {name!r}")
        result[name] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _json_ready(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {name: _json_ready(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


def parse_body(body: str | None, *, is_base64: bool = False) -> list[SubmittedOrder]:
    """One order object or an array of 1..MAX_ORDERS_PER_REQUEST; raises InvalidRequest."""
    if body is None or not body.strip():
        raise InvalidRequest([FieldError("body", "is required: an order object or an array of orders")])
    raw_bytes = len(body) if is_base64 else len(body.encode())
    if is_base64:
        try:
            body = base64.b64decode(body, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidRequest([FieldError("body", "is not valid base64-encoded UTF-8")]) from None
        raw_bytes = len(body.encode())
    if raw_bytes > MAX_BODY_BYTES:
        raise InvalidRequest(
            [FieldError("body", f"must be at most {MAX_BODY_BYTES} bytes")],
            status_code=413,
            message="request too large",
        )
    try:
        document = json.loads(body, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as error:
        raise InvalidRequest([FieldError("body", f"is not valid JSON: {error}")]) from None
    if isinstance(document, dict):
        entries, prefixes = [document], [""]
    elif isinstance(document, list):
        if not document:
            raise InvalidRequest([FieldError("body", "must contain at least one order")])
        if len(document) > MAX_ORDERS_PER_REQUEST:
            raise InvalidRequest([FieldError("body", f"must contain at most {MAX_ORDERS_PER_REQUEST} orders")])
        entries, prefixes = document, [f"[{index}]" for index in range(len(document))]
    else:
        raise InvalidRequest([FieldError("body", "must be an order object or an array of orders")])
    orders: list[SubmittedOrder] = []
    errors: list[FieldError] = []
    for entry, prefix in zip(entries, prefixes, strict=True):
        request, entry_errors = validate_order(entry, prefix)
        errors.extend(entry_errors)
        if request is not None:
            orders.append(SubmittedOrder(sent=_json_ready(entry), request=request))
    if errors:
        raise InvalidRequest(errors)
    return orders


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_price(value: Any) -> tuple[Decimal | None, str | None]:
    """A price is a decimal string such as "161.90" (the seed's form) or a JSON number."""
    if isinstance(value, str):
        if not _DECIMAL_TEXT.match(value):
            return None, 'must be a decimal number such as "161.90"'
        price = Decimal(value)
    elif isinstance(value, Decimal | int) and not isinstance(value, bool):
        price = Decimal(value)
        if not price.is_finite():
            return None, 'must be a decimal number such as "161.90"'
    else:
        return None, 'must be a decimal number such as "161.90"'
    if price <= 0:
        return None, "must be greater than 0"
    if price > MAX_PRICE:
        return None, f"must be at most {MAX_PRICE}"
    if not has_at_most_cents(price):
        return None, "must have at most 2 decimal places"
    return price, None


def validate_order(entry: Any, prefix: str = "") -> tuple[OrderRequest | None, list[FieldError]]:
    """Every problem of one order, each with its field path (e.g. `[0].quantity`)."""
    if not isinstance(entry, dict):
        return None, [FieldError(prefix or "body", "must be an order object")]
    errors: list[FieldError] = []

    def fail(name: str, message: str) -> None:
        errors.append(FieldError(_path(prefix, name), message))

    for name in entry:
        if name not in ORDER_FIELDS:
            fail(name or '""', f"is not a known field; expected {', '.join(ORDER_FIELDS)}")

    customer_id = entry.get("customerId")
    if customer_id is None:
        fail("customerId", "is required")
    elif not isinstance(customer_id, str) or not _CUSTOMER_ID.match(customer_id):
        fail("customerId", "must be a string of 1 to 64 letters, digits, '-' or '_'")

    direction = entry.get("direction")
    if direction is None:
        fail("direction", "is required")
    elif not isinstance(direction, str) or direction not in {d.value for d in Direction}:
        fail("direction", f"must be one of {', '.join(d.value for d in Direction)}")

    ticker = entry.get("ticker")
    if ticker is None:
        fail("ticker", "is required")
    elif not isinstance(ticker, str) or not _TICKER.match(ticker):
        fail("ticker", "must be 1 to 15 upper-case letters, digits, '.' or '-'")

    order_type = entry.get("type")
    if order_type is None:
        fail("type", "is required")
    elif not isinstance(order_type, str) or order_type not in {t.value for t in OrderType}:
        fail("type", f"must be one of {', '.join(t.value for t in OrderType)}")
        order_type = None

    quantity = entry.get("quantity")
    if quantity is None:
        fail("quantity", "is required")
    elif not isinstance(quantity, int) or isinstance(quantity, bool):
        fail("quantity", "must be an integer")
    elif quantity <= 0:
        fail("quantity", "must be greater than 0")
    elif quantity > MAX_QUANTITY:
        fail("quantity", f"must be at most {MAX_QUANTITY}")

    price: Decimal | None = None
    raw_price = entry.get("price")
    if order_type == OrderType.MARKET.value and raw_price is not None:
        fail("price", "must be absent for a Market order")
    elif order_type == OrderType.LIMIT.value and raw_price is None:
        fail("price", "is required for a Limit order")
    elif raw_price is not None:
        price, message = _check_price(raw_price)
        if message:
            fail("price", message)

    if errors:
        return None, errors
    return (
        OrderRequest(
            customer_id=str(customer_id),
            direction=Direction(str(direction)),
            ticker=str(ticker),
            order_type=OrderType(str(order_type)),
            quantity=int(quantity or 0),
            price=price,
        ),
        [],
    )


def credit_check_wire(plan: PlannedOrder, refusal: InsufficientFunds, order_date: str) -> dict[str, Any]:
    """One order of a CreditCheck event: the parent order as sent plus what it lacked.

    `orderId` is the parent order id (fresh per attempt) so the funds raiser tops up once per
    refusal however often the event is delivered; `shortfall` is what to add, rounded up to the cent.
    """
    request = plan.request
    return {
        "orderId": plan.parent_order_id,
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

    def to_wire(self) -> dict[str, Any]:
        return {"order": self.order, "reason": self.reason}


@dataclass
class IntakeResult:
    received: int = 0
    routed: list[ChildOrder] = field(default_factory=list)
    invalid: list[InvalidOrder] = field(default_factory=list)
    credit_checks: int = 0
    routing_failures: int = 0
    market_data: MarketDataRequest = field(default_factory=MarketDataRequest)

    @property
    def retryable(self) -> bool:
        """True when some order failed for a transient reason: such a response is not replayed."""
        return any(order.retryable for order in self.invalid)

    def body(self) -> dict[str, Any]:
        return {
            "orders": [child.to_wire() for child in self.routed],
            "invalidOrders": [order.to_wire() for order in self.invalid],
        }

    def metrics(self) -> dict[str, int]:
        return {
            "OrdersReceived": self.received,
            "ChildOrdersRouted": len(self.routed),
            "InvalidOrders": len(self.invalid),
            "CreditChecks": self.credit_checks,
            "RoutingFailures": self.routing_failures,
            **self.market_data.metrics(),
        }


@dataclass(frozen=True)
class ApiResult:
    status_code: int
    body: dict[str, Any]
    metrics: dict[str, int] = field(default_factory=dict)


class OrderIntake:
    """The smart order router's request path, over injected adapters (funds store, publisher,
    market-data requester)."""

    def __init__(
        self,
        *,
        funds: FundsStore,
        publisher: Publisher,
        config: Callable[[], RouterConfig],
        reference_price: ReferencePrice,
        clock: Clock = utc_now,
        new_id: Callable[[], str] = new_order_id,
        idempotency: IdempotentSubmissions | None = None,
        market_data: MarketDataRequests | None = None,
    ) -> None:
        self._funds = funds
        self._publisher = publisher
        self._config = config
        self._reference_price = reference_price
        self._clock = clock
        self._new_id = new_id
        self.idempotency = idempotency
        self._market_data = market_data

    def handle(self, body: str | None, *, is_base64: bool = False, idempotency_key: str | None = None) -> ApiResult:
        """The HTTP answer to one `POST /orders`; a retried request with the same Idempotency-Key gets
        the first answer again and reserves nothing twice."""
        try:
            orders = parse_body(body, is_base64=is_base64)
            if idempotency_key is not None and not _IDEMPOTENCY_KEY.match(idempotency_key):
                raise InvalidRequest(
                    [FieldError(IDEMPOTENCY_KEY_HEADER, "must be 1 to 255 printable ASCII characters")],
                    message="invalid request",
                )
        except InvalidRequest as error:
            return ApiResult(error.status_code, error.body(), {"InvalidRequests": 1})
        if idempotency_key is None or self.idempotency is None:
            result = self.submit(orders)
            return ApiResult(200, result.body(), result.metrics())
        return self.idempotency.run(idempotency_key, orders, self.submit)

    def submit(self, orders: Sequence[SubmittedOrder]) -> IntakeResult:
        config = self._config()
        now = to_iso(self._clock())
        result = IntakeResult(received=len(orders))
        reserved: list[tuple[SubmittedOrder, PlannedOrder]] = []
        credit_checks: list[dict[str, Any]] = []
        for order in orders:
            try:
                plan = self._plan(order.request, config, now)
                outcome = self._funds.reserve(plan, now)
            except OrderTooLarge as error:
                result.invalid.append(InvalidOrder(order.sent, str(error)))
                continue
            except FundsUnavailable:
                logger.exception("could not reserve funds for an order of customer %s", order.request.customer_id)
                result.invalid.append(InvalidOrder(order.sent, RETRY_PROCESSING, retryable=True))
                continue
            except PriceUnavailable:
                logger.exception("no reference price for a market order on %s", order.request.ticker)
                result.invalid.append(InvalidOrder(order.sent, RETRY_PROCESSING, retryable=True))
                continue
            if isinstance(outcome, Reserved):
                reserved.append((order, plan))
            elif isinstance(outcome, UnknownCustomer):
                result.invalid.append(InvalidOrder(order.sent, f"unknown customer {outcome.customer_id}"))
            elif isinstance(outcome, UnreadableCustomer):
                logger.error("refused an order: %s", outcome.reason)
                result.invalid.append(InvalidOrder(order.sent, outcome.reason))
            else:
                reason = (
                    f"insufficient funds: the order needs {money_str(outcome.required)}, "
                    f"available {money_str(outcome.available)}"
                )
                result.invalid.append(InvalidOrder(order.sent, reason))
                credit_checks.append(credit_check_wire(plan, outcome, now))
        result.credit_checks = len(credit_checks)
        unrouted = self._publish([plan for _, plan in reserved], credit_checks, config)
        for order, plan in reserved:
            self._settle_routing(order, plan, unrouted, now, result)
        if self._market_data is not None and result.routed:
            # After routing, so the orders never wait for it; it never raises.
            result.market_data = self._market_data.request(child.ticker for child in result.routed)
        return result

    def _plan(self, request: OrderRequest, config: RouterConfig, now: str) -> PlannedOrder:
        # Checked before splitting so an absurd quantity never builds a huge list of children.
        if -(-request.quantity // config.split_size) > MAX_CHILDREN_PER_ORDER:
            raise OrderTooLarge(
                f"quantity {request.quantity} exceeds the maximum of "
                f"{MAX_CHILDREN_PER_ORDER * config.split_size} per order with split size {config.split_size}"
            )
        return plan_order(request, config, order_date=now, new_id=self._new_id, reference_price=self._reference_price)

    def _publish(
        self, plans: list[PlannedOrder], credit_checks: list[dict[str, Any]], config: RouterConfig
    ) -> set[str]:
        """Publish every event of the request, ten per call; returns the child order ids not published.

        After a failed call the remaining events are not attempted: the bus is likely down, and each
        attempt would cost a full retry cycle inside the API's timeout.
        """
        routed = route([child for plan in plans for child in plan.children], config.dark_pool_tickers)
        events: list[BusEvent] = []
        for pool in (PoolType.DARK, PoolType.LIT):
            if routed[pool]:
                events += chunk_events(
                    source=ROUTER_SOURCE,
                    detail_type=ORDERS_DETAIL_TYPE,
                    header={"poolType": pool.value},
                    key="orders",
                    items=[child.to_wire() for child in routed[pool]],
                )
        if credit_checks:
            events += chunk_events(
                source=ROUTER_SOURCE,
                detail_type=ORDERS_DETAIL_TYPE,
                header={"invalidOrders": CREDIT_CHECK},
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
                if "poolType" in event.detail:
                    unrouted.update(ids)
                else:
                    logger.error("CreditCheck event lost, no top-up for orders %s", ids)
        return unrouted

    def _settle_routing(
        self, order: SubmittedOrder, plan: PlannedOrder, unrouted: set[str], now: str, result: IntakeResult
    ) -> None:
        failed = [child for child in plan.children if child.order_id in unrouted]
        if not failed:
            result.routed.extend(plan.children)
            return
        try:
            released = self._funds.release(failed, now, RETRY_ROUTING)
            reason = RETRY_ROUTING
        except Exception:
            logger.exception(
                "RECONCILE: order %s was not routed and its reservation of %s could not be released",
                plan.parent_order_id,
                money_str(sum((child.reserved_amount for child in failed), Decimal(0))),
            )
            released, reason = failed, "could not be routed and its funds stay reserved until reconciled"
        released_ids = {child.order_id for child in released}
        result.routed.extend(child for child in plan.children if child.order_id not in released_ids)
        if not released:
            return
        result.routing_failures += 1
        if len(released) < len(plan.children):
            quantity = sum(child.quantity for child in released)
            reason = f"partly routed: {quantity} of {plan.request.quantity} could not be routed, try again"
        result.invalid.append(InvalidOrder(order.sent, reason, retryable=True))


class _NotReplayable(Exception):
    """Carries an answer with a transient failure out of the idempotent call, so it is not stored."""

    def __init__(self, result: IntakeResult) -> None:
        super().__init__("transient failure")
        self.result = result


class IdempotentSubmissions:
    """At most one submission per `Idempotency-Key` (Powertools Idempotency, its own table).

    The key is the header value; the stored record also validates the orders, so reusing a key with
    different orders is refused. Validation failures are never stored (they are answered first), and
    neither are answers with a transient failure, so retrying such a request with the same key works.
    """

    def __init__(self, table_name: str, *, client: Any = None, expires_after_seconds: int = 24 * 3600) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="orders",
            expires_after_seconds=expires_after_seconds,
        )
        store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        self._once = idempotent_function(data_keyword_argument="request", persistence_store=store, config=self.config)(
            _submit_once
        )

    def register_context(self, context: Any) -> None:
        self.config.register_lambda_context(context)

    def run(
        self, key: str, orders: Sequence[SubmittedOrder], submit: Callable[[Sequence[SubmittedOrder]], IntakeResult]
    ) -> ApiResult:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyPersistenceLayerError,
            IdempotencyValidationError,
        )

        outcome: dict[str, Any] = {}
        try:
            body = self._once(
                request={"key": key, "orders": [order.sent for order in orders]},
                orders=orders,
                submit=submit,
                outcome=outcome,
            )
        except _NotReplayable as transient:
            return ApiResult(200, transient.result.body(), transient.result.metrics())
        except IdempotencyAlreadyInProgressError:
            return ApiResult(
                409,
                {"message": f"a request with this {IDEMPOTENCY_KEY_HEADER} is still in progress"},
                {"IdempotencyConflicts": 1},
            )
        except IdempotencyValidationError:
            return ApiResult(
                422,
                {"message": f"this {IDEMPOTENCY_KEY_HEADER} was already used with different orders"},
                {"IdempotencyConflicts": 1},
            )
        except IdempotencyPersistenceLayerError:
            logger.exception("idempotency store unavailable")
            return ApiResult(503, {"message": "temporarily unavailable, try again"}, {"IdempotencyStoreErrors": 1})
        result = outcome.get("result")
        return ApiResult(200, body, result.metrics() if result else {"ReplayedRequests": 1})


def _submit_once(
    *,
    request: dict[str, Any],
    orders: Sequence[SubmittedOrder],
    submit: Callable[[Sequence[SubmittedOrder]], IntakeResult],
    outcome: dict[str, Any],
) -> dict[str, Any]:
    result = submit(orders)
    if result.retryable:
        raise _NotReplayable(result)
    outcome["result"] = result
    return result.body()
