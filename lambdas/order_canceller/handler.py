"""Order canceller: `DELETE /orders/{orderId}` on the Orders API cancels a live child order, or every live
child of a parent order, releasing what they reserved (trading_core.orders.cancel, which documents the
answers: 200, 400, 404, 409). Every refusal is the one error body `{"message", "errors"}`
(`trading_core.api.errors`); a 409 adds `orderId`, `status` and `notCancelled`."""

from __future__ import annotations

import functools
import json
from typing import Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.api import parameters
from trading_core.api.errors import FieldError, error_body
from trading_core.api.query_parameters import only_documented
from trading_core.common import aws_clients
from trading_core.common.clock import utc_now
from trading_core.common.environment import TradesTableEnvironment, load
from trading_core.common.observability import observability
from trading_core.orders.cancel import CancelRefused, InvalidOrderId, NotCancellable, OrderCanceller, OrderNotFound
from trading_core.orders.cancel_store import DynamoCancelStore

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics
app = APIGatewayRestResolver()
# DELETE /orders/{orderId} takes no query parameter (tests/unit/api/test_query_parameters.py checks it against the
# document, which this function does not import: it loads pydantic).
QUERY_PARAMETERS: Final = {("DELETE", "/orders/{orderId}"): frozenset[str]()}
app.use([only_documented(QUERY_PARAMETERS)])

# Each refusal's HTTP status and the metric it is counted in.
REFUSALS: Final = (
    (InvalidOrderId, 400, "InvalidCancels"),
    (OrderNotFound, 404, "UnknownOrderCancels"),
    (NotCancellable, 409, "RefusedCancels"),
)


@functools.cache
def build() -> OrderCanceller:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(TradesTableEnvironment)
    return OrderCanceller(store=DynamoCancelStore(aws_clients.table(env.trades_table)), clock=utc_now)


def respond(status_code: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code, content_types.APPLICATION_JSON, json.dumps(body))


@app.delete("/orders/<orderId>")
def delete_order(orderId: str) -> Response[str]:
    try:
        cancellation = build().cancel(orderId)
    except CancelRefused as refusal:
        status_code, metric = next((status, name) for kind, status, name in REFUSALS if isinstance(refusal, kind))
        obs.count({metric: 1})
        return respond(status_code, refusal.body())
    obs.count({"OrdersCancelled": len(cancellation.cancelled)})
    logger.info(
        "cancelled",
        extra={
            "orderId": orderId,
            "cancelled": len(cancellation.cancelled),
            "notCancelled": cancellation.not_cancelled,
        },
    )
    return respond(200, cancellation.body())


@app.not_found
def unreadable_order_id(_: Exception) -> Response[str]:
    """API Gateway routes only `/orders/{orderId}` here, so a path no route matches has an id the router
    cannot read (e.g. an encoded '/'): a 400 on `orderId`, as any other malformed id."""
    obs.count({"InvalidCancels": 1})
    body = error_body("invalid request", [FieldError(parameters.ORDER_ID.name, parameters.ORDER_ID.hint or "")])
    return respond(400, body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
