"""The names the infrastructure (`constructs_lib`, `stacks`) and the functions (`lambdas`) must agree on.

Each is written here once: the constructs import this module at synth time, the handlers from the
shared layer. It imports the standard library only, so either side can import it without pulling in
the other's dependencies. docs/contracts.md describes these names;
tests/infrastructure/test_contracts_single_source.py fails if another module spells one of them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# -- Functions ----------------------------------------------------------------------------
# A function's name is its code folder `lambdas/<name>/`, its `POWERTOOLS_SERVICE_NAME` and, with `_`
# as `-`, the suffix of its physical name `trading-system-<stage>-<name>`.

ORDER_ROUTER_FUNCTION: Final = "order_router"
DARK_POOL_FUNCTION: Final = "dark_pool"
LIT_POOL_FUNCTION: Final = "lit_pool"
POST_TRADE_FUNCTION: Final = "post_trade"
FUNDS_RAISER_FUNCTION: Final = "funds_raiser"
AGGREGATOR_FUNCTION: Final = "aggregator"
STORAGE_ANALYZER_FUNCTION: Final = "storage_analyzer"
TRADE_ARCHIVER_FUNCTION: Final = "trade_archiver"
DATA_API_FUNCTION: Final = "data_api"
CUSTOMER_SEEDER_FUNCTION: Final = "customer_seeder"
QUOTE_SUMMARY_FUNCTION: Final = "quote_summary"
HISTORICAL_DATA_FUNCTION: Final = "historical_data"
MARKET_DATA_FETCHER_FUNCTION: Final = "market_data_fetcher"
MARKET_DATA_CHECKER_FUNCTION: Final = "market_data_checker"
NO_DATA_NOTIFIER_FUNCTION: Final = "no_data_notifier"
TASK_TOKEN_MANAGER_FUNCTION: Final = "task_token_manager"
MARKET_DATA_API_FUNCTION: Final = "market_data_api"
ORDER_BOOK_FUNCTION: Final = "order_book"
"""Re-evaluates resting orders (each minute, and on `MarketDataUpdate`) and expires DAY orders."""
ORDER_CANCELLER_FUNCTION: Final = "order_canceller"
"""`DELETE /orders/{orderId}` on the Orders API."""
CUSTOMER_ACCOUNTS_FUNCTION: Final = "customer_accounts"
"""The Data API's customer writes and list: `GET`/`POST /customers`, deposits and withdrawals."""
API_DOCS_FUNCTION: Final = "api_docs"
"""`GET /openapi.json` on every REST API: renders the API's document (the stage variable below)."""

# Every function's handler: `lambda_handler` in its folder's `handler.py`.
HANDLER: Final = "handler.lambda_handler"

# -- Environment: set by the constructs, read by the functions -------------------------------

STAGE_ENV: Final = "STAGE"
PARAMETER_PREFIX_ENV: Final = "PARAMETER_PREFIX"
"""`/trading-system/<stage>`: the SSM parameters below are read under it."""
TRADES_TABLE_ENV: Final = "TRADES_TABLE_NAME"
IDEMPOTENCY_TABLE_ENV: Final = "IDEMPOTENCY_TABLE_NAME"
TRADES_BUCKET_ENV: Final = "TRADES_BUCKET_NAME"
EVENT_BUS_ENV: Final = "EVENT_BUS_NAME"
ORDERS_TOPIC_ENV: Final = "ORDERS_TOPIC_ARN"
MARKET_DATA_TABLE_ENV: Final = "MARKET_DATA_TABLE_NAME"
MARKET_DATA_BUCKET_ENV: Final = "MARKET_DATA_BUCKET_NAME"
MARKET_DATA_PROVIDER_ENV: Final = "MARKET_DATA_PROVIDER"
TICKER_MAP_WORKFLOW_ENV: Final = "MARKET_DATA_TICKER_MAP_WORKFLOW_ARN"
"""The ticker-map workflow's ARN: the router starts it in `StepFunctionAPIs` mode."""
TICKER_LOOKUP_FUNCTION_ENV: Final = "TICKER_LOOKUP_FUNCTION_NAME"
"""The quote-summary function, which the router invokes for a ticker with no stored market data."""
HISTORY_LOOKUP_FUNCTION_ENV: Final = "HISTORY_LOOKUP_FUNCTION_NAME"
"""The historical-data function, which the data API invokes for a portfolio's missing closes."""

# `MARKET_DATA_PROVIDER` values: cdk.json `stages.<stage>.marketDataProvider`. The layer with yfinance
# is built only for `yfinance`; `offline` (the local cloud, the tests) needs no network.
YFINANCE_PROVIDER: Final = "yfinance"
OFFLINE_PROVIDER: Final = "offline"
MARKET_DATA_PROVIDERS: Final = (OFFLINE_PROVIDER, YFINANCE_PROVIDER)
DEFAULT_MARKET_DATA_PROVIDER: Final = YFINANCE_PROVIDER

# -- SSM parameters (`String`, under PARAMETER_PREFIX) ---------------------------------------

BUS_TYPE_PARAMETER: Final = "bus-type"
DARK_POOL_TICKERS_PARAMETER: Final = "dark-pool-tickers-list"
DARK_POOLS_PARAMETER: Final = "dark-pools"
LIT_POOLS_PARAMETER: Final = "lit-pools"
VENUE_FEES_PARAMETER: Final = "venue-fees"
ORDER_SPLIT_SIZE_PARAMETER: Final = "order-split-size"
DARK_POOL_MATCH_PROBABILITY_PARAMETER: Final = "dark-pool-match-probability"
MARKET_DATA_INVOKE_MODE_PARAMETER: Final = "market-data-invoke-mode"
MARKET_CLOSE_TIME_PARAMETER: Final = "market-close-time"
"""`HH:MM` UTC: the end of a trading day, when DAY orders expire (`market.session`)."""
AUTO_TOP_UP_PARAMETER: Final = "auto-top-up"
"""`true` or `false`: whether an order refused for insufficient funds tops the customer up (a deposit)."""

# Parameter -> its key in cdk.json `stages.<stage>.parameters`, which holds the deployed default.
PARAMETER_CONTEXT_KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {
        BUS_TYPE_PARAMETER: "busType",
        DARK_POOL_TICKERS_PARAMETER: "darkPoolTickers",
        DARK_POOLS_PARAMETER: "darkPools",
        LIT_POOLS_PARAMETER: "litPools",
        VENUE_FEES_PARAMETER: "venueFees",
        ORDER_SPLIT_SIZE_PARAMETER: "orderSplitSize",
        DARK_POOL_MATCH_PROBABILITY_PARAMETER: "darkPoolMatchProbability",
        MARKET_DATA_INVOKE_MODE_PARAMETER: "marketDataInvokeMode",
        MARKET_CLOSE_TIME_PARAMETER: "marketCloseTime",
        AUTO_TOP_UP_PARAMETER: "autoTopUp",
    }
)
PARAMETERS: Final = tuple(PARAMETER_CONTEXT_KEYS)

# `bus-type` values: the transport of the order-flow events, switchable without a redeploy.
EVENT_BRIDGE_BUS: Final = "EVENT-BRIDGE"
SNS_BUS: Final = "SNS"
BUS_TYPES: Final = (EVENT_BRIDGE_BUS, SNS_BUS)

# `market-data-invoke-mode` values: how the router asks for stale tickers (the first is the default).
EVENT_BRIDGE_MODE: Final = "EventBridge"
STEP_FUNCTIONS_MODE: Final = "StepFunctionAPIs"
INVOKE_MODES: Final = (EVENT_BRIDGE_MODE, STEP_FUNCTIONS_MODE)

# `auto-top-up` values.
AUTO_TOP_UP_ON: Final = "true"
AUTO_TOP_UP_OFF: Final = "false"
AUTO_TOP_UP_VALUES: Final = (AUTO_TOP_UP_ON, AUTO_TOP_UP_OFF)

# -- The bus: sources, detail types, routing fields ------------------------------------------
# EventBridge rules match on these; SNS subscriptions on message attributes of the same names.

ROUTER_SOURCE: Final = "SmartOrderRouter"
DARK_POOL_SOURCE: Final = "DarkPoolMatchingEngine"
LIT_POOL_SOURCE: Final = "LitPoolMatchingEngine"
POST_TRADE_SOURCE: Final = "PostTradeProcessor"
MARKET_DATA_WORKFLOW_SOURCE: Final = "MarketDataManagerStepFunction"
"""The ticker-map workflow's events (and its no-data notifier's, on its behalf): the original's name."""

ORDERS_DETAIL_TYPE: Final = "Orders"
TRADES_DETAIL_TYPE: Final = "Trades"
MARKET_DATA_REQUEST_DETAIL_TYPE: Final = "MarketData"
"""The router's request for stale tickers, `{"tickers": [...]}`: starts the parallel-fetch workflow."""
MARKET_DATA_UPDATE_DETAIL_TYPE: Final = "MarketDataUpdate"
NO_HISTORICAL_DATA_DETAIL_TYPE: Final = "NoHistoricalDataRetrieved"
"""`{"taskToken", "tickers"}`: reaches the task token manager, which completes the waiting task."""

# SNS message attributes that carry what EventBridge has in the envelope.
SOURCE_ATTRIBUTE: Final = "source"
DETAIL_TYPE_ATTRIBUTE: Final = "detail-type"

# The field of `detail` that selects a consumer, and its values.
POOL_TYPE_FIELD: Final = "poolType"
DARK_POOL_TYPE: Final = "Dark"
LIT_POOL_TYPE: Final = "Lit"
INVALID_ORDERS_FIELD: Final = "invalidOrders"
CREDIT_CHECK: Final = "CreditCheck"
POST_TRADE_FIELD: Final = "postTrade"
TRADES_SETTLED_FIELD: Final = "tradesSettled"
FLAG_SET: Final = "True"
"""A string, not a boolean: SNS filter policies and message attributes compare strings."""
ROUTING_FIELDS: Final = (POOL_TYPE_FIELD, INVALID_ORDERS_FIELD, POST_TRADE_FIELD, TRADES_SETTLED_FIELD)

# -- Market-data workflows ---------------------------------------------------------------------
# Physical names are `trading-system-<stage>-<name>`.

PARALLEL_FETCH_WORKFLOW: Final = "market-data-parallel-fetch"
"""Started by `MarketData` events: a Parallel state fetches the quote summaries ∥ the histories."""
TICKER_MAP_WORKFLOW: Final = "market-data-ticker-map"
"""Started by the manager API or the router: a Map per ticker, then `MarketDataUpdate` or a wait
for the no-data acknowledgement."""

# The fields the ticker-map workflow's states and its functions exchange:
# input `{"detail": {"tickers": [{"ticker": "AAPL"}]}}`; the Map's results at `results`; the checker's
# `{"newData", "tickers", "checked"}`; the no-data notifier's task input `{"taskToken", "tickers"}`.
DETAIL_FIELD: Final = "detail"
TICKERS_FIELD: Final = "tickers"
TICKER_FIELD: Final = "ticker"
MAP_RESULTS_FIELD: Final = "results"
NEW_DATA_FIELD: Final = "newData"
CHECKED_FIELD: Final = "checked"
TASK_TOKEN_FIELD: Final = "taskToken"

MAX_TICKERS_PER_EXECUTION: Final = 100
"""Tickers in one ticker-map execution: the manager API's body model refuses more, the router splits."""

# -- Tables and buckets ------------------------------------------------------------------------

PARTITION_KEY: Final = "PK"
SORT_KEY: Final = "SK"
"""Both tables (TradesStore, MarketData) have string keys `PK`, `SK`."""
TRADE_SORT_KEY_PREFIX: Final = "TRADE#"
"""The SK prefix of an order's trades items (`model.order_trades`): the TradesStore stream reaches the aggregator
for these only, when inserted or changed (`TRADE_STREAM_EVENTS`: a change adds trades)."""
TRADE_STREAM_EVENTS: Final = ("INSERT", "MODIFY")
RESTING_ORDERS_INDEX: Final = "RestingOrders"
"""TradesStore's sparse index of resting (OPEN) child orders: partition `RestingTicker`, sort `OrderId`."""
RESTING_TICKER_ATTRIBUTE: Final = "RestingTicker"
"""Set on a child ORDER item while it is OPEN (its ticker), removed when it leaves OPEN."""
ORDER_ID_ATTRIBUTE: Final = "OrderId"
CUSTOMER_ORDERS_INDEX: Final = "CustomerOrderKeys"
"""TradesStore's sparse index of parent orders by customer: partition `OrderCustomer`, sort `OrderKey`."""
ORDER_CUSTOMER_ATTRIBUTE: Final = "OrderCustomer"
"""Set on a PARENT order item only: its customer id."""
ORDER_KEY_ATTRIBUTE: Final = "OrderKey"
"""Set on a PARENT order item only: `<orderDate iso>#<parentOrderId>` (newest first when read backwards)."""
CUSTOMER_LIST_INDEX: Final = "CustomerIds"
"""TradesStore's sparse index of customer items: partition `CustomerListKey`, sort `CustomerId`, keys only (so
the many writes of a customer's funds never write the index)."""
CUSTOMER_LIST_KEY_ATTRIBUTE: Final = "CustomerListKey"
"""Set on a customer item only, always to `CUSTOMER_LIST_PARTITION`."""
CUSTOMER_LIST_PARTITION: Final = "CUSTOMER"
CUSTOMER_ID_ATTRIBUTE: Final = "CustomerId"
"""The customer item's id attribute: `CustomerIds`' sort key."""
ORDER_BOOK_SCHEDULE: Final = "rate(1 minute)"
"""How often the order book re-evaluates resting orders and expires DAY orders."""
IDEMPOTENCY_KEY: Final = "id"
IDEMPOTENCY_TTL: Final = "expiration"
"""Powertools Idempotency's default layout, which the table is created with."""

SETTLED_PREFIX: Final = "settled/"
"""Settled batches in the trades bucket; IAM and the storage analyzer's notification are scoped to it."""
RAW_PREFIX: Final = "raw/"
"""Raw provider answers in the market-data bucket; the fetching functions may write under it only."""

# -- Orders and customers ----------------------------------------------------------------------

ORDER_TICKER_PATTERN: Final = r"^[A-Z0-9][A-Z0-9.-]{0,14}$"
"""A ticker of an order (and of `dark-pool-tickers-list`, which order tickers are compared with)."""
MARKET_DATA_TICKER_PATTERN: Final = r"^[A-Z0-9^][A-Z0-9.=^-]{0,14}$"
"""A ticker as Yahoo spells it (indices `^GSPC`, futures `ES=F`): the market-data APIs and functions."""
CUSTOMER_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"
ORDER_ID_PATTERN: Final = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
"""An order id in a path (`GET` and `DELETE /orders/{orderId}`): a UUID, as the router generates them."""

MAX_ORDER_QUANTITY: Final = 1_000_000_000
"""The largest order quantity accepted, hence the largest useful `order-split-size`."""
MAX_CHILDREN_PER_ORDER: Final = 98
"""One transaction holds the reservation, the parent ORDER item and the child orders (DynamoDB allows 100 items)."""

SEED_CUSTOMERS: Final = (*(f"{n:06d}" for n in range(1, 10)), "0000010", "0000011", "0000012")
"""The original's customer ids (its `client/src/utils.ts`: the last three have seven characters), so its client
works unchanged."""
SEED_INITIAL_FUNDS: Final = "1000000.00"
CUSTOMER_SEED_RESOURCE_TYPE: Final = "Custom::CustomerSeed"
# The custom resource's properties, which the customer seeder reads.
SEED_CUSTOMERS_PROPERTY: Final = "Customers"
SEED_INITIAL_FUNDS_PROPERTY: Final = "InitialFunds"
SEED_TABLE_PROPERTY: Final = "TableName"

# -- Stack outputs (`cdk deploy --outputs-file`, `.localcloud/outputs.json`) -------------------

TRADES_TABLE_OUTPUT: Final = "TradesTableName"
TRADES_BUCKET_OUTPUT: Final = "TradesBucketName"
MARKET_DATA_TABLE_OUTPUT: Final = "MarketDataTableName"
MARKET_DATA_BUCKET_OUTPUT: Final = "MarketDataBucketName"
ORDERS_API_URL_OUTPUT: Final = "OrdersApiUrl"
DATA_API_URL_OUTPUT: Final = "DataApiUrl"
EVENT_BUS_OUTPUT: Final = "EventBusName"
ORDERS_TOPIC_OUTPUT: Final = "OrdersTopicArn"
MARKET_DATA_API_URL_OUTPUT: Final = "MarketDataApiUrl"
MARKET_DATA_MANAGER_API_URL_OUTPUT: Final = "MarketDataManagerApiUrl"
PARALLEL_FETCH_WORKFLOW_OUTPUT: Final = "MarketDataParallelFetchWorkflowArn"
TICKER_MAP_WORKFLOW_OUTPUT: Final = "MarketDataTickerMapWorkflowArn"
API_KEY_OUTPUT: Final = "ApiKeyId"
ORDERS_API_OPENAPI_URL_OUTPUT: Final = "OrdersApiOpenApiUrl"
DATA_API_OPENAPI_URL_OUTPUT: Final = "DataApiOpenApiUrl"
MARKET_DATA_API_OPENAPI_URL_OUTPUT: Final = "MarketDataApiOpenApiUrl"
MARKET_DATA_MANAGER_API_OPENAPI_URL_OUTPUT: Final = "MarketDataManagerApiOpenApiUrl"
"""`<api url>openapi.json`: each REST API's OpenAPI document (no API key)."""

# -- REST APIs ---------------------------------------------------------------------------------

OPENAPI_DOCUMENT_STAGE_VARIABLE: Final = "openApiDocument"
"""The stage variable that names an API's document (`trading_core.api.documents`) for `api_docs`."""

# -- Metrics (Powertools' embedded metric format, `trading_core.common.observability`) ----------
# Every function's metrics go to the namespace `<METRICS_NAMESPACE>/<stage>` (POWERTOOLS_METRICS_NAMESPACE),
# with the dimension `service`: the function's name (POWERTOOLS_SERVICE_NAME). The stage's dashboard
# (`constructs_lib/operations.py`) graphs the ones below, by these names.

METRICS_NAMESPACE: Final = "TradingSystem"
SERVICE_DIMENSION: Final = "service"
ORDERS_RECEIVED_METRIC: Final = "OrdersReceived"
"""order_router: the orders of the requests it took, valid or not (dark_pool counts the orders it got)."""
INVALID_ORDERS_METRIC: Final = "InvalidOrders"
"""order_router: the orders it refused (`invalidOrders` of its answer)."""
FILLS_METRIC: Final = "Fills"
"""dark_pool, lit_pool: the fills of an invocation per venue (dimension VENUE_DIMENSION, the trade's exchange)."""
VENUE_DIMENSION: Final = "venue"
SETTLEMENT_LAG_METRIC: Final = "SettlementLag"
"""post_trade, per batch it settles: the largest time over its trades from the fill to the settlement, in ms."""
