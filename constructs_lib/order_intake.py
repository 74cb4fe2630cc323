"""Order intake: `POST /orders` on the Orders API, proxied to the smart order router."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.bus import MessageBus
from constructs_lib.config import StageConfig
from constructs_lib.configuration import Configuration
from constructs_lib.function import TradingFunction, TradingFunctionProps
from constructs_lib.rest_api import TradingRestApi, TradingRestApiProps
from trading_core import config as names

ROUTER_PARAMETERS = (names.BUS_TYPE, names.DARK_POOL_TICKERS, names.ORDER_SPLIT_SIZE, names.VENUE_FEES)


@dataclass(frozen=True, kw_only=True)
class OrderIntakeProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    trades_table: dynamodb.ITable
    idempotency_table: dynamodb.ITable
    bus: MessageBus
    configuration: Configuration


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
                name="order_router",
                description="smart order router: credit check, split, route to the pools",
                shared_layer=props.shared_layer,
                environment={
                    "TRADES_TABLE_NAME": props.trades_table.table_name,
                    "IDEMPOTENCY_TABLE_NAME": props.idempotency_table.table_name,
                },
            ),
        )
        props.trades_table.grant_read_write_data(self.router.function)
        props.idempotency_table.grant_read_write_data(self.router.function)
        props.bus.add_publisher(self.router)
        self.router.grant_parameters_read(props.configuration.select(ROUTER_PARAMETERS))

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
