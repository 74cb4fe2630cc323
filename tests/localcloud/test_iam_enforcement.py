"""IAM enforced on the local cloud's functions: identity policies as they are now in moto's IAM (changed
through the AWS endpoint), the service's access-denied errors, and Lambda permissions for deliveries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from localcloud.iam.enforcer import Enforcer
from tests.localcloud.support import (
    ACCOUNT,
    REGION,
    Cloud,
    enforced_local_cloud,
    function_with_role,
)

ROLE = "caller-role"
FUNCTION = "caller"
TABLE = "orders"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/{FUNCTION}"


def grant(actions: list[str], resource: str, effect: str = "Allow") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": actions, "Resource": resource}]}
    )


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with enforced_local_cloud() as cloud:
        yield cloud


@pytest.fixture
def endpoint(cloud: Cloud) -> Iterator[Any]:
    """The AWS endpoint on loopback, as `make run` serves it: an IAM client over HTTP."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield boto3.client("iam", region_name=REGION, endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()


def caller(cloud: Cloud, policy: str | None = None) -> str:
    return function_with_role(cloud, FUNCTION, ROLE, policy, "aws_caller")


def create_table(cloud: Cloud) -> None:
    cloud.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def put_item(cloud: Cloud, key: str = "1") -> Any:
    event = {"service": "dynamodb", "operation": "put_item", "params": {"TableName": TABLE, "Item": {"PK": {"S": key}}}}
    payload, errored = cloud.runtime.invoke(FUNCTION, event)
    assert not errored, payload
    return payload


def test_a_request_the_role_allows_succeeds_and_one_it_does_not_is_dynamodbs_access_denied(cloud: Cloud) -> None:
    create_table(cloud)
    caller(cloud, grant(["dynamodb:PutItem"], TABLE_ARN))

    assert put_item(cloud) == {"ok": True}
    event = {
        "service": "dynamodb",
        "operation": "delete_item",
        "params": {"TableName": TABLE, "Key": {"PK": {"S": "1"}}},
    }
    refused, _ = cloud.runtime.invoke(FUNCTION, event)

    assert refused["error"] == {
        "code": "AccessDeniedException",
        "status": 400,
        "type": "ClientError",
        "message": f"User: {PRINCIPAL} is not authorized to perform: dynamodb:DeleteItem on resource: {TABLE_ARN} "
        "because no identity-based policy allows the dynamodb:DeleteItem action",
    }
    # the refused request never reached moto: the item is still there
    assert "Item" in cloud.client("dynamodb").get_item(TableName=TABLE, Key={"PK": {"S": "1"}})


def test_a_grant_removed_through_the_endpoint_fails_the_next_request_and_works_again_when_restored(
    cloud: Cloud, endpoint: Any
) -> None:
    create_table(cloud)
    caller(cloud, grant(["dynamodb:PutItem"], TABLE_ARN))
    assert put_item(cloud, "1") == {"ok": True}

    endpoint.delete_role_policy(RoleName=ROLE, PolicyName="grants")
    refused = put_item(cloud, "2")
    assert refused["error"]["code"] == "AccessDeniedException"
    assert "not authorized to perform: dynamodb:PutItem" in refused["error"]["message"]

    endpoint.put_role_policy(RoleName=ROLE, PolicyName="grants", PolicyDocument=grant(["dynamodb:PutItem"], TABLE_ARN))
    assert put_item(cloud, "3") == {"ok": True}

    endpoint.put_role_policy(RoleName=ROLE, PolicyName="deny", PolicyDocument=grant(["dynamodb:*"], "*", "Deny"))
    denied = put_item(cloud, "4")
    assert denied["error"]["message"].endswith("with an explicit deny in an identity-based policy")
    items = cloud.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert sorted(item["PK"]["S"] for item in items) == ["1", "3"]


def test_each_service_refuses_with_its_own_error(cloud: Cloud) -> None:
    caller(cloud, grant(["logs:*"], "*"))
    sqs = cloud.client("sqs").create_queue(QueueName="q")["QueueUrl"]
    topic = cloud.client("sns").create_topic(Name="t")["TopicArn"]
    cloud.client("s3").create_bucket(Bucket="trades-bucket")
    calls = {
        "s3": (
            "put_object",
            {"Bucket": "trades-bucket", "Key": "settled/x.json", "Body": "{}"},
            "AccessDenied",
            403,
            "s3:PutObject",
            "arn:aws:s3:::trades-bucket/settled/x.json",
        ),
        "sns": ("publish", {"TopicArn": topic, "Message": "m"}, "AuthorizationError", 403, "sns:Publish", topic),
        "sqs": (
            "send_message",
            {"QueueUrl": sqs, "MessageBody": "m"},
            "AccessDenied",
            403,
            "sqs:SendMessage",
            f"arn:aws:sqs:{REGION}:{ACCOUNT}:q",
        ),
        "events": (
            "put_events",
            {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}"}]},
            "AccessDeniedException",
            400,
            "events:PutEvents",
            f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
        ),
        "ssm": (
            "get_parameter",
            {"Name": "/app/flag"},
            "AccessDeniedException",
            400,
            "ssm:GetParameter",
            f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/flag",
        ),
        "stepfunctions": (
            "start_execution",
            {"stateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:m"},
            "AccessDeniedException",
            400,
            "states:StartExecution",
            f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:m",
        ),
        "lambda": (
            "invoke",
            {"FunctionName": "other"},
            "AccessDeniedException",
            403,
            "lambda:InvokeFunction",
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other",
        ),
    }
    for service, (operation, params, code, status, action, resource) in calls.items():
        payload, _ = cloud.runtime.invoke(FUNCTION, {"service": service, "operation": operation, "params": params})
        assert payload["error"]["code"] == code, service
        assert payload["error"]["status"] == status, service
        assert payload["error"]["message"] == (
            f"User: {PRINCIPAL} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action"
        ), service
    assert cloud.client("sqs").receive_message(QueueUrl=sqs).get("Messages") is None


def test_requests_outside_a_function_are_not_evaluated(cloud: Cloud) -> None:
    create_table(cloud)
    caller(cloud)  # no policy at all

    cloud.client("dynamodb").put_item(TableName=TABLE, Item={"PK": {"S": "by the local cloud"}})

    assert put_item(cloud)["error"]["code"] == "AccessDeniedException"


def test_an_attached_aws_managed_policy_is_read_from_its_pinned_document(cloud: Cloud) -> None:
    from localcloud.iam import managed

    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    managed.install(arn, ACCOUNT)
    caller(cloud)
    cloud.client("iam").attach_role_policy(RoleName=ROLE, PolicyArn=arn)
    event = {"service": "logs", "operation": "create_log_group", "params": {"logGroupName": "/x"}}

    assert cloud.runtime.invoke(FUNCTION, event)[0] == {"ok": True}
    cloud.client("iam").detach_role_policy(RoleName=ROLE, PolicyArn=arn)
    assert cloud.runtime.invoke(FUNCTION, event)[0]["error"]["code"] == "AccessDeniedException"


def test_an_unpinned_aws_managed_policy_is_refused_naming_it() -> None:
    from localcloud.iam import managed

    with pytest.raises(managed.UnpinnedPolicy, match="AmazonS3FullAccess"):
        managed.pinned("arn:aws:iam::aws:policy/AmazonS3FullAccess")


def test_an_operator_not_evaluated_in_a_role_stops_the_summary_naming_it(cloud: Cloud) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            }
        ],
    }
    caller(cloud, json.dumps(policy))

    with pytest.raises(ValueError, match="NumericLessThan"):
        Enforcer().summary(ACCOUNT)


def test_evaluations_are_cached_per_iam_version(cloud: Cloud) -> None:
    create_table(cloud)
    caller(cloud, grant(["dynamodb:PutItem"], TABLE_ARN))
    enforcer = Enforcer()
    from localcloud.iam.caller import function_caller

    who = function_caller(FUNCTION, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}")
    params = {"TableName": TABLE, "Item": {}}
    assert enforcer.check(who, "dynamodb", "PutItem", params, REGION) is None
    first = enforcer.roles.policies(f"arn:aws:iam::{ACCOUNT}:role/{ROLE}")
    assert enforcer.roles.policies(f"arn:aws:iam::{ACCOUNT}:role/{ROLE}") is first  # no IAM write: the same

    cloud.client("iam").put_role_policy(RoleName=ROLE, PolicyName="grants", PolicyDocument=grant(["s3:*"], "*"))

    assert enforcer.roles.policies(f"arn:aws:iam::{ACCOUNT}:role/{ROLE}") is not first
    refusal = enforcer.check(who, "dynamodb", "PutItem", params, REGION)
    assert refusal is not None and refusal.action == "dynamodb:PutItem"
