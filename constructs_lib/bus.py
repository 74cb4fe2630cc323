"""The message bus (docs/architecture.md §5): one EventBridge bus, one SNS topic, routes declared once for both.

Every rule on the bus, the order flow's and market data's, is built here the same way: its target gets
`$.detail`, with retries, a 2-hour event age and a dead-letter queue of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib.common.function import TradingFunction
from constructs_lib.common.queues import dead_letter_queue
from constructs_lib.routes import Route
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

SNS_AWS_MANAGED_KEY: Final = "alias/aws/sns"
TARGET_RETRY_ATTEMPTS: Final = 4
TARGET_MAX_EVENT_AGE: Final = Duration.hours(2)
DETAIL: Final = events.RuleTargetInput.from_event_path("$.detail")

RuleTarget = Callable[[sqs.IQueue], events.IRuleTarget]
"""A rule's target, given the route's dead-letter queue."""


def function_target(function: lambda_.IFunction) -> RuleTarget:
    return lambda dlq: targets.LambdaFunction(
        function,
        event=DETAIL,
        dead_letter_queue=dlq,
        retry_attempts=TARGET_RETRY_ATTEMPTS,
        max_event_age=TARGET_MAX_EVENT_AGE,
    )


def workflow_target(state_machine: sfn.IStateMachine) -> RuleTarget:
    return lambda dlq: targets.SfnStateMachine(
        state_machine,
        input=DETAIL,
        dead_letter_queue=dlq,
        retry_attempts=TARGET_RETRY_ATTEMPTS,
        max_event_age=TARGET_MAX_EVENT_AGE,
    )


def event_pattern(route: Route) -> events.EventPattern:
    if route.field is None:
        return events.EventPattern(source=list(route.sources), detail_type=[route.detail_type])
    return events.EventPattern(
        source=list(route.sources), detail_type=[route.detail_type], detail={route.field: [route.value]}
    )


def filter_policy(route: Route) -> dict[str, sns.SubscriptionFilter]:
    """The rule's selection on SNS message attributes (`source`, `detail-type`, the routing field)."""
    if route.field is None or route.value is None:
        raise ValueError(f"route {route.name} selects no routing field: it has no SNS subscription")
    return {
        contracts.SOURCE_ATTRIBUTE: sns.SubscriptionFilter.string_filter(allowlist=list(route.sources)),
        contracts.DETAIL_TYPE_ATTRIBUTE: sns.SubscriptionFilter.string_filter(allowlist=[route.detail_type]),
        route.field: sns.SubscriptionFilter.string_filter(allowlist=[route.value]),
    }


def slug(route: Route) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", route.name).lower()


@dataclass(frozen=True, kw_only=True)
class RouteRule:
    route: Route
    rule: events.Rule
    dead_letter_queue: sqs.Queue


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

    def add_rule(self, route: Route, target: RuleTarget, *, scope: Construct | None = None) -> RouteRule:
        """The route's rule on the bus, under `scope/<route name>` (this bus by default), with its own DLQ."""
        node = Construct(scope or self, route.name)
        dlq = dead_letter_queue(node, "DeadLetterQueue", config=self._config, name=slug(route))
        rule = events.Rule(
            node,
            "Rule",
            rule_name=self._config.resource_name(route.name),
            description=f"route {route.name}: {route.purpose}" if route.purpose else f"route {route.name}",
            event_bus=self.event_bus,
            event_pattern=event_pattern(route),
            targets=[target(dlq)],
        )
        return RouteRule(route=route, rule=rule, dead_letter_queue=dlq)

    def add_route(self, route: Route, target: lambda_.IFunction) -> RouteBinding:
        """An order-flow route: its rule and a filtered subscription of the same function, sharing one DLQ."""
        rule = self.add_rule(route, function_target(target))
        subscription = self.topic.add_subscription(
            subscriptions.LambdaSubscription(
                target, filter_policy=filter_policy(route), dead_letter_queue=rule.dead_letter_queue
            )
        )
        binding = RouteBinding(
            route=route, rule=rule.rule, subscription=subscription, dead_letter_queue=rule.dead_letter_queue
        )
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
