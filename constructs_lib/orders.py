"""Order intake: `POST /orders` on the Orders API, proxied to the smart order router.

The router also prices market buys from the MarketData table and asks the market-data workflows for
stale tickers (docs/market-data.md "For the router and the pools"): the parallel-fetch workflow through
the bus, or the ticker-map workflow by StartExecution, as `market-data-invoke-mode` says.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib.bus import MessageBus
from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.common.rest_api import TradingRestApi, TradingRestApiProps
from constructs_lib.parameters import RuntimeParameters
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

ROUTER_PARAMETERS = (
    contracts.BUS_TYPE_PARAMETER,
    contracts.DARK_POOL_TICKERS_PARAMETER,
    contracts.ORDER_SPLIT_SIZE_PARAMETER,
    contracts.VENUE_FEES_PARAMETER,
    contracts.MARKET_DATA_INVOKE_MODE_PARAMETER,
)
# Staleness of the traded tickers (BatchGetItem) and the latest close of a market buy's ticker (Query).
ROUTER_MARKET_DATA_ACTIONS = ("dynamodb:BatchGetItem", "dynamodb:Query")


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


class OrderIntake(Construct):
    rest_api: TradingRestApi
    router: TradingFunction
    orders_method: apigw.Method

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
                },
            ),
        )
        props.trades_table.grant_read_write_data(self.router.function)
        props.idempotency_table.grant_read_write_data(self.router.function)
        props.bus.add_publisher(self.router)  # also the MarketData requests: PutEvents on the bus
        self.router.grant_parameters_read(props.parameters.select(ROUTER_PARAMETERS))
        props.market_data_table.grant(self.router.function, *ROUTER_MARKET_DATA_ACTIONS)
        props.ticker_map_workflow.grant_start_execution(self.router.function)

        self.rest_api = TradingRestApi(
            self,
            "OrdersApi",
            props=TradingRestApiProps(config=props.config, name="orders-api", description="Orders API"),
        )
        self.orders_method = self.rest_api.api.root.add_resource("orders").add_method(
            "POST",
            apigw.LambdaIntegration(self.router.function, allow_test_invoke=False),
            api_key_required=True,
            request_validator=self.rest_api.validator,
        )
