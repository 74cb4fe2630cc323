"""The seven market-data functions (docs/contracts.md "Functions") and what each may touch.

Created in the MarketData construct's scope, so their logical ids do not depend on this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.common.nag import acknowledge, finding_text
from constructs_lib.common.storage import grant_items
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

FETCH_TIMEOUT: Final = Duration.seconds(60)
# What each function may do on the MarketData table (`trading_core/market_data/store.py`).
# A quote summary stored: one UpdateItem of the summary item (its history bookkeeping kept).
SUMMARY_WRITE_ACTIONS: Final = ("dynamodb:UpdateItem",)
# New history: the summary item's bookkeeping read (GetItem, again after a concurrent load's failed condition),
# the bars written (BatchWriteItem, 25 per call) and the bookkeeping moved (UpdateItem).
HISTORY_WRITE_ACTIONS: Final = ("dynamodb:GetItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem")
# An older window (the portfolio of a past date): the days stored in it, a Query, before the missing ones are written.
HISTORY_BACKFILL_ACTIONS: Final = ("dynamodb:Query",)
# The market-data API: a summary and its bookkeeping read (GetItem), history read and the stored days and edges of
# a window (Query), a summary removed and the bookkeeping reset (UpdateItem), an emptied summary item deleted
# (DeleteItem), a window's bars deleted (BatchWriteItem, 25 per call).
MARKET_DATA_API_ACTIONS: Final = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)


@dataclass(frozen=True, kw_only=True)
class MarketDataFunctions:
    quote_summary: TradingFunction
    historical_data: TradingFunction
    market_data_fetcher: TradingFunction
    market_data_checker: TradingFunction
    no_data_notifier: TradingFunction
    task_token_manager: TradingFunction
    market_data_api: TradingFunction

    @property
    def all(self) -> tuple[TradingFunction, ...]:
        return (
            self.quote_summary,
            self.historical_data,
            self.market_data_fetcher,
            self.market_data_checker,
            self.no_data_notifier,
            self.task_token_manager,
            self.market_data_api,
        )


@dataclass(frozen=True, kw_only=True)
class _Factory:
    scope: Construct
    config: StageConfig
    shared_layer: lambda_.ILayerVersion

    def function(
        self,
        id: str,
        name: str,
        description: str,
        *,
        environment: Mapping[str, str] | None = None,
        timeout: Duration | None = None,
        async_invoked: bool = False,
    ) -> TradingFunction:
        return TradingFunction(
            self.scope,
            id,
            props=TradingFunctionProps(
                config=self.config,
                name=name,
                description=f"{name.replace('_', ' ')}: {description}",
                shared_layer=self.shared_layer,
                environment=environment or {},
                timeout=timeout or Duration.seconds(30),
                async_invoked=async_invoked,
            ),
        )


def create_functions(
    scope: Construct,
    *,
    config: StageConfig,
    shared_layer: lambda_.ILayerVersion,
    dependencies_layer: lambda_.ILayerVersion,
    table: dynamodb.ITable,
    bucket: s3.IBucket,
    event_bus: events.IEventBus,
) -> MarketDataFunctions:
    """The functions with their environment and grants; workflow grants come with the workflows."""
    factory = _Factory(scope=scope, config=config, shared_layer=shared_layer)
    fetch_env = {
        contracts.MARKET_DATA_TABLE_ENV: table.table_name,
        contracts.MARKET_DATA_BUCKET_ENV: bucket.bucket_name,
        contracts.MARKET_DATA_PROVIDER_ENV: config.market_data_provider,
    }
    raw_objects = bucket.arn_for_objects(f"{contracts.RAW_PREFIX}*")

    def fetching(id: str, name: str, description: str, actions: Sequence[str]) -> TradingFunction:
        """Calls the provider, writes the table (`actions`) and the raw answers under `raw/` of the bucket."""
        function = factory.function(id, name, description, environment=fetch_env, timeout=FETCH_TIMEOUT)
        function.function.add_layers(dependencies_layer)
        grant_items(function.function, table, actions)
        iam.Grant.add_to_principal(grantee=function.function, actions=["s3:PutObject"], resource_arns=[raw_objects])
        acknowledge(
            function.role,
            {
                f"AwsSolutions-IAM5[Resource::{finding_text(scope, raw_objects)}]": "Object-level S3 actions need an "
                f"object ARN; only s3:PutObject under the '{contracts.RAW_PREFIX}' prefix of the one market-data "
                "bucket.",
            },
        )
        return function

    quote_summary = fetching(
        "QuoteSummaryFunction", contracts.QUOTE_SUMMARY_FUNCTION, "quote summaries", SUMMARY_WRITE_ACTIONS
    )
    historical_data = fetching(
        "HistoricalDataFunction",
        contracts.HISTORICAL_DATA_FUNCTION,
        "incremental daily history",
        (*HISTORY_WRITE_ACTIONS, *HISTORY_BACKFILL_ACTIONS),
    )
    market_data_fetcher = fetching(
        "MarketDataFetcherFunction",
        contracts.MARKET_DATA_FETCHER_FUNCTION,
        "summary and history of one ticker (workflow B)",
        (*SUMMARY_WRITE_ACTIONS, *HISTORY_WRITE_ACTIONS),
    )
    market_data_checker = factory.function(
        "MarketDataCheckerFunction",
        contracts.MARKET_DATA_CHECKER_FUNCTION,
        "decides whether new history arrived (workflow B)",
    )
    no_data_notifier = factory.function(
        "NoDataNotifierFunction",
        contracts.NO_DATA_NOTIFIER_FUNCTION,
        f"announces {contracts.NO_HISTORICAL_DATA_DETAIL_TYPE} with the task token (workflow B)",
        environment={contracts.EVENT_BUS_ENV: event_bus.event_bus_name},
    )
    event_bus.grant_put_events_to(no_data_notifier.function)
    task_token_manager = factory.function(
        "TaskTokenManagerFunction",
        contracts.TASK_TOKEN_MANAGER_FUNCTION,
        "completes workflow B's waiting task (SendTaskSuccess)",
        async_invoked=True,
    )
    market_data_api = factory.function(
        "MarketDataApiFunction",
        contracts.MARKET_DATA_API_FUNCTION,
        "Market data API: quote summaries and history",
        environment={contracts.MARKET_DATA_TABLE_ENV: table.table_name},
    )
    grant_items(market_data_api.function, table, MARKET_DATA_API_ACTIONS)
    return MarketDataFunctions(
        quote_summary=quote_summary,
        historical_data=historical_data,
        market_data_fetcher=market_data_fetcher,
        market_data_checker=market_data_checker,
        no_data_notifier=no_data_notifier,
        task_token_manager=task_token_manager,
        market_data_api=market_data_api,
    )
