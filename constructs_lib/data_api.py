"""The Data API: customers (their positions, ledger entries, orders and portfolio), trades, tickers and orders
read from TradesStore (and market prices from the MarketData table) by `data_api`; the customer list, new
customers, deposits and withdrawals by `customer_accounts`. Every route comes from the API's document
(`trading_core.api.data_api`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.common.rest_api import TradingRestApi, TradingRestApiProps
from constructs_lib.stage_config import StageConfig
from trading_core import contracts
from trading_core.api import data_api


@dataclass(frozen=True, kw_only=True)
class DataApiProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    trades_table: dynamodb.ITable
    market_data_table: dynamodb.ITable
    history_lookup: lambda_.IFunction
    """The historical-data function, invoked for the closes a portfolio lacks."""
    api_docs: lambda_.IFunction
    """`GET /openapi.json`."""


# Reference prices (BatchGetItem) and a latest close (Query) for the market price of `GET /tickers`.
MARKET_PRICE_ACTIONS: Final = ("dynamodb:BatchGetItem", "dynamodb:Query")


class DataApi(Construct):
    rest_api: TradingRestApi
    handler: TradingFunction
    customer_accounts: TradingFunction
    methods: list[apigw.Method]

    def __init__(self, scope: Construct, id: str, *, props: DataApiProps) -> None:
        super().__init__(scope, id)
        self.handler = TradingFunction(
            self,
            "DataApiFunction",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.DATA_API_FUNCTION,
                description="Data API: customers, positions, ledger, orders, portfolio, trades, tickers, orders",
                shared_layer=props.shared_layer,
                environment={
                    contracts.TRADES_TABLE_ENV: props.trades_table.table_name,
                    contracts.MARKET_DATA_TABLE_ENV: props.market_data_table.table_name,
                    contracts.HISTORY_LOOKUP_FUNCTION_ENV: props.history_lookup.function_name,
                },
            ),
        )
        props.trades_table.grant_read_data(self.handler.function)  # the table and its CustomerOrderKeys index
        props.market_data_table.grant(self.handler.function, *MARKET_PRICE_ACTIONS)
        # The function itself, not `grant_invoke`'s ARN and ARN:* (its versions): the data API calls it unqualified.
        self.handler.function.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[props.history_lookup.function_arn])
        )
        self.customer_accounts = TradingFunction(
            self,
            "CustomerAccountsFunction",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.CUSTOMER_ACCOUNTS_FUNCTION,
                description="Data API: the customer list, new customers, deposits and withdrawals",
                shared_layer=props.shared_layer,
                environment={contracts.TRADES_TABLE_ENV: props.trades_table.table_name},
            ),
        )
        # Reads (the table and its CustomerIds index) and the transactions of a new customer or a ledger entry.
        props.trades_table.grant_read_write_data(self.customer_accounts.function)
        self.rest_api = TradingRestApi(
            self,
            "DataApi",
            props=TradingRestApiProps(config=props.config, document=data_api.DOCUMENT),
        )
        self.methods = list(
            self.rest_api.add_operations(
                {
                    contracts.DATA_API_FUNCTION: self.handler.function,
                    contracts.CUSTOMER_ACCOUNTS_FUNCTION: self.customer_accounts.function,
                    contracts.API_DOCS_FUNCTION: props.api_docs,
                }
            ).values()
        )

    @property
    def functions(self) -> tuple[TradingFunction, ...]:
        return (self.handler, self.customer_accounts)
