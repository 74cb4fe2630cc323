"""What the enforcer and the functions' resource policies allowed, recorded while enabled (`localcloud.iam.usage`):
the roles' (action, resource) pairs of allowed requests, the Lambda permissions a delivery went through; nothing
while disabled; written to a JSON file run by run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.iam import usage
from localcloud.iam.usage import ActionUse, PermissionUse, Usage
from tests.localcloud.support import ACCOUNT, REGION, Cloud, create_table, enforced_local_cloud, function_with_role

ROLE = "recorded-role"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/trades"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/orders"


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with enforced_local_cloud() as cloud:
        yield cloud


@pytest.fixture
def recorder() -> Iterator[Usage]:
    recorded = usage.enable()
    try:
        yield recorded
    finally:
        usage.disable()


def grant(*actions: str) -> str:
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": TABLE_ARN}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def call(cloud: Cloud, operation: str, **params: object) -> bool:
    event = {"service": "dynamodb", "operation": operation, "params": {"TableName": "trades", **params}}
    payload, errored = cloud.runtime.invoke("caller", event)
    assert not errored, payload
    return bool(payload.get("ok"))


KEY = {"PK": {"S": "1"}, "SK": {"S": "1"}}


def test_allowed_requests_are_recorded_per_role_action_and_resource_and_refused_ones_are_not(
    cloud: Cloud, recorder: Usage
) -> None:
    create_table(cloud)
    function_with_role(cloud, "caller", ROLE, grant("dynamodb:PutItem", "dynamodb:GetItem"), "aws_caller")

    assert call(cloud, "put_item", Item=KEY)
    assert call(cloud, "put_item", Item=KEY)  # recorded once
    assert call(cloud, "get_item", Key=KEY)
    assert not call(cloud, "delete_item", Key=KEY)  # refused: not a use

    assert recorder.actions() == {
        ActionUse(ROLE_ARN, "dynamodb:PutItem", TABLE_ARN),
        ActionUse(ROLE_ARN, "dynamodb:GetItem", TABLE_ARN),
    }
    taken, _ = recorder.take()
    assert len(taken) == 2 and recorder.actions() == frozenset()  # taken: forgotten here


def test_nothing_is_recorded_while_disabled(cloud: Cloud) -> None:
    create_table(cloud)
    function_with_role(cloud, "caller", ROLE, grant("dynamodb:PutItem"), "aws_caller")
    recorded = usage.enable()
    usage.disable()

    assert call(cloud, "put_item", Item=KEY)

    assert usage.active() is None
    assert recorded.actions() == frozenset()


def test_a_lambda_permission_a_delivery_goes_through_is_recorded_with_its_statement(
    cloud: Cloud, recorder: Usage
) -> None:
    from localcloud.iam import hook

    arn = function_with_role(cloud, "target", "target-role", None)
    lambda_ = cloud.client("lambda")
    for sid, source in (("orders", RULE_ARN), ("every-rule", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/*")):
        lambda_.add_permission(
            FunctionName="target",
            StatementId=sid,
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=source,
        )
    enforcer = hook.active()
    assert enforcer is not None

    assert enforcer.functions.allows(arn, "events.amazonaws.com", RULE_ARN, ACCOUNT)
    assert not enforcer.functions.allows(arn, "sns.amazonaws.com", "arn:aws:sns:us-east-1:123456789012:t", ACCOUNT)

    assert recorder.permissions() == {PermissionUse(arn, "events.amazonaws.com", RULE_ARN, ("every-rule", "orders"))}


def test_the_environment_variable_enables_recording_and_runs_are_appended_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(usage.ENVIRONMENT_VARIABLE, raising=False)
    assert usage.from_environment() is None
    path = tmp_path / "usage.json"
    monkeypatch.setenv(usage.ENVIRONMENT_VARIABLE, str(path))
    try:
        recorded = usage.from_environment()
        assert recorded is not None and usage.active() is recorded
        assert usage.from_environment() is recorded
        recorded.allowed(ROLE_ARN, [("dynamodb:GetItem", TABLE_ARN)])
        recorded.invoked("arn:aws:lambda:us-east-1:123456789012:function:f", "s3.amazonaws.com", None, ["s3"])
        usage.write(path, recorded, {"roles": []})
        recorded.allowed(ROLE_ARN, [("dynamodb:PutItem", TABLE_ARN)])
        usage.write(path, recorded)
    finally:
        usage.disable()

    first, second = usage.load(path)
    assert usage.actions_of(first) == {ActionUse(ROLE_ARN, "dynamodb:GetItem", TABLE_ARN)}
    assert usage.permissions_of(first) == {
        PermissionUse("arn:aws:lambda:us-east-1:123456789012:function:f", "s3.amazonaws.com", "", ("s3",))
    }
    assert first["grants"] == {"roles": []}
    assert usage.actions_of(second) == {ActionUse(ROLE_ARN, "dynamodb:PutItem", TABLE_ARN)}
    assert usage.permissions_of(second) == frozenset()


def test_a_recording_block_keeps_its_own_uses_and_adds_them_to_the_recorder_active_before() -> None:
    outer = usage.enable()
    try:
        outer.allowed(ROLE_ARN, [("dynamodb:GetItem", TABLE_ARN)])
        with usage.recording() as inner:
            assert usage.active() is inner
            inner.allowed(ROLE_ARN, [("dynamodb:PutItem", TABLE_ARN)])
        assert usage.active() is outer
        assert inner.actions() == {ActionUse(ROLE_ARN, "dynamodb:PutItem", TABLE_ARN)}
        assert outer.actions() == {
            ActionUse(ROLE_ARN, "dynamodb:GetItem", TABLE_ARN),
            ActionUse(ROLE_ARN, "dynamodb:PutItem", TABLE_ARN),
        }
    finally:
        usage.disable()
    with usage.recording():
        pass
    assert usage.active() is None
