"""IAM on the running system, changed as an operator would through the AWS endpoint: a function whose grant
is removed fails its next request with the service's access-denied error and works again once it is back;
a rule whose Lambda permission is removed delivers to its dead-letter queue instead (NO_PERMISSIONS)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.e2e.conftest import STAGE, Client
from tests.localcloud.support import drain_queue

DATA_API = f"trading-system-{STAGE}-data-api"
FUNDS_RAISER = f"trading-system-{STAGE}-funds-raiser"
CUSTOMER = "IAM-000401"


def role_name(client: Client, function: str) -> str:
    return str(client.aws("lambda").get_function_configuration(FunctionName=function)["Role"]).rsplit("/", 1)[-1]


def test_a_grant_deleted_through_the_endpoint_refuses_the_next_request_until_it_is_put_back(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    iam = client.aws("iam")
    role = role_name(client, DATA_API)
    (policy,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    assert client.get("/customers/000002")[0] == 200

    iam.delete_role_policy(RoleName=role, PolicyName=policy)
    try:
        with caplog.at_level(logging.INFO, logger="localcloud.iam"):
            status, _ = client.get("/customers/000002")
    finally:
        iam.put_role_policy(
            RoleName=role,
            PolicyName=policy,
            PolicyDocument=document if isinstance(document, str) else json.dumps(document),
        )

    assert status >= 500
    refusals = [record.getMessage() for record in caplog.records if record.name == "localcloud.iam"]
    assert any(
        f"assumed-role/{role}/{DATA_API} is not authorized to perform: dynamodb:GetItem on resource: "
        f"arn:aws:dynamodb:us-east-1:123456789012:table/trading-system-{STAGE}-trades because no identity-based "
        "policy allows the dynamodb:GetItem action"
        in message
        and message.startswith("localcloud IAM: AccessDeniedException")
        for message in refusals
    ), refusals
    assert client.get("/customers/000002")[0] == 200


def _events_permission(client: Client) -> dict[str, Any]:
    policy = json.loads(client.aws("lambda").get_policy(FunctionName=FUNDS_RAISER)["Policy"])
    (statement,) = [s for s in policy["Statement"] if s["Principal"] == {"Service": "events.amazonaws.com"}]
    return dict(statement)


def _dead_letter_queue(client: Client, rule_arn: str) -> str:
    bus, rule = rule_arn.split(":rule/", 1)[1].split("/", 1)
    (target,) = client.aws("events").list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]
    queue_name = target["DeadLetterConfig"]["Arn"].rsplit(":", 1)[-1]
    return str(client.aws("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"])


def _drain(client: Client, url: str) -> list[dict[str, Any]]:
    return drain_queue(client.aws("sqs"), url)


def _refused_order(client: Client) -> None:
    """An order the customer cannot pay for: the router refuses it and asks for a credit check on the bus."""
    order = {
        "customerId": CUSTOMER,
        "direction": "Buy",
        "ticker": "AAPL",
        "type": "Limit",
        "quantity": 100,
        "price": "150.00",
    }
    status, body = client.post_orders(order)
    assert status == 200 and "insufficient funds" in json.dumps(body), body
    client.idle()


def test_a_rule_whose_lambda_permission_is_removed_delivers_to_its_dead_letter_queue(client: Client) -> None:
    client.switch_bus("EVENT-BRIDGE")
    status, opened = client.request(
        "POST", client.url("DataApiUrl") + "customers", {"customerId": CUSTOMER, "initialDeposit": "100.00"}
    )
    assert status in (200, 201), opened
    statement = _events_permission(client)
    rule_arn = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
    dead_letters = _dead_letter_queue(client, rule_arn)
    _drain(client, dead_letters)
    lambda_ = client.aws("lambda")

    lambda_.remove_permission(FunctionName=FUNDS_RAISER, StatementId=statement["Sid"])
    try:
        _refused_order(client)
        messages = _drain(client, dead_letters)
    finally:
        lambda_.add_permission(
            FunctionName=FUNDS_RAISER,
            StatementId=statement["Sid"],
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=rule_arn,
        )

    (message,) = messages
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS"
    assert attributes["RULE_ARN"] == rule_arn
    assert attributes["TARGET_ARN"].endswith(f":function:{FUNDS_RAISER}")
    assert [order["customerId"] for order in json.loads(message["Body"])["detail"]["orders"]] == [CUSTOMER]
    assert client.customer(CUSTOMER)["availableFunds"] == "100.00"  # the funds raiser never ran

    _refused_order(client)
    assert _drain(client, dead_letters) == []
    assert client.customer(CUSTOMER)["availableFunds"] != "100.00"  # delivered: the customer was topped up
