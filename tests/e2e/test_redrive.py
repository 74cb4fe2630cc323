"""`make redrive` on the running local cloud, as an operator runs it (its outputs file, its AWS endpoint): a
delivery parked by a fault (a Lambda permission removed, a Deny put on a function's role, both through the AWS
endpoint) is replayed to where it came from once the fault is gone, its effect happens once, and the queue is
empty; a second redrive finds nothing; the same message replayed again changes nothing (every consumer is
idempotent); a replay that still fails leaves its message in its queue, visible, and is counted.

The runs pick their queue (`--queue`), so what other tests park elsewhere is left alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from operations.redrive.__main__ import main
from tests.e2e.conftest import STAGE, Client, today
from tests.localcloud.support import drain_queue

PREFIX = f"trading-system-{STAGE}-"
FUNDS_RAISER = f"{PREFIX}funds-raiser"
AGGREGATOR = f"{PREFIX}aggregator"
CREDIT_CHECKS = f"{PREFIX}credit-check-orders-dlq"
FUNDS_RAISER_FAILURES = f"{PREFIX}funds-raiser-dlq"
STREAM_FAILURES = f"{PREFIX}stream-dlq"
DENY_POLICY = "redrive-test-deny"


def redrive(client: Client, *options: str) -> tuple[int, list[str]]:
    printed: list[str] = []
    status = main(["--outputs", str(client.cloud.outputs_file), *options], printed.append)
    return status, printed


def counts(printed: list[str], queue: str) -> list[int]:
    """The queue's waiting, replayed and still failing in the summary (all 0 when nothing waited)."""
    rows = [line.split() for line in printed if line.split()[:1] == [queue] and len(line.split()) == 4]
    return [int(count) for count in rows[-1][1:]] if rows else [0, 0, 0]


def queue_url(client: Client, name: str) -> str:
    return str(client.aws("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def visible(client: Client, name: str) -> int:
    attributes = client.aws("sqs").get_queue_attributes(
        QueueUrl=queue_url(client, name), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def open_account(client: Client, customer: str, deposit: str) -> None:
    status, body = client.request(
        "POST", client.url("DataApiUrl") + "customers", {"customerId": customer, "initialDeposit": deposit}
    )
    assert status == 201, body


def refused_order(client: Client, customer: str) -> None:
    """A buy the customer cannot pay for: refused, and a credit check on the bus for the funds raiser."""
    order = {"customerId": customer, "direction": "Buy", "ticker": "AAPL", "type": "Limit", "quantity": 100}
    status, body = client.post_orders({**order, "price": "150.00"})
    assert status == 200 and "insufficient funds" in json.dumps(body), body
    client.idle()


def money(client: Client, customer: str) -> dict[str, Any]:
    found = client.customer(customer)
    status, ledger = client.get(f"/customers/{customer}/ledger")
    assert status == 200, ledger
    keys = ("availableFunds", "remainingFunds", "reservedFunds", "totalDeposits", "nrTrades")
    return {**{key: found.get(key) for key in keys}, "ledger": ledger["count"]}


@contextmanager
def without_permission(client: Client, function: str, service: str) -> Iterator[None]:
    """The function's Lambda permission for `service` removed, and put back."""
    lambda_ = client.aws("lambda")
    policy = json.loads(lambda_.get_policy(FunctionName=function)["Policy"])
    (statement,) = [s for s in policy["Statement"] if s["Principal"] == {"Service": f"{service}.amazonaws.com"}]
    lambda_.remove_permission(FunctionName=function, StatementId=statement["Sid"])
    try:
        yield
    finally:
        lambda_.add_permission(
            FunctionName=function,
            StatementId=statement["Sid"],
            Action="lambda:InvokeFunction",
            Principal=f"{service}.amazonaws.com",
            SourceArn=statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        )


def deny(client: Client, function: str, actions: list[str]) -> str:
    """An explicit Deny of `actions` on the function's role (IAM: a Deny wins); returns the role's name."""
    role = str(client.aws("lambda").get_function_configuration(FunctionName=function)["Role"]).rsplit("/", 1)[-1]
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": actions, "Resource": "*"}]}
    client.aws("iam").put_role_policy(RoleName=role, PolicyName=DENY_POLICY, PolicyDocument=json.dumps(document))
    return role


def allow(client: Client, role: str) -> None:
    client.aws("iam").delete_role_policy(RoleName=role, PolicyName=DENY_POLICY)


def park_again(client: Client, name: str, message: dict[str, Any]) -> None:
    """The message sent to its queue once more: a duplicate of what was parked and already replayed."""
    attributes = {
        key: {"DataType": value["DataType"], "StringValue": value["StringValue"]}
        for key, value in (message.get("MessageAttributes") or {}).items()
    }
    client.aws("sqs").send_message(
        QueueUrl=queue_url(client, name), MessageBody=message["Body"], MessageAttributes=attributes
    )


def peek(client: Client, name: str) -> dict[str, Any]:
    """The queue's one message, left in it (visible again at once)."""
    sqs = client.aws("sqs")
    url = queue_url(client, name)
    (message,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MaxNumberOfMessages=10)["Messages"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return dict(message)


def test_a_dead_lettered_credit_check_is_replayed_once_and_a_second_redrive_finds_nothing(client: Client) -> None:
    customer = "REDRIVE-000501"
    client.switch_bus("EVENT-BRIDGE")
    open_account(client, customer, "100.00")
    drain_queue(client.aws("sqs"), queue_url(client, CREDIT_CHECKS))
    with without_permission(client, FUNDS_RAISER, "events"):
        refused_order(client, customer)
    parked = peek(client, CREDIT_CHECKS)
    before = money(client, customer)
    assert before["availableFunds"] == "100.00"  # the funds raiser never got the credit check

    listing = subprocess.run(  # the CLI as `make redrive LIST=1` runs it
        [sys.executable, "-m", "operations.redrive", "--outputs", str(client.cloud.outputs_file), "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert f"  {CREDIT_CHECKS}" in listing and "of rule trading-system-dev-CreditCheckOrders" in listing, listing
    assert "(NO_PERMISSIONS: " in listing and visible(client, CREDIT_CHECKS) == 1

    status, printed = redrive(client, "--queue", "credit-check")
    client.idle()

    assert status == 0, printed
    assert counts(printed, CREDIT_CHECKS) == [1, 1, 0]
    after = money(client, customer)
    assert after["totalDeposits"] == "15000.14" and after["ledger"] == before["ledger"] + 1  # the top-up, once
    assert visible(client, CREDIT_CHECKS) == 0

    status, printed = redrive(client, "--queue", "credit-check")
    assert status == 0 and "nothing waits in 1 queue: nothing to replay" in printed, printed

    park_again(client, CREDIT_CHECKS, parked)
    status, printed = redrive(client, "--queue", "credit-check")
    client.idle()
    assert counts(printed, CREDIT_CHECKS) == [1, 1, 0], printed  # replayed again, and harmless:
    assert money(client, customer) == after


def test_an_sns_message_its_subscription_could_not_deliver_is_replayed_in_sns_s_envelope(client: Client) -> None:
    customer = "REDRIVE-000502"
    open_account(client, customer, "100.00")
    drain_queue(client.aws("sqs"), queue_url(client, CREDIT_CHECKS))
    client.switch_bus("SNS")
    try:
        with without_permission(client, FUNDS_RAISER, "sns"):
            refused_order(client, customer)
    finally:
        client.switch_bus("EVENT-BRIDGE")
    assert "TopicArn" in json.loads(peek(client, CREDIT_CHECKS)["Body"])

    status, printed = redrive(client, "--queue", "credit-check")
    client.idle()

    assert status == 0 and counts(printed, CREDIT_CHECKS) == [1, 1, 0], printed
    assert any(line.strip().startswith("replayed       SNS message") for line in printed), printed
    assert money(client, customer)["totalDeposits"] == "15000.14"


def test_a_replay_that_still_fails_returns_to_its_queue_and_is_counted(client: Client) -> None:
    customer = "REDRIVE-000503"
    open_account(client, customer, "100.00")
    drain_queue(client.aws("sqs"), queue_url(client, FUNDS_RAISER_FAILURES))
    role = deny(client, FUNDS_RAISER, ["dynamodb:*"])
    try:
        refused_order(client, customer)  # the funds raiser fails, is retried, and its record goes to its queue
        assert visible(client, FUNDS_RAISER_FAILURES) == 1

        status, printed = redrive(client, "--queue", "funds-raiser-dlq")

        assert status == 1, printed
        assert counts(printed, FUNDS_RAISER_FAILURES) == [1, 0, 1]
        assert any("AccessDeniedException" in line for line in printed if "→" in line), printed
        assert visible(client, FUNDS_RAISER_FAILURES) == 1  # back in its queue, visible at once
    finally:
        allow(client, role)

    status, printed = redrive(client, "--queue", "funds-raiser-dlq")
    client.idle()

    assert status == 0 and counts(printed, FUNDS_RAISER_FAILURES) == [1, 1, 0], printed
    assert money(client, customer)["totalDeposits"] == "15000.14"
    assert visible(client, FUNDS_RAISER_FAILURES) == 0


def test_a_stream_batch_the_aggregator_could_not_apply_is_read_again_from_the_stream(client: Client) -> None:
    customer = "REDRIVE-000504"
    open_account(client, customer, "100000.00")
    drain_queue(client.aws("sqs"), queue_url(client, STREAM_FAILURES))
    role = deny(client, AGGREGATOR, ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"])  # it still reads the stream
    try:
        order = {"customerId": customer, "direction": "Buy", "ticker": "AAPL", "type": "Market", "quantity": 10}
        status, body = client.post_orders(order)
        assert status == 200 and body["orders"], body
        client.idle()
    finally:
        allow(client, role)
    (trade,) = client.trades(customer, today())
    parked = peek(client, STREAM_FAILURES)
    assert money(client, customer)["nrTrades"] == 0  # settled, not aggregated

    status, printed = redrive(client, "--queue", "stream-dlq")
    client.idle()

    assert status == 0 and counts(printed, STREAM_FAILURES) == [1, 1, 0], printed
    after = money(client, customer)
    assert after["nrTrades"] == 1 and after["reservedFunds"] == "0.00"
    paid = Decimal(trade["quantity"]) * Decimal(trade["price"]) + Decimal(trade["fee"])
    assert Decimal(after["remainingFunds"]) == Decimal("100000.00") - paid

    park_again(client, STREAM_FAILURES, parked)
    status, printed = redrive(client, "--queue", "stream-dlq")
    client.idle()
    assert counts(printed, STREAM_FAILURES) == [1, 1, 0], printed
    assert money(client, customer) == after  # the aggregator's marks: the trade is not applied twice
