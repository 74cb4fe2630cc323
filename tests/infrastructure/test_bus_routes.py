"""Each route of docs/contracts.md is both an EventBridge rule and a filtered SNS subscription."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infrastructure.conftest import (
    Synthesized,
    as_list,
    function_logical_id,
    is_ref_to,
    props,
    resources,
    role_statements,
)
from tests.infrastructure.contracts import ContractRoute, contract_routes
from trading_core import contracts

ROUTES = contract_routes()
PUBLISHERS = ("order_router", "dark_pool", "lit_pool", "trade_archiver")


def test_contract_declares_four_routes() -> None:
    assert [r.name for r in ROUTES] == ["DarkPoolOrders", "LitPoolOrders", "CreditCheckOrders", "PostTrades"]


def orders_topic_id(dev: Synthesized) -> str:
    """The bus's SNS topic (the other topic of the stack is the alarm topic, `constructs_lib.operations`)."""
    topics = {props(t)["TopicName"]: logical_id for logical_id, t in resources(dev.service, "AWS::SNS::Topic").items()}
    assert set(topics) == {"trading-system-dev-orders", "trading-system-dev-alarms"}
    return topics["trading-system-dev-orders"]


def test_bus_and_topic_names(dev: Synthesized) -> None:
    (bus,) = resources(dev.service, "AWS::Events::EventBus").values()
    topic = dev.service["Resources"][orders_topic_id(dev)]
    assert props(bus)["Name"] == "trading-system-dev-bus"
    assert props(topic)["TopicName"] == "trading-system-dev-orders"
    assert props(topic)["KmsMasterKeyId"]  # encrypted at rest


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_rule_per_route(dev: Synthesized, route: ContractRoute) -> None:
    rules = {props(r)["Name"]: props(r) for r in resources(dev.service, "AWS::Events::Rule").values()}
    rule = rules[f"trading-system-dev-{route.name}"]
    (bus_id,) = resources(dev.service, "AWS::Events::EventBus")
    assert rule["EventBusName"] == {"Ref": bus_id}
    assert rule["EventPattern"] == route.event_pattern
    (target,) = rule["Targets"]
    assert is_ref_to(target["Arn"], function_logical_id(dev.service, route.target))
    assert target["InputPath"] == "$.detail"
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    dlq = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert dev.service["Resources"][dlq]["Type"] == "AWS::SQS::Queue"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_sns_subscription_per_route(dev: Synthesized, route: ContractRoute) -> None:
    function_id = function_logical_id(dev.service, route.target)
    (subscription,) = (
        props(s)
        for s in resources(dev.service, "AWS::SNS::Subscription").values()
        if is_ref_to(props(s)["Endpoint"], function_id)
    )
    topic_id = orders_topic_id(dev)
    assert subscription["TopicArn"] == {"Ref": topic_id}
    assert subscription["Protocol"] == "lambda"
    assert subscription["FilterPolicy"] == route.filter_policy
    assert "FilterPolicyScope" not in subscription or subscription["FilterPolicyScope"] == "MessageAttributes"
    dlq = subscription["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert dev.service["Resources"][dlq]["Type"] == "AWS::SQS::Queue"


def test_only_the_routes_exist(dev: Synthesized) -> None:
    # plus the two market-data rules (EventBridge only, not order-flow routes: test_market_data) and the
    # order book's two (its schedule on the default bus, MarketDataUpdate on ours: test_order_book_rules)
    assert len(resources(dev.service, "AWS::Events::Rule")) == len(ROUTES) + 4
    assert len(resources(dev.service, "AWS::SNS::Subscription")) == len(ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_targets_may_be_invoked_by_both_transports(dev: Synthesized, route: ContractRoute) -> None:
    function_id = function_logical_id(dev.service, route.target)
    principals = {
        props(p)["Principal"]
        for p in resources(dev.service, "AWS::Lambda::Permission").values()
        if is_ref_to(props(p)["FunctionName"], function_id)
    }
    assert {"events.amazonaws.com", "sns.amazonaws.com"} <= principals


@pytest.mark.parametrize("publisher", PUBLISHERS)
def test_publishers_may_put_events_and_publish(dev: Synthesized, publisher: str) -> None:
    (bus_id,) = resources(dev.service, "AWS::Events::EventBus")
    topic_id = orders_topic_id(dev)
    statements = role_statements(dev.service, function_logical_id(dev.service, publisher))
    grants = {(a, str(r)) for s in statements for a in as_list(s["Action"]) for r in as_list(s["Resource"])}
    assert ("events:PutEvents", str({"Fn::GetAtt": [bus_id, "Arn"]})) in grants
    assert ("sns:Publish", str({"Ref": topic_id})) in grants
    env = props(dev.service["Resources"][function_logical_id(dev.service, publisher)])["Environment"]["Variables"]
    assert env["EVENT_BUS_NAME"] == {"Ref": bus_id}
    assert env["ORDERS_TOPIC_ARN"] == {"Ref": topic_id}


def test_order_book_rules(dev: Synthesized) -> None:
    """The schedule (default bus: EventBridge allows schedules there only) delivers the whole Scheduled
    Event; MarketDataUpdate reaches the order book as `$.detail`; each rule has retries and a DLQ."""
    rules = {props(r)["Name"]: props(r) for r in resources(dev.service, "AWS::Events::Rule").values()}
    book = function_logical_id(dev.service, contracts.ORDER_BOOK_FUNCTION)
    schedule = rules["trading-system-dev-order-book-schedule"]
    assert schedule["ScheduleExpression"] == contracts.ORDER_BOOK_SCHEDULE and "EventBusName" not in schedule
    updates = rules["trading-system-dev-OrderBookMarketDataUpdates"]
    assert updates["EventPattern"] == {
        "source": [contracts.MARKET_DATA_WORKFLOW_SOURCE],
        "detail-type": [contracts.MARKET_DATA_UPDATE_DETAIL_TYPE],
    }
    for rule, input_path in ((schedule, None), (updates, "$.detail")):
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [book, "Arn"]}
        assert target.get("InputPath") == input_path
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 4 and "DeadLetterConfig" in target


def dead_letter_senders(template: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """Per queue, the (service principal, source) pairs its queue policy lets send to it."""
    senders: dict[str, set[tuple[str, str]]] = {}
    for policy in resources(template, "AWS::SQS::QueuePolicy").values():
        for queue in props(policy)["Queues"]:
            for statement in props(policy)["PolicyDocument"]["Statement"]:
                service = statement.get("Principal", {}).get("Service")
                if statement["Effect"] == "Allow" and service and "sqs:SendMessage" in as_list(statement["Action"]):
                    source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
                    senders.setdefault(queue["Ref"], set()).add((service, str(source)))
    return senders


def test_every_dead_letter_queue_lets_its_rule_or_topic_send_to_it(dev: Synthesized) -> None:
    """EventBridge and SNS reach a dead-letter queue only with its queue policy's grant for the rule or topic
    (the local cloud checks it as AWS does: localcloud/iam/queue_policies.py)."""
    senders = dead_letter_senders(dev.service)
    wanted: list[tuple[str, str, str]] = []
    for rule_id, rule in resources(dev.service, "AWS::Events::Rule").items():
        for target in props(rule)["Targets"]:
            queue = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
            wanted.append((queue, "events.amazonaws.com", str({"Fn::GetAtt": [rule_id, "Arn"]})))
    for subscription in resources(dev.service, "AWS::SNS::Subscription").values():
        queue = props(subscription)["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        wanted.append((queue, "sns.amazonaws.com", str(props(subscription)["TopicArn"])))
    assert len(wanted) == len(ROUTES) + 4 + len(ROUTES)
    for queue, service, source in wanted:
        assert (service, source) in senders.get(queue, set()), (queue, service, source)
