"""The Market-data manager API (`market-data-manager-api`): `POST /` starts the ticker-map workflow through
API Gateway's Step Functions integration (no function: `function=None`)."""

from __future__ import annotations

from typing import Final

from trading_core.contracts import MAX_TICKERS_PER_EXECUTION

from .market_schemas import ExecutionStarted, MarketDataRequest
from .replies import KEY_REPLIES, docs_operation, error, field_error
from .spec import ApiDocument, Operation, Reply

NAME: Final = "market-data-manager-api"
TITLE: Final = "Market-data manager API"

START_WORKFLOW: Final = Operation(
    "POST",
    "/",
    "startMarketDataWorkflow",
    "Fetch the market data of up to 100 tickers (the ticker-map workflow)",
    None,
    request_body=MarketDataRequest,
    request_example={"detail": {"tickers": [{"ticker": "AAPL"}, {"ticker": "MSFT"}]}},
    description=(
        f"Starts one execution for 1 to {MAX_TICKERS_PER_EXECUTION} tickers; it runs asynchronously. The body is "
        "read as JSON whatever its Content-Type; one that does not fit starts nothing."
    ),
    replies=(
        Reply(
            200,
            "The execution started.",
            ExecutionStarted,
            {
                "executionArn": "arn:aws:states:us-east-1:123456789012:execution:"
                "trading-system-dev-market-data-ticker-map:65c371b5-0233-4b6f-9654-b0a90da04541",
                "startDate": 1796177015.819,
            },
        ),
        error(
            400,
            "The body does not fit the request model; nothing was started.",
            field_error("invalid request", "body", '[object has missing required properties (["detail"])]'),
        ),
        *KEY_REPLIES,
        error(502, "Step Functions refused to start the execution; retry."),
    ),
    tags=("market data",),
)

DOCUMENT: Final = ApiDocument(
    NAME,
    TITLE,
    "Starts the market-data workflow for a list of tickers. Every call but this document needs the `x-api-key` header.",
    (START_WORKFLOW, docs_operation(TITLE)),
)
