"""Customer records written through the AWS endpoint in the original's shape (only `RemainingFunds`),
or with funds that are not numbers, then ordered for over HTTP: nothing fails, nothing is parked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.conftest import Client

LEGACY_CUSTOMER = "0000013"  # seven digits, as the original's last ids, but not one we seed
UNREADABLE_CUSTOMER = "0000099"


def put_customer(client: Client, customer_id: str, remaining_funds: dict[str, str]) -> None:
    table = client.url("TradesTableName")
    key = {"PK": {"S": f"CUST#{customer_id}"}, "SK": {"S": f"CUST#{customer_id}"}}
    client.aws("dynamodb").put_item(TableName=table, Item={**key, "RemainingFunds": remaining_funds})


def parked_messages(client: Client) -> dict[str, int]:
    """Messages in every queue (dead-letter queues and on-failure destinations)."""
    sqs = client.aws("sqs")
    counts = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        counts[url] = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
    return counts


def buy(customer_id: str, quantity: int) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "direction": "Buy",
        "ticker": "COIN",
        "type": "Limit",
        "quantity": quantity,
        "price": "120.00",
    }


def test_a_customer_in_the_original_shape_is_refused_topped_up_and_then_trades(client: Client) -> None:
    client.idle()
    parked = parked_messages(client)
    put_customer(client, LEGACY_CUSTOMER, {"N": "1000"})
    order = buy(LEGACY_CUSTOMER, 100)

    status, refused = client.post_orders(order)
    assert status == 200 and refused["orders"] == [], refused
    [refusal] = refused["invalidOrders"]
    assert refusal["reason"].startswith("insufficient funds") and refusal["reason"].endswith("available 1000.00")
    client.idle()

    status, accepted = client.post_orders(order)
    assert status == 200 and accepted["invalidOrders"] == [], accepted
    client.idle()

    customer = client.customer(LEGACY_CUSTOMER)
    assert customer["nrTrades"] == 1
    assert customer["reservedFunds"] == "0.00"
    assert customer["availableFunds"] == customer["remainingFunds"]
    reserved = sum(Decimal(child["reservedAmount"]) for child in accepted["orders"])
    assert f"the order needs {reserved:.2f}," in refusal["reason"]
    # 1000 + the top-up (the shortfall, reserved - 1000) - what the fill cost.
    cost = Decimal(customer["totalAmountInvested"]) + Decimal(customer["totalCommissionPaid"])
    assert Decimal(customer["remainingFunds"]) == reserved - cost
    assert parked_messages(client) == parked


def test_a_customer_whose_funds_are_not_a_number_is_refused_naming_the_field(client: Client) -> None:
    client.idle()
    parked = parked_messages(client)
    put_customer(client, UNREADABLE_CUSTOMER, {"S": "lots"})

    status, body = client.post_orders(
        [buy(UNREADABLE_CUSTOMER, 10), {**buy(UNREADABLE_CUSTOMER, 10), "direction": "Sell"}]
    )

    assert status == 200 and body["orders"] == []
    assert {refusal["reason"] for refusal in body["invalidOrders"]} == {
        f"customer record {UNREADABLE_CUSTOMER} cannot be read: RemainingFunds is not a number (str)"
    }
    client.idle()
    assert parked_messages(client) == parked
    status, error = client.get(f"/customers/{UNREADABLE_CUSTOMER}")
    assert status == 500
    assert error["errors"][0]["field"] == "RemainingFunds"
    key = {"PK": {"S": f"CUST#{UNREADABLE_CUSTOMER}"}, "SK": {"S": f"CUST#{UNREADABLE_CUSTOMER}"}}
    client.aws("dynamodb").delete_item(TableName=client.url("TradesTableName"), Key=key)  # other tests read them all
