"""Operations (README "Operations"): the stage's alarm topic, which every alarm notifies, and its dashboard.

The dashboard's custom metrics are the functions' Powertools metrics by their contract names
(`trading_core.contracts`, "Metrics"): namespace `TradingSystem/<stage>`, dimension `service`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib.common.function import TradingFunction
from constructs_lib.common.nag import acknowledge
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

PERIOD: Final = Duration.minutes(1)
SUM: Final = cloudwatch.Stats.SUM
MAXIMUM: Final = cloudwatch.Stats.MAXIMUM
UNENCRYPTED_TOPIC_REASON: Final = (
    "CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and what they send (an "
    "alarm's name, state and metric) holds no business data that a customer-managed key ($1/month) would protect."
)


@dataclass(frozen=True, kw_only=True)
class OperationsProps:
    config: StageConfig
    functions: Sequence[TradingFunction]
    dead_letter_queues: Mapping[str, sqs.IQueue]
    """A readable name -> queue, as for the alarms."""
    tables: Mapping[str, dynamodb.ITable]
    """A readable name -> table."""


def function_metric(
    config: StageConfig, name: str, function: str, statistic: str, **dimensions: str
) -> cloudwatch.Metric:
    """A metric a function emits (Powertools: the stage's namespace, `service` = the function's name)."""
    return cloudwatch.Metric(
        namespace=config.metrics_namespace,
        metric_name=name,
        dimensions_map={contracts.SERVICE_DIMENSION: function, **dimensions},
        statistic=statistic,
        period=PERIOD,
        label=" ".join((name, *dimensions.values())),
    )


def fills_per_venue(config: StageConfig) -> list[cloudwatch.Metric]:
    """`Fills` of each venue of the stage's initial `dark-pools` and `lit-pools` (a venue added at run time
    shows after the next deployment): the dark pool's fills at its venues, the lit pool's at the lit ones."""
    pools = (
        (contracts.DARK_POOL_FUNCTION, config.parameters.dark_pools),
        (contracts.LIT_POOL_FUNCTION, config.parameters.lit_pools),
    )
    return [
        function_metric(config, contracts.FILLS_METRIC, function, SUM, **{contracts.VENUE_DIMENSION: venue})
        for function, venues in pools
        for venue in venues
    ]


def graph(
    title: str, metrics: Sequence[cloudwatch.IMetric], *, width: int = 12, stacked: bool = False
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=width, height=6, stacked=stacked)


class Operations(Construct):
    """`<prefix>-alarms` (an email subscription when the stage sets `alarmEmail`) and `<prefix>-operations`."""

    topic: sns.Topic
    dashboard: cloudwatch.Dashboard

    def __init__(self, scope: Construct, id: str, *, props: OperationsProps) -> None:
        super().__init__(scope, id)
        config = props.config
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=config.resource_name("alarms"),
            display_name=f"trading system {config.stage}: alarms",
            enforce_ssl=True,
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        acknowledge(self.topic, {"AwsSolutions-SNS2": UNENCRYPTED_TOPIC_REASON})
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=config.resource_name("operations"),
            default_interval=Duration.hours(3),
            widgets=self._widgets(props),
        )

    @staticmethod
    def _widgets(props: OperationsProps) -> list[list[cloudwatch.IWidget]]:
        config = props.config
        router = contracts.ORDER_ROUTER_FUNCTION

        lambdas = [f.function for f in props.functions]
        return [
            [
                graph(
                    "Orders in and refused (per minute)",
                    [
                        function_metric(config, contracts.ORDERS_RECEIVED_METRIC, router, SUM),
                        function_metric(config, contracts.INVALID_ORDERS_METRIC, router, SUM),
                    ],
                ),
                graph("Fills per venue (per minute)", fills_per_venue(config), stacked=True),
            ],
            [
                graph(
                    "Settlement lag (ms from a fill to its settlement)",
                    [
                        function_metric(config, contracts.SETTLEMENT_LAG_METRIC, contracts.POST_TRADE_FUNCTION, stat)
                        for stat in (MAXIMUM, cloudwatch.Stats.AVERAGE)
                    ],
                ),
                graph(
                    "Dead-letter queues: messages waiting",
                    [
                        queue.metric_approximate_number_of_messages_visible(
                            period=PERIOD, statistic=MAXIMUM, label=name
                        )
                        for name, queue in props.dead_letter_queues.items()
                    ],
                ),
            ],
            [
                graph("Lambda errors", [f.metric_errors(period=PERIOD, statistic=SUM) for f in lambdas]),
                graph("Lambda throttles", [f.metric_throttles(period=PERIOD, statistic=SUM) for f in lambdas]),
            ],
            [
                graph(
                    "DynamoDB throttled requests (read and write events)",
                    [
                        table.metric(metric, period=PERIOD, statistic=SUM, label=f"{name} {metric}")
                        for name, table in props.tables.items()
                        for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
                    ],
                    width=24,
                ),
            ],
        ]
