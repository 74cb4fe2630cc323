"""What the patched moto delivers: EventBridge targets and inputs, SNS records, S3 notifications, the
Invoke API, DynamoDB transactions and stream records, atomic requests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.moto_lock import MOTO_LOCK
from localcloud.moto_patches.patching import original
from tests.localcloud.fixtures import sink
from tests.localcloud.support import ACCOUNT, Cloud, create_table, function_arn, local_cloud

DETAIL = {"poolType": "Dark", "orders": [{"id": "o-1", "qty": 5}]}


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def bus_rule(cloud: Cloud, targets: list[dict[str, Any]], *, state: str = "ENABLED") -> Any:
    events = cloud.client("events")
    events.create_event_bus(Name="bus")
    events.put_rule(
        Name="dark",
        EventBusName="bus",
        State=state,
        EventPattern=json.dumps({"source": ["SmartOrderRouter"], "detail": {"poolType": ["Dark"]}}),
    )
    events.put_targets(Rule="dark", EventBusName="bus", Targets=targets)
    return events


def put_event(events: Any, detail: dict[str, Any] = DETAIL) -> None:
    entry = {"Source": "SmartOrderRouter", "DetailType": "Orders", "Detail": json.dumps(detail), "EventBusName": "bus"}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0


# ----------------------------------------------------------------------------- EventBridge


def test_eventbridge_input_path_input_and_transformer_reach_lambda_asynchronously(cloud: Cloud) -> None:
    for name in ("path", "whole", "constant", "transformed"):
        cloud.function(name)
    events = bus_rule(
        cloud,
        [
            {"Id": "1", "Arn": function_arn("path"), "InputPath": "$.detail"},
            {"Id": "2", "Arn": function_arn("whole")},
            {"Id": "3", "Arn": function_arn("constant"), "Input": '{"fixed": true}'},
            {
                "Id": "4",
                "Arn": function_arn("transformed"),
                "InputTransformer": {
                    "InputPathsMap": {"pool": "$.detail.poolType", "order": "$.detail.orders[0]"},
                    "InputTemplate": '{"pool": <pool>, "text": "pool <pool>", "order": <order>}',
                },
            },
        ],
    )
    put_event(events, {"poolType": "Lit"})  # no match
    put_event(events)
    cloud.runtime.wait_idle(10)

    assert sink.calls("path") == [DETAIL]
    assert sink.calls("constant") == [{"fixed": True}]
    assert sink.calls("transformed") == [{"pool": "Dark", "text": "pool Dark", "order": {"id": "o-1", "qty": 5}}]
    (whole,) = sink.calls("whole")
    assert set(whole) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert (whole["source"], whole["detail-type"], whole["detail"]) == ("SmartOrderRouter", "Orders", DETAIL)
    assert whole["time"].endswith("Z") and "T" in whole["time"]


def test_eventbridge_lambda_targets_are_asynchronous(cloud: Cloud) -> None:
    cloud.function("path")
    started = threading.Event()
    sink.RESPONDERS["path"] = lambda event, context: started.wait(5)
    events = bus_rule(cloud, [{"Id": "1", "Arn": function_arn("path"), "InputPath": "$.detail"}])
    put_event(events)  # returns before the function has run
    assert sink.calls("path") == [] or not started.is_set()
    started.set()
    cloud.runtime.wait_idle(10)
    assert sink.calls("path") == [DETAIL]


def test_eventbridge_sqs_sns_and_step_functions_targets(cloud: Cloud) -> None:
    url, queue = cloud.queue("captured")
    topic = cloud.client("sns").create_topic(Name="topic")["TopicArn"]
    topic_url, topic_queue = cloud.queue("from-topic")
    cloud.client("sns").subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=topic_queue, Attributes={"RawMessageDelivery": "true"}
    )
    machine = cloud.client("stepfunctions").create_state_machine(
        name="workflow",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
    )["stateMachineArn"]
    events = bus_rule(
        cloud,
        [
            {"Id": "1", "Arn": queue, "InputPath": "$.detail"},
            {"Id": "2", "Arn": topic, "InputPath": "$.detail.orders"},
            {"Id": "3", "Arn": machine, "InputPath": "$.detail"},
        ],
    )
    put_event(events)
    cloud.runtime.wait_idle(10)

    assert [json.loads(m["Body"]) for m in cloud.messages(url)] == [DETAIL]
    assert [json.loads(m["Body"]) for m in cloud.messages(topic_url)] == [DETAIL["orders"]]
    (execution,) = cloud.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    described = cloud.client("stepfunctions").describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == DETAIL


def test_eventbridge_disabled_rules_and_undeliverable_targets(cloud: Cloud) -> None:
    url, dlq = cloud.queue("rule-dlq")
    events = bus_rule(
        cloud,
        [{"Id": "1", "Arn": function_arn("missing"), "InputPath": "$.detail", "DeadLetterConfig": {"Arn": dlq}}],
    )
    put_event(events)
    cloud.runtime.wait_idle(10)
    (message,) = cloud.messages(url)
    assert json.loads(message["Body"])["detail"] == DETAIL
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["TARGET_ARN"] == function_arn("missing")
    assert attributes["RULE_ARN"].endswith(":rule/bus/dark")
    assert "not registered" in attributes["ERROR_MESSAGE"]

    events.disable_rule(Name="dark", EventBusName="bus")
    put_event(events)
    cloud.runtime.wait_idle(10)
    assert cloud.messages(url) == []


# ----------------------------------------------------------------------------- SNS


def test_sns_lambda_record_has_the_real_attributes_and_filter_policies_apply(cloud: Cloud) -> None:
    sns = cloud.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    cloud.function("dark")
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=function_arn("dark"),
        Attributes={"FilterPolicy": json.dumps({"source": ["SmartOrderRouter"], "poolType": ["Dark"]})},
    )["SubscriptionArn"]

    def attributes(pool: str) -> dict[str, Any]:
        return {
            "source": {"DataType": "String", "StringValue": "SmartOrderRouter"},
            "poolType": {"DataType": "String", "StringValue": pool},
        }

    message_id = sns.publish(
        TopicArn=topic, Message=json.dumps(DETAIL), Subject="orders", MessageAttributes=attributes("Dark")
    )["MessageId"]
    sns.publish(TopicArn=topic, Message="{}", MessageAttributes=attributes("Lit"))
    sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[
            {"Id": "1", "Message": '{"n": 1}', "MessageAttributes": attributes("Dark")},
            {"Id": "2", "Message": '{"n": 2}', "MessageAttributes": attributes("Lit")},
        ],
    )
    cloud.runtime.wait_idle(10)

    calls = sink.calls("dark")
    assert [json.loads(call["Records"][0]["Sns"]["Message"]) for call in calls] == [DETAIL, {"n": 1}]
    record = calls[0]["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == subscription
    notification = record["Sns"]
    assert notification["MessageId"] == message_id
    assert notification["TopicArn"] == topic
    assert notification["Subject"] == "orders"
    assert notification["Type"] == "Notification"
    assert notification["Timestamp"].endswith("Z")
    assert notification["MessageAttributes"] == {
        "source": {"Type": "String", "Value": "SmartOrderRouter"},
        "poolType": {"Type": "String", "Value": "Dark"},
    }
    assert calls[1]["Records"][0]["Sns"]["Subject"] is None


def test_sns_undeliverable_messages_go_to_the_subscription_dead_letter_queue(cloud: Cloud) -> None:
    sns = cloud.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    url, dlq = cloud.queue("sns-dlq")
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=function_arn("missing"),
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq})},
    )
    sns.publish(TopicArn=topic, Message="hello")
    (message,) = cloud.messages(url)
    assert json.loads(message["Body"])["Message"] == "hello"


# ----------------------------------------------------------------------------- S3, Invoke API


def test_s3_notifications_invoke_asynchronously_with_the_key_encoded_as_s3_does(cloud: Cloud) -> None:
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="trades")
    cloud.function("analyzer")
    s3.put_bucket_notification_configuration(
        Bucket="trades",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": function_arn("analyzer"),
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "settled/"}]}},
                }
            ]
        },
    )
    s3.put_object(Bucket="trades", Key="settled/2024/01/02/batch 1.json", Body=b"[]")
    s3.put_object(Bucket="trades", Key="other/x.json", Body=b"[]")
    cloud.runtime.wait_idle(10)

    (event,) = sink.calls("analyzer")
    (record,) = event["Records"]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == "trades"
    assert record["s3"]["object"]["key"] == "settled/2024/01/02/batch+1.json"
    assert {"userIdentity", "requestParameters", "responseElements"} <= set(record)
    assert "sequencer" in record["s3"]["object"]


def test_the_invoke_api_runs_the_handler_in_process(cloud: Cloud) -> None:
    cloud.function("a", "counter_a", in_moto=True)
    cloud.function("queued", in_moto=True)
    cloud.function("ghost", in_moto=True, register=False)  # in moto, not in the runtime
    client = cloud.client("lambda")

    response = client.invoke(FunctionName="a", Payload=json.dumps({}))
    assert json.loads(response["Payload"].read())["module"] == "counter_a"
    assert "FunctionError" not in response
    failed = client.invoke(FunctionName="a", Payload=json.dumps({"raise": "boom"}))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "boom"
    queued = client.invoke(FunctionName="queued", InvocationType="Event", Payload=json.dumps({"q": 1}))
    assert queued["StatusCode"] == 202
    cloud.runtime.wait_idle(10)
    assert sink.calls("queued") == [{"q": 1}]
    with pytest.raises(ClientError, match="not registered with the local Lambda runtime"):
        client.invoke(FunctionName="ghost", Payload=b"{}")


# ----------------------------------------------------------------------------- DynamoDB


def transaction(table: str, existing_qty: str) -> list[dict[str, Any]]:
    return [
        {"Put": {"TableName": table, "Item": {"PK": {"S": "C"}, "SK": {"S": "NEW"}}}},
        {
            "Update": {
                "TableName": table,
                "Key": {"PK": {"S": "C"}, "SK": {"S": "FUNDS"}},
                "UpdateExpression": "SET Qty = Qty - :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": table, "Key": {"PK": {"S": "C"}, "SK": {"S": "GONE"}}}},
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": {"PK": {"S": "C"}, "SK": {"S": "CHECK"}},
                "ConditionExpression": "Qty = :q",
                "ExpressionAttributeValues": {":q": {"N": existing_qty}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]


def run_transaction_scenario(cloud: Cloud) -> dict[str, Any]:
    """A cancelled and a committed transaction: what the client and the table show."""
    ddb = cloud.client("dynamodb")
    for sort_key in ("FUNDS", "GONE", "CHECK"):
        ddb.put_item(TableName="trades", Item={"PK": {"S": "C"}, "SK": {"S": sort_key}, "Qty": {"N": "10"}})
    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(TransactItems=transaction("trades", "11"))
    after_cancel = ddb.scan(TableName="trades")["Items"]
    streams = cloud.client("dynamodbstreams")
    arn = ddb.describe_table(TableName="trades")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records_after_cancel = len(streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"])
    ddb.transact_write_items(TransactItems=transaction("trades", "10"))
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return {
        "error": cancelled.value.response["Error"]["Code"],
        "reasons": cancelled.value.response["CancellationReasons"],
        "after_cancel": sorted(after_cancel, key=lambda item: item["SK"]["S"]),
        "records_after_cancel": records_after_cancel,
        "after_commit": sorted(ddb.scan(TableName="trades")["Items"], key=lambda item: item["SK"]["S"]),
        "records": [(r["eventName"], r["dynamodb"]["Keys"]["SK"]["S"]) for r in records],
    }


def test_transactions_roll_back_exactly_as_moto_does(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models import DynamoDBBackend

    create_table(cloud)
    patched = run_transaction_scenario(cloud)
    cloud.client("dynamodb").delete_table(TableName="trades")
    create_table(cloud)
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", original(DynamoDBBackend, "transact_write_items"))
    stock = run_transaction_scenario(cloud)

    assert patched == stock
    assert patched["error"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in patched["reasons"]] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert patched["reasons"][3]["Item"]["Qty"] == {"N": "10"}
    assert [item["SK"]["S"] for item in patched["after_cancel"]] == ["CHECK", "FUNDS", "GONE"]
    assert all(item["Qty"] == {"N": "10"} for item in patched["after_cancel"])
    assert patched["records_after_cancel"] == 3
    assert patched["records"][3:] == [("INSERT", "NEW"), ("MODIFY", "FUNDS"), ("REMOVE", "GONE")]


def test_transactions_keep_moto_errors_for_invalid_requests(cloud: Cloud) -> None:
    create_table(cloud)
    ddb = cloud.client("dynamodb")
    put = {"Put": {"TableName": "trades", "Item": {"PK": {"S": "C"}, "SK": {"S": "X"}}}}
    with pytest.raises(ClientError, match="multiple operations on one item"):
        ddb.transact_write_items(TransactItems=[put, put])
    assert ddb.scan(TableName="trades")["Items"] == []


def test_stream_records_one_per_change(cloud: Cloud) -> None:
    create_table(cloud)
    ddb = cloud.client("dynamodb")
    key = {"PK": {"S": "C"}, "SK": {"S": "1"}}
    ddb.update_item(
        TableName="trades", Key=key, UpdateExpression="SET Qty = :q", ExpressionAttributeValues={":q": {"N": "1"}}
    )
    ddb.update_item(
        TableName="trades", Key=key, UpdateExpression="SET Qty = :q", ExpressionAttributeValues={":q": {"N": "1"}}
    )
    ddb.put_item(TableName="trades", Item={**key, "Qty": {"N": "1"}})
    ddb.put_item(TableName="trades", Item={**key, "Qty": {"N": "2"}})
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends[ACCOUNT]["us-east-1"].tables["trades"].stream_shard
    assert shard is not None  # the table was created with a stream
    records = [item.to_json() for item in shard.items]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[0]["dynamodb"]["NewImage"] == {**key, "Qty": {"N": "1"}}
    assert records[0]["awsRegion"] == "us-east-1"


def test_each_moto_request_holds_the_lock(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.sqs.models import SQSBackend

    held: list[bool] = []
    create_queue = SQSBackend.create_queue

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        held.append(MOTO_LOCK.held())
        return create_queue(self, *args, **kwargs)

    monkeypatch.setattr(SQSBackend, "create_queue", spy)
    cloud.queue("q")
    assert held == [True]
    assert not MOTO_LOCK.held()
