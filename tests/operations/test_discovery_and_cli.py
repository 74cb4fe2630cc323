"""Against an AWS account (moto's, in-process): the CLI finds the stage's queues and what sends to each from the
services' configuration, replays, and leaves what still fails where it was, counted."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from operations.redrive.__main__ import main
from operations.redrive.discovery import AsyncDestination, RuleTarget, StreamMapping, Subscription, discover
from operations.redrive.stage import clients_for, read_stage
from tests.operations import recorded

REGION = "us-east-1"
PREFIX = "trading-system-qa-"
QUICK = ("--wait-seconds", "0")  # moto's queues answer at once: no long polling


def code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.fixture
def account(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A stage `qa` with one queue of each kind, another stage's queue, and its outputs file."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        arn = {}
        for name in ("route-dlq", "schedule-dlq", "fn-dlq", "stream-dlq", "idle-dlq"):
            url = sqs.create_queue(QueueName=PREFIX + name)["QueueUrl"]
            arn[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(QueueName="trading-system-prod-route-dlq")
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
        )["Role"]["Arn"]
        lambda_ = boto3.client("lambda", region_name=REGION)
        function = lambda_.create_function(
            FunctionName=PREFIX + "fn",
            Runtime="python3.13",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": code()},
        )["FunctionArn"]
        lambda_.put_function_event_invoke_config(
            FunctionName=function, DestinationConfig={"OnFailure": {"Destination": arn["fn-dlq"]}}
        )
        table = boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=PREFIX + "trades",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]
        lambda_.create_event_source_mapping(
            FunctionName=function,
            EventSourceArn=table["LatestStreamArn"],
            StartingPosition="TRIM_HORIZON",
            FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]},
            DestinationConfig={"OnFailure": {"Destination": arn["stream-dlq"]}},
        )
        events = boto3.client("events", region_name=REGION)
        events.create_event_bus(Name=PREFIX + "bus")
        workflow = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name=PREFIX + "workflow",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn=role,
        )["stateMachineArn"]
        rule = events.put_rule(Name=PREFIX + "Requests", EventBusName=PREFIX + "bus", EventPattern='{"source": ["x"]}')
        events.put_targets(
            Rule=PREFIX + "Requests",
            EventBusName=PREFIX + "bus",
            Targets=[
                {"Id": "T", "Arn": workflow, "InputPath": "$.detail", "DeadLetterConfig": {"Arn": arn["route-dlq"]}}
            ],
        )
        events.put_rule(Name=PREFIX + "schedule", ScheduleExpression="rate(1 minute)")
        events.put_targets(
            Rule=PREFIX + "schedule",
            Targets=[{"Id": "T", "Arn": function, "DeadLetterConfig": {"Arn": arn["schedule-dlq"]}}],
        )
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name=PREFIX + "orders")["TopicArn"]
        sns.subscribe(
            TopicArn=topic,
            Protocol="lambda",
            Endpoint=function,
            Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": arn["route-dlq"]})},
        )
        path = tmp_path / "outputs.json"
        path.write_text(json.dumps({"TradingSystem-qa-Service": {"OrdersTopicArn": topic}}))
        yield {"outputs": path, "rule": rule["RuleArn"], "workflow": workflow, "function": function, "sqs": sqs}


def test_every_queue_of_the_stage_is_found_with_what_sends_to_it(account: dict[str, Any]) -> None:
    stage = read_stage(account["outputs"])
    queues = {queue.name.removeprefix(PREFIX): queue for queue in discover(clients_for(stage), stage)}

    assert sorted(queues) == ["fn-dlq", "idle-dlq", "route-dlq", "schedule-dlq", "stream-dlq"]  # not prod's
    assert queues["route-dlq"].kind == "EventBridge rule + SNS subscription"
    (target,) = queues["route-dlq"].sources_of(RuleTarget)
    assert (target.rule_arn, target.target_arn, target.input_path) == (account["rule"], account["workflow"], "$.detail")
    (subscription,) = queues["route-dlq"].sources_of(Subscription)
    assert (subscription.endpoint, subscription.protocol, subscription.raw) == (account["function"], "lambda", False)
    (scheduled,) = queues["schedule-dlq"].sources_of(RuleTarget)
    assert scheduled.bus_name == "default" and scheduled.input_path is None
    assert queues["fn-dlq"].sources == (AsyncDestination(function_arn=account["function"]),)
    (mapping,) = queues["stream-dlq"].sources_of(StreamMapping)
    assert mapping.filters == ('{"eventName": ["INSERT"]}',)
    assert queues["idle-dlq"].kind == "nothing listed sends to it"
    assert [queue.name for queue in discover(clients_for(stage), stage, ("fn-", "idle"))] == [
        PREFIX + "fn-dlq",
        PREFIX + "idle-dlq",
    ]


def send(account: dict[str, Any], queue: str, body: Any, message_attributes: dict[str, Any] | None = None) -> str:
    url = account["sqs"].get_queue_url(QueueName=PREFIX + queue)["QueueUrl"]
    account["sqs"].send_message(QueueUrl=url, MessageBody=json.dumps(body), MessageAttributes=message_attributes or {})
    return str(url)


def visible(account: dict[str, Any], url: str) -> int:
    attributes = account["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def summary_row(printed: list[str], queue: str) -> list[str]:
    """The counts of the queue's row in the last summary table printed."""
    start = max(index for index, line in enumerate(printed) if line == "redriven:")
    (row,) = [line.split()[1:] for line in printed[start:] if line.split()[:1] == [PREFIX + queue]]
    return row


def test_the_cli_replays_what_it_can_and_counts_what_still_fails(account: dict[str, Any]) -> None:
    event = {**recorded.RULE_EVENT, "detail": {"tickers": ["IBM"]}}
    attributes = recorded.attributes(RULE_ARN=account["rule"], TARGET_ARN=account["workflow"], ERROR_CODE="THROTTLING")
    route = send(account, "route-dlq", event, attributes)
    gone = {**recorded.ASYNC_RECORD, "requestContext": {"functionArn": account["function"] + "-gone", "requestId": "r"}}
    failing = send(account, "fn-dlq", gone)
    printed: list[str] = []

    listed = main([*QUICK, "--outputs", str(account["outputs"]), "--list"], printed.append)
    assert listed == 0 and (visible(account, route), visible(account, failing)) == (1, 1)
    status = main([*QUICK, "--outputs", str(account["outputs"])], printed.append)

    assert status == 1, printed
    text = "\n".join(printed)
    assert "waiting        Orders event 72b97e6e" in text
    assert "trading-system-qa-workflow: execution redrive-72b97e6e-06b8-4f07-9ab3-7c87c1659a39 started" in text
    assert "invoke of trading-system-qa-fn-gone refused: ResourceNotFoundException" in text
    assert summary_row(printed, "fn-dlq") == ["1", "0", "1"]  # waiting, replayed, still failing
    assert summary_row(printed, "route-dlq") == ["1", "1", "0"]
    (execution,) = boto3.client("stepfunctions", region_name=REGION).list_executions(
        stateMachineArn=account["workflow"]
    )["executions"]
    assert execution["name"] == "redrive-72b97e6e-06b8-4f07-9ab3-7c87c1659a39"
    assert (visible(account, route), visible(account, failing)) == (0, 1)  # back in its queue, visible at once

    printed.clear()
    assert main([*QUICK, "--outputs", str(account["outputs"]), "--queue", "route"], printed.append) == 0
    assert "nothing waits in 1 queue: nothing to replay" in printed


def test_an_outputs_file_that_names_no_stage_is_refused_with_status_2(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"SomethingElse": {}}))
    printed: list[str] = []

    assert main(["--outputs", str(path)], printed.append) == 2
    assert printed == [f"redrive: {path}: say which stage (STAGE=<name>; stages found: none)"]
