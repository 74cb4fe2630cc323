"""Request → IAM actions and resources, per service (no moto)."""

from __future__ import annotations

from typing import Any

from localcloud.iam.requests import Authorization, Call, authorizations

ACCOUNT = "123456789012"
REGION = "us-east-1"


def asked(prefix: str, operation: str, **params: Any) -> list[tuple[str, str]]:
    return [tuple(item) for item in authorizations(Call(prefix, operation, params, REGION, ACCOUNT))]  # type: ignore[misc]


def table(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def test_dynamodb_item_calls_are_on_the_table() -> None:
    assert asked("dynamodb", "PutItem", TableName="Trades", Item={}) == [("dynamodb:PutItem", table("Trades"))]
    assert asked("dynamodb", "GetItem", TableName=table("Trades")) == [("dynamodb:GetItem", table("Trades"))]


def test_dynamodb_query_on_an_index_targets_the_index() -> None:
    assert asked("dynamodb", "Query", TableName="Trades", IndexName="ByCustomer") == [
        ("dynamodb:Query", table("Trades/index/ByCustomer"))
    ]
    assert asked("dynamodb", "Query", TableName="Trades") == [("dynamodb:Query", table("Trades"))]


def test_dynamodb_transact_write_items_needs_each_items_action_on_its_table() -> None:
    items = [
        {"Put": {"TableName": "Orders", "Item": {}}},
        {"Update": {"TableName": "Customers", "Key": {}, "UpdateExpression": "SET a = :a"}},
        {"Delete": {"TableName": "Orders", "Key": {}}},
        {"ConditionCheck": {"TableName": "Limits", "Key": {}, "ConditionExpression": "x"}},
    ]
    assert asked("dynamodb", "TransactWriteItems", TransactItems=items) == [
        ("dynamodb:PutItem", table("Orders")),
        ("dynamodb:UpdateItem", table("Customers")),
        ("dynamodb:DeleteItem", table("Orders")),
        ("dynamodb:ConditionCheckItem", table("Limits")),
    ]


def test_dynamodb_batch_calls_are_their_own_action_on_every_table() -> None:
    assert asked("dynamodb", "BatchWriteItem", RequestItems={"A": [], "B": []}) == [
        ("dynamodb:BatchWriteItem", table("A")),
        ("dynamodb:BatchWriteItem", table("B")),
    ]
    assert asked("dynamodb", "BatchGetItem", RequestItems={"A": {}}) == [("dynamodb:BatchGetItem", table("A"))]


def test_dynamodb_streams_are_on_the_stream() -> None:
    stream = table("Trades") + "/stream/2026-12-02T00:00:00.000"
    assert asked("dynamodb", "GetRecords", ShardIterator=f"{stream}|1|abc") == [("dynamodb:GetRecords", stream)]
    assert asked("dynamodb", "DescribeStream", StreamArn=stream) == [("dynamodb:DescribeStream", stream)]
    assert asked("dynamodb", "ListStreams") == [("dynamodb:ListStreams", "*")]


def test_s3_objects_and_buckets() -> None:
    assert asked("s3", "PutObject", Bucket="b", Key="settled/x.json") == [
        ("s3:PutObject", "arn:aws:s3:::b/settled/x.json")
    ]
    assert asked("s3", "HeadObject", Bucket="b", Key="k") == [("s3:GetObject", "arn:aws:s3:::b/k")]
    assert asked("s3", "GetObject", Bucket="b", Key="k", VersionId="v1") == [
        ("s3:GetObjectVersion", "arn:aws:s3:::b/k")
    ]
    assert asked("s3", "ListObjectsV2", Bucket="b", Prefix="raw/") == [("s3:ListBucket", "arn:aws:s3:::b")]
    assert asked("s3", "CopyObject", Bucket="b", Key="to", CopySource={"Bucket": "a", "Key": "from"}) == [
        ("s3:GetObject", "arn:aws:s3:::a/from"),
        ("s3:PutObject", "arn:aws:s3:::b/to"),
    ]
    assert asked(
        "s3", "DeleteObjects", Bucket="b", Delete={"Objects": [{"Key": "x"}, {"Key": "y", "VersionId": "1"}]}
    ) == [
        ("s3:DeleteObject", "arn:aws:s3:::b/x"),
        ("s3:DeleteObjectVersion", "arn:aws:s3:::b/y"),
    ]


def test_messaging_services() -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:bus"
    assert asked("sns", "Publish", TopicArn=topic, Message="m") == [("sns:Publish", topic)]
    assert asked("sns", "PublishBatch", TopicArn=topic, PublishBatchRequestEntries=[]) == [("sns:Publish", topic)]
    queue_url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/dlq"
    assert asked("sqs", "SendMessageBatch", QueueUrl=queue_url, Entries=[]) == [
        ("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq")
    ]
    assert asked("sqs", "GetQueueUrl", QueueName="dlq") == [("sqs:GetQueueUrl", f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq")]
    entries = [
        {"EventBusName": "trading"},
        {"EventBusName": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/trading"},
        {},
    ]
    assert asked("events", "PutEvents", Entries=entries) == [
        ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/trading"),
        ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"),
    ]


def test_parameters_state_machines_and_functions() -> None:
    parameter = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/trading-system/dev/bus-type"
    assert asked("ssm", "GetParameter", Name="/trading-system/dev/bus-type") == [("ssm:GetParameter", parameter)]
    assert asked("ssm", "GetParameters", Names=["/trading-system/dev/bus-type"]) == [("ssm:GetParameters", parameter)]
    assert asked("ssm", "DescribeParameters") == [("ssm:DescribeParameters", "*")]
    machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:m"
    assert asked("states", "StartExecution", stateMachineArn=machine) == [("states:StartExecution", machine)]
    # a token no execution waits on: nothing to name but "*"
    assert asked("states", "SendTaskSuccess", taskToken="t", output="{}") == [("states:SendTaskSuccess", "*")]
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"
    assert asked("lambda", "Invoke", FunctionName="f") == [("lambda:InvokeFunction", function)]
    assert asked("lambda", "Invoke", FunctionName=f"{ACCOUNT}:function:f") == [("lambda:InvokeFunction", function)]
    assert asked("lambda", "Invoke", FunctionName="f", Qualifier="live") == [
        ("lambda:InvokeFunction", function + ":live")
    ]


def test_other_operations_are_their_own_action_on_any_resource_and_caller_identity_is_free() -> None:
    assert asked("xray", "PutTraceSegments", TraceSegmentDocuments=[]) == [("xray:PutTraceSegments", "*")]
    assert asked("sts", "GetCallerIdentity") == []
    assert authorizations(Call("logs", "PutLogEvents", {}, REGION, ACCOUNT)) == [
        Authorization("logs:PutLogEvents", "*")
    ]
