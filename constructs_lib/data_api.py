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
from constructs_lib.common.storage import grant_index, grant_items
from constructs_lib.market_data.store import MARKET_PRICE_ACTIONS
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


# The data API's reads of TradesStore (`queries/`): a customer, an order, a trades item (GetItem); a customer's
# partition of trades, ledger entries and positions (Query); the ORDER items of a page of the customer's orders
# (BatchGetItem), whose keys come from a Query of the CustomerOrderKeys index.
TRADES_READ_ACTIONS: Final = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem")
# Customer accounts (`customers/accounts_store.py`, `ledger_store.py`): a new customer, a ledger entry and an
# idempotent request's marker are conditional puts (PutItem) in the transaction that updates the customer's funds
# (UpdateItem, also the answer stored on the marker and a record completed); the customer read after a write and
# a stored answer (GetItem); the customers a page of the CustomerIds index names, read in one BatchGetItem.
CUSTOMER_ACCOUNT_ACTIONS: Final = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
)
# A page of an index, each granted by its name: the customer's order keys (CustomerOrderKeys, the data API), the
# customer list (CustomerIds, customer accounts).
INDEX_PAGE_ACTIONS: Final = ("dynamodb:Query",)


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
        trades = props.trades_table
        grant_items(self.handler.function, trades, TRADES_READ_ACTIONS)
        grant_index(self.handler.function, trades, contracts.CUSTOMER_ORDERS_INDEX, INDEX_PAGE_ACTIONS)
        grant_items(self.handler.function, props.market_data_table, MARKET_PRICE_ACTIONS)
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
        grant_items(self.customer_accounts.function, trades, CUSTOMER_ACCOUNT_ACTIONS)
        grant_index(self.customer_accounts.function, trades, contracts.CUSTOMER_LIST_INDEX, INDEX_PAGE_ACTIONS)
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
