"""Order intake: `POST /orders` on the Orders API, proxied to the smart order router; `DELETE
/orders/{orderId}`, proxied to the order canceller; and the order book, which re-evaluates resting
orders on a schedule and on `MarketDataUpdate`, and expires DAY orders.

The router prices every order at the market price from the MarketData table, looks up a ticker with
no stored market data by invoking the quote-summary function, and asks the market-data workflows for
stale tickers (docs/market-data.md "For the router and the pools"): the parallel-fetch workflow through
the bus, or the ticker-map workflow by StartExecution, as `market-data-invoke-mode` says.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib.bus import TARGET_MAX_EVENT_AGE, TARGET_RETRY_ATTEMPTS, MessageBus, RouteRule, function_target
from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.common.queues import dead_letter_queue
from constructs_lib.common.rest_api import TradingRestApi, TradingRestApiProps
from constructs_lib.common.storage import grant_index, grant_items
from constructs_lib.market_data.store import MARKET_PRICE_ACTIONS
from constructs_lib.parameters import RuntimeParameters
from constructs_lib.routes import Route
from constructs_lib.stage_config import StageConfig
from trading_core import contracts
from trading_core.api import orders_api

ROUTER_PARAMETERS = (
    contracts.BUS_TYPE_PARAMETER,
    contracts.DARK_POOL_TICKERS_PARAMETER,
    contracts.ORDER_SPLIT_SIZE_PARAMETER,
    contracts.VENUE_FEES_PARAMETER,
    contracts.MARKET_DATA_INVOKE_MODE_PARAMETER,
    contracts.MARKET_CLOSE_TIME_PARAMETER,
)
ORDER_BOOK_PARAMETERS = (contracts.BUS_TYPE_PARAMETER, contracts.DARK_POOL_TICKERS_PARAMETER)
# An order's transaction on TradesStore (`orders/funds_store.py`, `orders/book_store.py`): the ORDER item's put
# (on condition of the version read) with the customer's or position's update. The router reserves with it; a
# live child ended (a failed routing, a cancel, an expiry) releases with it. A customer record lacking funds
# attributes is completed by an update, and its opening-balance ledger entry put in the same transaction.
ORDER_TRANSACTION_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem")
# Ending children reads their ORDER items in one BatchGetItem, and one again with GetItem after a conflict; the
# router also reads the customer (GetItem) to say why a sell's reservation failed.
ORDER_ITEM_READ_ACTIONS = ("dynamodb:BatchGetItem", "dynamodb:GetItem")
# The router keeps the orders it refused, 25 puts per BatchWriteItem.
REFUSED_ORDERS_ACTIONS = ("dynamodb:BatchWriteItem",)
# The order book reads the sparse RestingOrders index: a Query per updated ticker, a Scan on its schedule.
RESTING_ORDERS_ACTIONS = ("dynamodb:Query", "dynamodb:Scan")
# Powertools Idempotency's record of a submission (`orders/idempotency.py`): the in-progress record's
# conditional put; the record read when that put's failed condition did not return it; the answer stored;
# the record deleted when the submission failed (so a retry with the same key runs again).
IDEMPOTENCY_RECORD_ACTIONS = ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")

ORDER_BOOK_MARKET_DATA_ROUTE = Route(
    name="OrderBookMarketDataUpdates",
    sources=(contracts.MARKET_DATA_WORKFLOW_SOURCE,),
    detail_type=contracts.MARKET_DATA_UPDATE_DETAIL_TYPE,
    target=contracts.ORDER_BOOK_FUNCTION,
    purpose="re-evaluate the resting orders of the updated tickers",
)
"""`MarketDataUpdate` (always on EventBridge, like the market-data routes) reaches the order book."""


@dataclass(frozen=True, kw_only=True)
class OrderIntakeProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    trades_table: dynamodb.ITable
    idempotency_table: dynamodb.ITable
    bus: MessageBus
    parameters: RuntimeParameters
    market_data_table: dynamodb.ITable
    ticker_map_workflow: sfn.IStateMachine
    """Started by the router in `StepFunctionAPIs` mode (the parallel-fetch workflow starts from the bus)."""
    ticker_lookup: lambda_.IFunction
    """The quote-summary function, invoked for a ticker with no stored market data."""
    api_docs: lambda_.IFunction
    """`GET /openapi.json`."""


class OrderIntake(Construct):
    rest_api: TradingRestApi
    router: TradingFunction
    canceller: TradingFunction
    order_book: TradingFunction
    schedule: events.Rule
    schedule_dead_letter_queue: sqs.Queue
    market_data_updates: RouteRule

    def __init__(self, scope: Construct, id: str, *, props: OrderIntakeProps) -> None:
        super().__init__(scope, id)
        self.router = TradingFunction(
            self,
            "OrderRouter",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.ORDER_ROUTER_FUNCTION,
                description="smart order router: credit check, split, route to the pools",
                shared_layer=props.shared_layer,
                environment={
                    contracts.TRADES_TABLE_ENV: props.trades_table.table_name,
                    contracts.IDEMPOTENCY_TABLE_ENV: props.idempotency_table.table_name,
                    contracts.MARKET_DATA_TABLE_ENV: props.market_data_table.table_name,
                    contracts.TICKER_MAP_WORKFLOW_ENV: props.ticker_map_workflow.state_machine_arn,
                    contracts.TICKER_LOOKUP_FUNCTION_ENV: props.ticker_lookup.function_name,
                },
            ),
        )
        grant_items(
            self.router.function,
            props.trades_table,
            (*ORDER_TRANSACTION_ACTIONS, *ORDER_ITEM_READ_ACTIONS, *REFUSED_ORDERS_ACTIONS),
        )
        grant_items(self.router.function, props.idempotency_table, IDEMPOTENCY_RECORD_ACTIONS)
        props.bus.add_publisher(self.router)  # also the MarketData requests: PutEvents on the bus
        self.router.grant_parameters_read(props.parameters.select(ROUTER_PARAMETERS))
        grant_items(self.router.function, props.market_data_table, MARKET_PRICE_ACTIONS)
        props.ticker_map_workflow.grant_start_execution(self.router.function)
        # The function itself, not `grant_invoke`'s ARN and ARN:* (its versions): the router calls it unqualified.
        self.router.function.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[props.ticker_lookup.function_arn])
        )

        self._add_canceller(props)
        self.rest_api = TradingRestApi(
            self,
            "OrdersApi",
            props=TradingRestApiProps(config=props.config, document=orders_api.DOCUMENT),
        )
        self.rest_api.add_operations(
            {
                contracts.ORDER_ROUTER_FUNCTION: self.router.function,
                contracts.ORDER_CANCELLER_FUNCTION: self.canceller.function,
                contracts.API_DOCS_FUNCTION: props.api_docs,
            }
        )
        self._add_order_book(props)

    def _add_canceller(self, props: OrderIntakeProps) -> None:
        self.canceller = TradingFunction(
            self,
            "OrderCanceller",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.ORDER_CANCELLER_FUNCTION,
                description="order canceller: DELETE /orders/{orderId} ends live child orders, releases funds",
                shared_layer=props.shared_layer,
                environment={contracts.TRADES_TABLE_ENV: props.trades_table.table_name},
            ),
        )
        grant_items(self.canceller.function, props.trades_table, (*ORDER_ITEM_READ_ACTIONS, *ORDER_TRANSACTION_ACTIONS))

    def _add_order_book(self, props: OrderIntakeProps) -> None:
        config = props.config
        self.order_book = TradingFunction(
            self,
            "OrderBook",
            props=TradingFunctionProps(
                config=config,
                name=contracts.ORDER_BOOK_FUNCTION,
                description="order book: resting orders to the pools when marketable, DAY orders expired",
                shared_layer=props.shared_layer,
                environment={
                    contracts.TRADES_TABLE_ENV: props.trades_table.table_name,
                    contracts.MARKET_DATA_TABLE_ENV: props.market_data_table.table_name,
                },
                timeout=Duration.seconds(60),
                async_invoked=True,
            ),
        )
        function = self.order_book.function
        grant_index(function, props.trades_table, contracts.RESTING_ORDERS_INDEX, RESTING_ORDERS_ACTIONS)
        grant_items(function, props.trades_table, (*ORDER_ITEM_READ_ACTIONS, *ORDER_TRANSACTION_ACTIONS))
        grant_items(function, props.market_data_table, MARKET_PRICE_ACTIONS)
        props.bus.add_publisher(self.order_book)
        self.order_book.grant_parameters_read(props.parameters.select(ORDER_BOOK_PARAMETERS))
        # Scheduled rules live on the account's default bus; the target gets the Scheduled Event.
        self.schedule_dead_letter_queue = dead_letter_queue(
            self, "OrderBookScheduleDeadLetterQueue", config=config, name="order-book-schedule"
        )
        self.schedule = events.Rule(
            self,
            "OrderBookSchedule",
            rule_name=config.resource_name("order-book-schedule"),
            description="re-evaluate resting orders and expire DAY orders",
            schedule=events.Schedule.expression(contracts.ORDER_BOOK_SCHEDULE),
            targets=[
                targets.LambdaFunction(
                    function,
                    dead_letter_queue=self.schedule_dead_letter_queue,
                    retry_attempts=TARGET_RETRY_ATTEMPTS,
                    max_event_age=TARGET_MAX_EVENT_AGE,
                )
            ],
        )
        self.market_data_updates = props.bus.add_rule(
            ORDER_BOOK_MARKET_DATA_ROUTE, function_target(function), scope=self
        )

    @property
    def functions(self) -> tuple[TradingFunction, ...]:
        return (self.router, self.canceller, self.order_book)

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        """The order book's rules' queues (its function's failure queue is on the function)."""
        return {
            "OrderBookSchedule": self.schedule_dead_letter_queue,
            ORDER_BOOK_MARKET_DATA_ROUTE.name: self.market_data_updates.dead_letter_queue,
        }
