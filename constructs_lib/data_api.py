"""The Data API: customers (their positions and ledger entries), trades, tickers and orders read from
TradesStore (and market prices from the MarketData table) by one function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.common.rest_api import TradingRestApi, TradingRestApiProps
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

# resource path (its `{...}` parts are required path parameters) -> optional query string parameters
DATA_ROUTES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("customers/{customerId}", ()),
    ("customers/{customerId}/positions", ()),
    ("customers/{customerId}/ledger", ("nextToken", "limit")),
    ("trades/{customerId}", ("tradeDate", "nextToken", "limit")),
    ("tickers/{ticker}", ("date",)),
    ("orders/{orderId}", ()),
)


@dataclass(frozen=True, kw_only=True)
class DataApiProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    trades_table: dynamodb.ITable
    market_data_table: dynamodb.ITable


# Reference prices (BatchGetItem) and a latest close (Query) for the market price of `GET /tickers`.
MARKET_PRICE_ACTIONS: Final = ("dynamodb:BatchGetItem", "dynamodb:Query")


class DataApi(Construct):
    rest_api: TradingRestApi
    handler: TradingFunction
    methods: list[apigw.Method]

    def __init__(self, scope: Construct, id: str, *, props: DataApiProps) -> None:
        super().__init__(scope, id)
        self.handler = TradingFunction(
            self,
            "DataApiFunction",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.DATA_API_FUNCTION,
                description="Data API: customers, positions, ledger, trades, tickers, orders",
                shared_layer=props.shared_layer,
                environment={
                    contracts.TRADES_TABLE_ENV: props.trades_table.table_name,
                    contracts.MARKET_DATA_TABLE_ENV: props.market_data_table.table_name,
                },
            ),
        )
        props.trades_table.grant_read_data(self.handler.function)
        props.market_data_table.grant(self.handler.function, *MARKET_PRICE_ACTIONS)
        self.rest_api = TradingRestApi(
            self,
            "DataApi",
            props=TradingRestApiProps(config=props.config, name="data-api", description="Data API"),
        )
        integration = apigw.LambdaIntegration(self.handler.function, allow_test_invoke=False)
        self.methods = []
        for path, query_parameters in DATA_ROUTES:
            resource = self.rest_api.api.root.resource_for_path(path)
            path_parameters = [part[1:-1] for part in path.split("/") if part.startswith("{")]
            request_parameters = {f"method.request.path.{name}": True for name in path_parameters} | {
                f"method.request.querystring.{name}": False for name in query_parameters
            }
            self.methods.append(
                resource.add_method(
                    "GET",
                    integration,
                    api_key_required=True,
                    request_validator=self.rest_api.validator,
                    request_parameters=request_parameters,
                )
            )
