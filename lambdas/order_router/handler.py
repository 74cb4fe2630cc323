"""Smart order router: `POST /orders` validates, reserves funds, splits and routes (trading_core.orders),
then asks for the market data of stale tickers (trading_core.market_data.requests).

The domain answers with an `Answer` or raises a typed refusal; this module maps each to its HTTP status.
Every refusal is the one error body `{"message", "errors"}` (`trading_core.api.errors`). The body is read as
JSON whatever its Content-Type (plain `curl -d` sends form-urlencoded); one that is not JSON is a 400 on
`body`. Each refused order of an answer names the REFUSED parent order that keeps it (`orderId`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Final, NamedTuple

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.api.errors import error_body
from trading_core.api.query_parameters import only_documented
from trading_core.bus.publishers import EventBridgePublisher, bus_type_reader, order_flow_publisher
from trading_core.common import aws_clients
from trading_core.common.environment import OrderRouterEnvironment, load
from trading_core.common.observability import observability
from trading_core.common.ssm import ssm_reader
from trading_core.market.price import MarketPrices
from trading_core.market_data.requests import MarketDataRequester, invoke_mode_reader
from trading_core.market_data.step_functions import StepFunctionsStarter
from trading_core.market_data.store import DEFAULT_MAX_AGE, MarketDataStore
from trading_core.orders.funds_store import DynamoFundsStore
from trading_core.orders.idempotency import (
    IdempotencyRefusal,
    IdempotencyStoreUnavailable,
    IdempotentSubmissions,
    KeyReused,
    RequestInProgress,
)
from trading_core.orders.plan import RouterConfig
from trading_core.orders.request import IDEMPOTENCY_KEY_HEADER, InvalidRequest, RequestTooLarge
from trading_core.orders.router import OrderRouter
from trading_core.orders.ticker_lookup import FunctionTickerLookup

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics
app = APIGatewayRestResolver()
# POST /orders takes no query parameter (tests/unit/api/test_query_parameters.py checks it against the document,
# which this function does not import: it loads pydantic).
QUERY_PARAMETERS: Final = {("POST", "/orders"): frozenset[str]()}
app.use([only_documented(QUERY_PARAMETERS)])

# Each refusal's HTTP status and the metric it is counted in (the most specific class first).
REFUSALS: Final = (
    (RequestTooLarge, 413, "InvalidRequests"),
    (InvalidRequest, 400, "InvalidRequests"),
    (RequestInProgress, 409, "IdempotencyConflicts"),
    (KeyReused, 422, "IdempotencyConflicts"),
    (IdempotencyStoreUnavailable, 503, "IdempotencyStoreErrors"),
)


class Router(NamedTuple):
    """What the composition root builds: the router and its idempotency store (which needs the context)."""

    router: OrderRouter
    idempotency: IdempotentSubmissions
    bus_type: Callable[[], str]  # the bus the publisher uses (cached as the publisher reads it)


@functools.cache
def build() -> Router:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(OrderRouterEnvironment)
    read = ssm_reader(env.parameter_prefix)
    market_data = MarketDataStore(aws_clients.table(env.market_data_table))
    # The market-data requests must never make an order wait: their clients fail fast.
    requests_store = MarketDataStore(aws_clients.table(env.market_data_table, aws_clients.FAST_FAIL_CONFIG))
    idempotency = IdempotentSubmissions(env.idempotency_table, client=aws_clients.client("dynamodb"))
    requester = MarketDataRequester(
        invoke_mode=invoke_mode_reader(read),
        stale_tickers=lambda tickers, now: requests_store.stale_tickers(tickers, now, DEFAULT_MAX_AGE),
        events=EventBridgePublisher(aws_clients.client("events", aws_clients.FAST_FAIL_CONFIG), env.event_bus),
        start_execution=StepFunctionsStarter(
            lambda: aws_clients.client("stepfunctions", aws_clients.FAST_FAIL_CONFIG), env.ticker_map_workflow
        ),
    )
    router = OrderRouter(
        funds=DynamoFundsStore(aws_clients.table(env.trades_table)),
        publisher=order_flow_publisher(read, bus_name=env.event_bus, topic_arn=env.orders_topic),
        config=lambda: RouterConfig.load(read),
        prices=MarketPrices(market_data.reference_prices),
        ticker_lookup=FunctionTickerLookup(aws_clients.client("lambda"), env.ticker_lookup_function),
        idempotency=idempotency,
        market_data=requester,
    )
    return Router(router=router, idempotency=idempotency, bus_type=bus_type_reader(read))


def log_decisions(body: dict[str, Any], bus_type: Callable[[], str]) -> None:
    """One log record per order decision: a parent order accepted (its children, their status, the bus its
    marketable children went on) or an order refused and why."""
    parents: dict[str, list[dict[str, Any]]] = {}
    for child in body["orders"]:
        parents.setdefault(child.get("parentOrderId") or child["orderId"], []).append(child)
    for parent_order_id, children in parents.items():
        first, statuses = children[0], sorted({child["status"] for child in children})
        quantity = first.get("initialQuantity", first["quantity"])
        decision = {
            "customerId": first["customerId"],
            "parentOrderId": parent_order_id,
            "order": f"{first['direction']} {quantity} {first['ticker']} {first['type']}",
            "childOrders": len(children),
            "status": ",".join(statuses),
        }
        if "ACCEPTED" in statuses:  # routed to a pool now (OPEN children rest in the book)
            try:
                decision["bus"] = bus_type()
            except Exception:  # the publish read it a moment ago; never fail an answered request for a log
                decision["bus"] = "unknown"
        logger.info("order accepted", extra=decision)
    for refused in body["invalidOrders"]:
        order = refused["order"] if isinstance(refused["order"], dict) else {}
        described = " ".join(str(order[key]) for key in ("direction", "quantity", "ticker", "type") if key in order)
        logger.info(
            "order refused",
            extra={
                "customerId": order.get("customerId"),
                "orderId": refused.get("orderId"),
                "order": described,
                "reason": refused["reason"],
            },
        )


def respond(status_code: int, body: dict[str, Any], counts: dict[str, int]) -> Response[str]:
    obs.count(counts)
    return Response(status_code, content_types.APPLICATION_JSON, json.dumps(body))


@app.post("/orders")
def post_orders() -> Response[str]:
    event = app.current_event
    key = event.headers.get(IDEMPOTENCY_KEY_HEADER)  # case-insensitive
    try:
        answer = build().router.handle(event.body, is_base64=bool(event.is_base64_encoded), idempotency_key=key)
    except (InvalidRequest, IdempotencyRefusal) as refusal:
        status_code, metric = next((status, name) for kind, status, name in REFUSALS if isinstance(refusal, kind))
        logger.info("order request refused", extra={"status": status_code, "reason": str(refusal)})
        return respond(status_code, refusal.body(), {metric: 1})
    log_decisions(answer.body, build().bus_type)
    return respond(200, answer.body, answer.metrics)


@app.not_found
def no_route(_: Exception) -> Response[str]:
    """API Gateway sends only POST /orders here; anything else is not this function's."""
    return respond(404, error_body(f"path {app.current_event.path} not found"), {"InvalidRequests": 1})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    build().idempotency.register_context(context)
    return app.resolve(event, context)
