"""Market data API: quote summaries and daily history from the MarketData table.

`GET /quote-summary/{ticker}`, `DELETE /quote-summary/{ticker}` (the summary; with a JSON body
`{from, to}` the history in that window instead), `GET /history/{ticker}?from=&to=`,
`DELETE /history/{ticker}` with body `{from, to}`, as `trading_core.api.market_data_api` documents them.

Every 4xx is the one error body (`trading_core.api.errors.error_body`): a 400 names the field at fault
(the ticker, `from`, `to` or `body`), a 404 has `errors: []`. A body is read as JSON whatever its
Content-Type (plain `curl -d` sends form-urlencoded); a body that is not JSON is a 400 on `body`.
"""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta
from typing import Annotated, Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.api import parameters
from trading_core.api.errors import FieldError, error_body
from trading_core.api.market_data_api import DOCUMENT as MARKET_DATA_API
from trading_core.api.query_parameters import documented_query, only_documented
from trading_core.common import aws_clients
from trading_core.common.clock import Clock, utc_now
from trading_core.common.environment import MarketDataApiEnvironment, load
from trading_core.common.observability import observability
from trading_core.market_data.store import MarketDataStore
from trading_core.queries.parameters import DAY_HINT, DAY_PATTERN, InvalidParameter, invalid_request_body, parse_day

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics
app = APIGatewayRestResolver(enable_validation=True)
app.use([only_documented(documented_query(MARKET_DATA_API))])
clock: Clock = utc_now  # "today" of the default history window (tests set their own)

DEFAULT_WINDOW_DAYS: Final = 30
MAX_WINDOW_DAYS: Final = 366 * 5
TICKER: Final = parameters.MARKET_DATA_TICKER
Ticker = Annotated[str, Path(pattern=TICKER.schema["pattern"])]
HINTS = {TICKER.name: TICKER.hint or "", "from": DAY_HINT, "to": DAY_HINT}


@functools.cache
def build() -> MarketDataStore:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    return MarketDataStore(aws_clients.table(load(MarketDataApiEnvironment).market_data_table))


def not_found(message: str) -> Response[Any]:
    return Response(404, content_types.APPLICATION_JSON, error_body(message))


def window(start: str | None, end: str | None, *, required: bool) -> tuple[str, str]:
    """A validated `from`/`to` pair of ISO days; `to` defaults to today, `from` to 30 days before `to`."""
    if required:
        for field, value in (("from", start), ("to", end)):
            if value is None:
                raise InvalidParameter(field, "is required")
    given = parse_day(start, "from") if start is not None else None  # "" is not absent: a bad day
    last = parse_day(end, "to") if end is not None else clock().date().isoformat()
    first = given or (date.fromisoformat(last) - timedelta(DEFAULT_WINDOW_DAYS)).isoformat()
    if first > last:
        raise InvalidParameter("from", "must not be after to")
    if (date.fromisoformat(last) - date.fromisoformat(first)).days > MAX_WINDOW_DAYS:
        raise InvalidParameter("from", f"must be at most {MAX_WINDOW_DAYS} days before to")
    return first, last


def body_window() -> tuple[str, str] | None:
    """The `{from, to}` of the request body; None when there is no body."""
    try:
        text = app.current_event.decoded_body  # whatever the Content-Type says
    except ValueError:  # base64 or UTF-8 that does not decode
        raise InvalidParameter("body", "must be a JSON object") from None
    if text is None or not text.strip():
        return None
    try:
        body = json.loads(text)
    except ValueError:
        raise InvalidParameter("body", "must be a JSON object") from None
    if not isinstance(body, dict):
        raise InvalidParameter("body", "must be a JSON object")
    for field in ("from", "to"):
        if field in body and not isinstance(body[field], str):
            raise InvalidParameter(field, DAY_HINT)
    return window(body.get("from"), body.get("to"), required=True)


def delete_history(ticker: str, first: str, last: str) -> dict[str, Any]:
    deleted = build().delete_history(ticker, first, last)
    logger.info("history deleted", extra={"ticker": ticker, "from": first, "to": last, "deletedRows": deleted})
    return {"ticker": ticker, "from": first, "to": last, "deletedRows": deleted}


@app.get("/quote-summary/<ticker>")
def get_quote_summary(ticker: Ticker) -> Any:
    record = build().get_record(ticker)
    if record is None or record.summary is None:
        return not_found(f"quote summary of {ticker} not found")
    return record.to_wire()


@app.delete("/quote-summary/<ticker>")
def delete_quote_summary(ticker: Ticker) -> Any:
    requested = body_window()
    if requested is not None:
        return delete_history(ticker, *requested)
    if not build().delete_summary(ticker):
        return not_found(f"quote summary of {ticker} not found")
    return {"ticker": ticker, "deletedSummary": True}


@app.get("/history/<ticker>")
def get_history(
    ticker: Ticker,
    start: Annotated[str | None, Query(alias="from", pattern=DAY_PATTERN)] = None,
    end: Annotated[str | None, Query(alias="to", pattern=DAY_PATTERN)] = None,
) -> Any:
    first, last = window(start, end, required=False)
    bars = build().history(ticker, first, last)
    if not bars and build().get_record(ticker) is None:
        return not_found(f"market data of {ticker} not found")
    return {"ticker": ticker, "from": first, "to": last, "count": len(bars), "bars": [bar.to_wire() for bar in bars]}


@app.delete("/history/<ticker>")
def delete_history_window(ticker: Ticker) -> Any:
    requested = body_window()
    if requested is None:
        raise InvalidParameter("body", "must be a JSON object with from and to")
    return delete_history(ticker, *requested)


@app.exception_handler([RequestValidationError, InvalidParameter])
def invalid_parameters(error: RequestValidationError | InvalidParameter) -> Response[Any]:
    return Response(400, content_types.APPLICATION_JSON, invalid_request_body(error, HINTS))


@app.not_found
def unreadable_ticker(_: Exception) -> Response[Any]:
    """API Gateway routes only this API's resources here, so a path no route matches has a ticker the
    router cannot read (characters outside any route's parameter syntax): a 400 on the ticker."""
    body = error_body("invalid request", [FieldError(TICKER.name, TICKER.hint or "")])
    return Response(400, content_types.APPLICATION_JSON, body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    build()  # a missing environment variable fails the invocation, not a route
    return app.resolve(event, context)
