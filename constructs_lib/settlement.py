"""After the match: post-trade settlement, stream aggregation and archiving, storage analysis and the funds raiser."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib.bus import MessageBus
from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.common.nag import acknowledge, finding_text
from constructs_lib.common.queues import dead_letter_queue
from constructs_lib.common.storage import grant_items
from constructs_lib.parameters import RuntimeParameters
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

STREAM_BATCH_SIZE: Final = 100
STREAM_RETRY_ATTEMPTS: Final = 5
# Records gathered before a batch smaller than STREAM_BATCH_SIZE goes to the aggregator: each aggregate (customer,
# position, ticker-day share) is written once per batch, so a longer window merges more POSTs' trades into one
# write per key (a customer's several orders, its position's several fills); aggregates lag trades by as much.
STREAM_BATCHING_WINDOW_SECONDS: Final = 5
# The archiver writes one S3 object per batch (`trading_core/settlement/archive.py`): the window gathers several
# POSTs' trades into one PUT; its batches are retried whole (no bisecting, no partial failures), so a retry
# brings the same records and rewrites the same object.
ARCHIVE_BATCH_SIZE: Final = 1000
# What each function may do on TradesStore's items (`trading_core/settlement`, `aggregation`, `customers`).
# Settling a delivery (`settlement_store.py`): its ORDER items and trades items in one BatchGetItem, one read
# again (GetItem) after a failed version condition, each put back (PutItem) on condition of its version.
SETTLEMENT_ACTIONS: Final = ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem")
# Aggregating a stream batch (`aggregate_writer.py`): the aggregates in one BatchGetItem, each one's conditional
# UpdateItem; a customer record lacking funds attributes is completed by an update, with its opening-balance
# ledger entry put (PutItem) in the same transaction. The stream itself is read through the event source's grant.
AGGREGATION_ACTIONS: Final = ("dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:PutItem")
# Reconciling a settled batch with the table (`stored_trades.py`): its trades items in one BatchGetItem.
RECONCILIATION_ACTIONS: Final = ("dynamodb:BatchGetItem",)
# A top-up (`top_up_store.py`): the marker and the DEPOSIT ledger entry put (PutItem) in the transaction that
# updates the customer's funds (UpdateItem, also a record completed).
TOP_UP_ACTIONS: Final = ("dynamodb:PutItem", "dynamodb:UpdateItem")


def trade_records_filter() -> Mapping[str, Any]:
    """Only trades items inserted or changed (given more trades) reach the aggregator and the archiver
    (docs/contracts.md)."""
    return lambda_.FilterCriteria.filter(
        {
            "eventName": lambda_.FilterRule.or_(*contracts.TRADE_STREAM_EVENTS),
            "dynamodb": {
                "Keys": {contracts.SORT_KEY: {"S": lambda_.FilterRule.begins_with(contracts.TRADE_SORT_KEY_PREFIX)}}
            },
        }
    )


def trade_stream_source(
    table: dynamodb.ITable, *, batch_size: int, partial_batches: bool, failures: sqs.IQueue
) -> sources.DynamoEventSource:
    """A reader of the stream's trades records. `partial_batches`: a failed batch is bisected and resumed from the
    record reported failed (the aggregator's marks make replays harmless); without, it is retried whole, with the
    same records (what keeps the archive's objects one per batch)."""
    return sources.DynamoEventSource(
        table,
        starting_position=lambda_.StartingPosition.TRIM_HORIZON,
        batch_size=batch_size,
        max_batching_window=Duration.seconds(STREAM_BATCHING_WINDOW_SECONDS),
        bisect_batch_on_error=partial_batches,
        report_batch_item_failures=partial_batches,
        retry_attempts=STREAM_RETRY_ATTEMPTS,
        on_failure=sources.SqsDlq(failures),
        filters=[trade_records_filter()],
    )


@dataclass(frozen=True, kw_only=True)
class SettlementProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    trades_table: dynamodb.ITable
    trades_bucket_name: str
    """The Data stack's bucket, imported by name so its notification lives in this stack (no cycle)."""
    bus: MessageBus
    parameters: RuntimeParameters


class Settlement(Construct):
    post_trade: TradingFunction
    aggregator: TradingFunction
    trade_archiver: TradingFunction
    storage_analyzer: TradingFunction
    funds_raiser: TradingFunction
    stream_dead_letter_queue: sqs.Queue
    stream_source: sources.DynamoEventSource
    archive_dead_letter_queue: sqs.Queue

    def __init__(self, scope: Construct, id: str, *, props: SettlementProps) -> None:
        super().__init__(scope, id)
        config = props.config
        table = props.trades_table
        bucket = s3.Bucket.from_bucket_name(self, "TradesBucket", props.trades_bucket_name)
        settled_objects = bucket.arn_for_objects(f"{contracts.SETTLED_PREFIX}*")
        table_env = {contracts.TRADES_TABLE_ENV: table.table_name}

        self.post_trade = TradingFunction(
            self,
            "PostTrade",
            props=TradingFunctionProps(
                config=config,
                name=contracts.POST_TRADE_FUNCTION,
                description="post-trade processor: settle trades into TradesStore",
                shared_layer=props.shared_layer,
                environment=table_env,
                timeout=Duration.seconds(60),
                async_invoked=True,
            ),
        )
        grant_items(self.post_trade.function, table, SETTLEMENT_ACTIONS)

        self.aggregator = TradingFunction(
            self,
            "Aggregator",
            props=TradingFunctionProps(
                config=config,
                name=contracts.AGGREGATOR_FUNCTION,
                description="aggregator: customer, position and ticker statistics from the TradesStore stream",
                shared_layer=props.shared_layer,
                environment=table_env,
                timeout=Duration.seconds(60),
            ),
        )
        grant_items(self.aggregator.function, table, AGGREGATION_ACTIONS)
        self.stream_dead_letter_queue = dead_letter_queue(self, "StreamDeadLetterQueue", config=config, name="stream")
        self.stream_source = trade_stream_source(
            table, batch_size=STREAM_BATCH_SIZE, partial_batches=True, failures=self.stream_dead_letter_queue
        )
        self.aggregator.function.add_event_source(self.stream_source)

        self.trade_archiver = TradingFunction(
            self,
            "TradeArchiver",
            props=TradingFunctionProps(
                config=config,
                name=contracts.TRADE_ARCHIVER_FUNCTION,
                description="trade archiver: settled trades from the TradesStore stream to S3, one object per batch",
                shared_layer=props.shared_layer,
                environment={contracts.TRADES_BUCKET_ENV: bucket.bucket_name},
                timeout=Duration.seconds(60),
            ),
        )
        self.trade_archiver.function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[settled_objects])
        )
        props.bus.add_publisher(self.trade_archiver)
        self.trade_archiver.grant_parameters_read(props.parameters.select([contracts.BUS_TYPE_PARAMETER]))
        self.archive_dead_letter_queue = dead_letter_queue(
            self, "ArchiveDeadLetterQueue", config=config, name="trade-archive"
        )
        self.trade_archiver.function.add_event_source(
            trade_stream_source(
                table, batch_size=ARCHIVE_BATCH_SIZE, partial_batches=False, failures=self.archive_dead_letter_queue
            )
        )
        for reader in (self.aggregator, self.trade_archiver):
            acknowledge(
                reader.role,
                {
                    "AwsSolutions-IAM5[Resource::*]": "X-Ray needs Resource '*'; so does dynamodb:ListStreams, which "
                    "the stream event source requires and which supports no resource-level permissions.",
                },
            )

        self.storage_analyzer = TradingFunction(
            self,
            "StorageAnalyzer",
            props=TradingFunctionProps(
                config=config,
                name=contracts.STORAGE_ANALYZER_FUNCTION,
                description="storage analyzer: inspects settled batches written to the trades bucket",
                shared_layer=props.shared_layer,
                environment=table_env,
                async_invoked=True,
            ),
        )
        grant_items(self.storage_analyzer.function, table, RECONCILIATION_ACTIONS)
        self.storage_analyzer.function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[settled_objects])
        )
        bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(self.storage_analyzer.function),
            s3.NotificationKeyFilter(prefix=contracts.SETTLED_PREFIX),
        )
        self._acknowledge_notifications_handler()
        object_arn = finding_text(self, settled_objects)
        for function in (self.trade_archiver, self.storage_analyzer):
            acknowledge(
                function.role,
                {
                    f"AwsSolutions-IAM5[Resource::{object_arn}]": "Object-level S3 actions need an object ARN; "
                    f"access is limited to the '{contracts.SETTLED_PREFIX}' prefix of the one trades bucket.",
                },
            )

        self.funds_raiser = TradingFunction(
            self,
            "FundsRaiser",
            props=TradingFunctionProps(
                config=config,
                name=contracts.FUNDS_RAISER_FUNCTION,
                description="available-funds raiser: tops up customers that failed the credit check",
                shared_layer=props.shared_layer,
                environment=table_env,
                async_invoked=True,
            ),
        )
        grant_items(self.funds_raiser.function, table, TOP_UP_ACTIONS)
        self.funds_raiser.grant_parameters_read(props.parameters.select([contracts.AUTO_TOP_UP_PARAMETER]))

    def _acknowledge_notifications_handler(self) -> None:
        """CDK's singleton that applies bucket notifications (Custom::S3BucketNotifications) in this stack."""
        stack = Stack.of(self)
        for child in stack.node.children:
            if child.node.id.startswith("BucketNotificationsHandler"):
                acknowledge(
                    child,
                    {
                        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                        "AWSLambdaBasicExecutionRole]": "CDK's built-in bucket-notifications handler (deploy time "
                        "only) uses the AWS-managed basic execution role; its only other right is "
                        "s3:PutBucketNotification.",
                    },
                )
