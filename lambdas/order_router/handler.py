"""Smart order router: `POST /orders` validates, reserves funds, splits and routes (trading_core.order_intake),
then asks for the market data of stale tickers (trading_core.market_data_requests)."""

from __future__ import annotations

import functools
import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import aws, market_data_requests, market_prices
from trading_core.config import RouterConfig
from trading_core.funds import DynamoFundsStore
from trading_core.order_intake import IDEMPOTENCY_KEY_HEADER, IdempotentSubmissions, OrderIntake

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()


@functools.cache
def intake() -> OrderIntake:
    """Built on first use (not at import) so tests can start moto first; reused while warm."""
    read = aws.parameters()
    return OrderIntake(
        funds=DynamoFundsStore(aws.trades_table()),
        publisher=aws.publisher(read),
        config=lambda: RouterConfig.load(read),
        reference_price=market_prices.reference_price_from_env(),
        idempotency=IdempotentSubmissions(aws.env("IDEMPOTENCY_TABLE_NAME"), client=aws.client("dynamodb")),
        market_data=market_data_requests.requester_from_env(read),
    )


@app.post("/orders")
def post_orders() -> Response[str]:
    event = app.current_event
    key = event.headers.get(IDEMPOTENCY_KEY_HEADER)  # case-insensitive
    result = intake().handle(event.body, is_base64=bool(event.is_base64_encoded), idempotency_key=key)
    for name, value in result.metrics.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    return Response(result.status_code, content_types.APPLICATION_JSON, json.dumps(result.body))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency = intake().idempotency
    if idempotency is not None:
        idempotency.register_context(context)
    return app.resolve(event, context)
