"""The message bus (docs/architecture.md §5): one EventBridge bus, one SNS topic, routes declared once for both."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib.common.function import TradingFunction
from constructs_lib.common.queues import dead_letter_queue
from constructs_lib.routes import Route
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

SNS_AWS_MANAGED_KEY: Final = "alias/aws/sns"
TARGET_RETRY_ATTEMPTS: Final = 4


def event_pattern(route: Route) -> events.EventPattern:
    return events.EventPattern(
        source=list(route.sources), detail_type=[route.detail_type], detail={route.field: [route.value]}
    )


def filter_policy(route: Route) -> dict[str, sns.SubscriptionFilter]:
    """The rule's selection on SNS message attributes (`source`, `detail-type`, the routing field)."""
    return {
        contracts.SOURCE_ATTRIBUTE: sns.SubscriptionFilter.string_filter(allowlist=list(route.sources)),
        contracts.DETAIL_TYPE_ATTRIBUTE: sns.SubscriptionFilter.string_filter(allowlist=[route.detail_type]),
        route.field: sns.SubscriptionFilter.string_filter(allowlist=[route.value]),
    }


def slug(route: Route) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", route.name).lower()


@dataclass(frozen=True, kw_only=True)
class RouteBinding:
    route: Route
    rule: events.Rule
    subscription: sns.Subscription
    dead_letter_queue: sqs.Queue


@dataclass(frozen=True, kw_only=True)
class MessageBusProps:
    config: StageConfig


class MessageBus(Construct):
    """EventBridge bus + SNS topic (SSE with the AWS-managed key, TLS enforced) and their routes."""

    event_bus: events.EventBus
    topic: sns.Topic
    bindings: list[RouteBinding]

    def __init__(self, scope: Construct, id: str, *, props: MessageBusProps) -> None:
        super().__init__(scope, id)
        self._config = props.config
        self.event_bus = events.EventBus(self, "Bus", event_bus_name=props.config.resource_name("bus"))
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=props.config.resource_name("orders"),
            master_key=kms.Alias.from_alias_name(self, "SnsKey", SNS_AWS_MANAGED_KEY),
            enforce_ssl=True,
        )
        self.bindings = []

    def add_route(self, route: Route, target: lambda_.IFunction) -> RouteBinding:
        """One rule on the bus (target gets `$.detail`) and one filtered subscription, sharing one DLQ."""
        scope = Construct(self, route.name)
        dlq = dead_letter_queue(scope, "DeadLetterQueue", config=self._config, name=slug(route))
        rule = events.Rule(
            scope,
            "Rule",
            rule_name=self._config.resource_name(route.name),
            description=f"route {route.name}",
            event_bus=self.event_bus,
            event_pattern=event_pattern(route),
            targets=[
                targets.LambdaFunction(
                    target,
                    event=events.RuleTargetInput.from_event_path("$.detail"),
                    dead_letter_queue=dlq,
                    retry_attempts=TARGET_RETRY_ATTEMPTS,
                    max_event_age=Duration.hours(2),
                )
            ],
        )
        subscription = self.topic.add_subscription(
            subscriptions.LambdaSubscription(target, filter_policy=filter_policy(route), dead_letter_queue=dlq)
        )
        binding = RouteBinding(route=route, rule=rule, subscription=subscription, dead_letter_queue=dlq)
        self.bindings.append(binding)
        return binding

    def add_publisher(self, publisher: TradingFunction) -> None:
        """PutEvents on this bus and Publish on this topic, plus the names the function needs."""
        self.event_bus.grant_put_events_to(publisher.function)
        # Not `topic.grant_publish`: that would add kms:GenerateDataKey*/Decrypt on key/*, but the AWS-managed
        # aws/sns key's own policy already lets any principal of the account use it through SNS.
        iam.Grant.add_to_principal(
            grantee=publisher.function, actions=["sns:Publish"], resource_arns=[self.topic.topic_arn]
        )
        publisher.add_environment(contracts.EVENT_BUS_ENV, self.event_bus.event_bus_name)
        publisher.add_environment(contracts.ORDERS_TOPIC_ENV, self.topic.topic_arn)
