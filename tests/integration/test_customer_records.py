"""Customer records that lack what the system adds (the original's shape) or cannot be read at all,
through the whole flow against moto: router, funds raiser, aggregator and data API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.integration.conftest import TradingAws
from tests.integration.flow import OrderFlow, invoke, reset_handlers
from trading_core.common import keys

ORIGINAL_SHAPE_FUNDS = Decimal("1000000")


@pytest.fixture
def flow(trading_aws: TradingAws, bus_type: str) -> OrderFlow:
    reset_handlers()
    return OrderFlow(trading_aws, bus_type)


def put_original_shape(aws: TradingAws, customer_id: str, funds: Any = ORIGINAL_SHAPE_FUNDS) -> None:
    """As the original's deployment wrote a customer: keys and `RemainingFunds`, nothing else."""
    aws.table.put_item(Item={**keys.customer_key(customer_id), "RemainingFunds": funds})


def order(customer_id: str, direction: str = "Buy", quantity: int = 100, price: str = "150.00") -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "direction": direction,
        "ticker": "COIN",
        "type": "Limit",
        "quantity": quantity,
        "price": price,
    }


def test_a_buy_completes_the_record_reserves_and_settles_with_exact_funds(flow: OrderFlow) -> None:
    put_original_shape(flow.aws, "0000010")

    status, body = flow.post_orders(order("0000010"))

    assert status == 200 and body["invalidOrders"] == [], body
    reserved = sum(Decimal(child["reservedAmount"]) for child in body["orders"])
    record = flow.aws.customer("0000010")
    assert record["RemainingFunds"] == ORIGINAL_SHAPE_FUNDS
    assert record["ReservedFunds"] == reserved
    assert record["AvailableFunds"] == ORIGINAL_SHAPE_FUNDS - reserved
    assert record["CustomerId"] == "0000010"

    flow.run_until_idle()

    record = flow.aws.customer("0000010")
    assert record["NrTrades"] == 1
    assert record["ReservedFunds"] == 0
    assert (
        record["RemainingFunds"] == ORIGINAL_SHAPE_FUNDS - record["TotalAmountInvested"] - record["TotalCommissionPaid"]
    )
    assert record["AvailableFunds"] == record["RemainingFunds"]


def put_original_shape_position(aws: TradingAws, customer_id: str, quantity: int) -> None:
    """A position as written before positions carried reservations and costs: `Quantity` only."""
    aws.table.put_item(Item={**keys.position_key(customer_id, "COIN"), "Quantity": quantity, "NrTrades": 1})


def test_a_sell_completes_the_record_and_its_proceeds_are_added_to_the_funds(flow: OrderFlow) -> None:
    put_original_shape(flow.aws, "0000011")
    put_original_shape_position(flow.aws, "0000011", 10)

    status, body = flow.post_orders(order("0000011", "Sell", quantity=10, price="1.00"))
    assert status == 200 and body["invalidOrders"] == [], body
    flow.run_until_idle()

    record = flow.aws.customer("0000011")
    proceeds = -record["TotalAmountInvested"] - record["TotalCommissionPaid"]
    assert proceeds > 0
    assert record["RemainingFunds"] == ORIGINAL_SHAPE_FUNDS + proceeds
    assert record["AvailableFunds"] == record["RemainingFunds"]
    assert record["ReservedFunds"] == 0
    # The opening balance is what the record held; the shares, bought before costs were kept, cost 0,
    # so the whole notional is realized and the money identity holds.
    assert record["TotalDeposits"] == ORIGINAL_SHAPE_FUNDS
    assert record["RealizedPnl"] == -record["TotalAmountInvested"]
    position = flow.aws.table.get_item(Key=keys.position_key("0000011", "COIN"), ConsistentRead=True)["Item"]
    assert (position["Quantity"], position["AvailableQuantity"], position["ReservedQuantity"]) == (0, 0, 0)
    assert (position["CostBasis"], position["RealizedPnl"]) == (0, record["RealizedPnl"])
    assert record["RemainingFunds"] + position["CostBasis"] == (
        record["TotalDeposits"] - record["TotalWithdrawals"] - record["TotalCommissionPaid"] + record["RealizedPnl"]
    )


def test_a_sell_of_more_than_the_position_holds_is_refused_and_reserves_nothing(flow: OrderFlow) -> None:
    put_original_shape(flow.aws, "0000011")
    put_original_shape_position(flow.aws, "0000011", 10)

    status, body = flow.post_orders([order("0000011", "Sell", quantity=11, price="1.00"), order("0000012", "Sell")])

    assert status == 200 and body["orders"] == []
    assert [refusal["reason"] for refusal in body["invalidOrders"]] == [
        "insufficient position: the order needs 11, available 10",
        "unknown customer 0000012",
    ]
    position = flow.aws.table.get_item(Key=keys.position_key("0000011", "COIN"), ConsistentRead=True)["Item"]
    assert position == {**keys.position_key("0000011", "COIN"), "Quantity": 10, "NrTrades": 1}


def test_a_refused_order_is_topped_up_and_the_resent_order_accepted(flow: OrderFlow) -> None:
    put_original_shape(flow.aws, "0000012", Decimal("100"))
    big = order("0000012", quantity=1000)

    status, body = flow.post_orders(big)
    assert status == 200 and body["orders"] == []
    [refused] = body["invalidOrders"]
    assert refused["reason"].startswith("insufficient funds") and "available 100.00" in refused["reason"]
    flow.run_until_idle()  # the funds raiser: no ValidationException on the completed record

    status, body = flow.post_orders(big)
    assert status == 200 and body["invalidOrders"] == [], body


def test_the_data_api_shows_the_defaults_of_what_the_record_lacks(flow: OrderFlow) -> None:
    put_original_shape(flow.aws, "0000010")

    status, body = flow.get("/customers/0000010")

    assert status == 200
    assert body == {
        "customerId": "0000010",
        "remainingFunds": "1000000.00",
        "availableFunds": "1000000.00",
        "reservedFunds": "0.00",
        "nrTrades": 0,
        "totalCommissionPaid": "0.00",
        "totalAmountInvested": "0.00",
        # The opening balance of a record in the original's shape is its RemainingFunds.
        "totalDeposits": "1000000.00",
        "totalWithdrawals": "0.00",
        "realizedPnl": "0.00",
    }


@pytest.mark.parametrize("bus_type", ["EVENT-BRIDGE"], indirect=True)
def test_funds_that_are_not_numbers_are_refused_naming_the_field_and_nothing_retries(flow: OrderFlow) -> None:
    put_original_shape(flow.aws, "000009", "lots")
    before = flow.aws.customer("000009")

    status, body = flow.post_orders([order("000009"), order("000009", "Sell")])

    assert status == 200 and body["orders"] == []
    reasons = {refusal["reason"] for refusal in body["invalidOrders"]}
    assert reasons == {"customer record 000009 cannot be read: RemainingFunds is not a number (str)"}
    assert all(not refusal.get("retryable") for refusal in body["invalidOrders"])
    assert flow.run_until_idle() == 0  # no credit check, nothing published
    assert flow.aws.customer("000009") == before

    status, body = flow.get("/customers/000009")
    assert status == 500
    assert body["errors"] == [{"field": "RemainingFunds", "message": body["message"]}]
    assert "RemainingFunds is not a number" in body["message"]


@pytest.mark.parametrize("bus_type", ["EVENT-BRIDGE"], indirect=True)
def test_the_funds_raiser_completes_an_incomplete_record_and_skips_an_unreadable_one(flow: OrderFlow) -> None:
    put_original_shape(flow.aws, "0000010")
    put_original_shape(flow.aws, "000009", "lots")
    credit_checks = {
        "invalidOrders": "CreditCheck",
        "orders": [
            {"orderId": "p-1", "customerId": "0000010", "shortfall": "25.50"},
            {"orderId": "p-2", "customerId": "000009", "shortfall": "25.50"},
        ],
    }

    counts = invoke("funds_raiser", credit_checks)

    assert counts == {"applied": 1, "duplicate": 0, "unknown_customer": 0, "unreadable_customer": 1, "disabled": 0}
    record = flow.aws.customer("0000010")
    assert record["RemainingFunds"] == ORIGINAL_SHAPE_FUNDS + Decimal("25.50")
    assert record["AvailableFunds"] == record["RemainingFunds"]
    assert record["ReservedFunds"] == 0
    assert record["TotalDeposits"] == ORIGINAL_SHAPE_FUNDS + Decimal("25.50")
    assert invoke("funds_raiser", credit_checks)["duplicate"] == 1


@pytest.mark.parametrize("bus_type", ["EVENT-BRIDGE"], indirect=True)
def test_the_aggregator_completes_a_record_replaced_while_its_order_was_in_flight(flow: OrderFlow) -> None:
    flow.aws.put_customer("0000010", funds="1000000.00")
    status, body = flow.post_orders(order("0000010"))
    assert status == 200 and body["invalidOrders"] == []
    # Someone rewrites the customer in the original's shape while its order is being filled.
    put_original_shape(flow.aws, "0000010")

    flow.run_until_idle()  # asserts that the aggregator reported no failure

    record = flow.aws.customer("0000010")
    assert record["NrTrades"] == 1
    assert record["AvailableFunds"] == record["RemainingFunds"] - record["ReservedFunds"]


def settle_without_aggregating(flow: OrderFlow) -> list[dict[str, Any]]:
    """Runs pools and post-trade, then returns the stream records the aggregator would get."""
    while deliveries := flow._bus_deliveries() + flow._object_deliveries():
        for delivery in deliveries:
            flow.deliver(delivery)
    return [
        record
        for delivery in flow._stream_deliveries()
        if delivery.function == "aggregator"
        for record in delivery.event["Records"]
    ]


@pytest.mark.parametrize("bus_type", ["EVENT-BRIDGE"], indirect=True)
def test_the_aggregator_reports_the_trades_of_an_unreadable_customer_as_failed(flow: OrderFlow) -> None:
    flow.aws.put_customer("000009", funds="1000000.00")
    status, body = flow.post_orders(order("000009"))
    assert status == 200 and body["invalidOrders"] == []
    put_original_shape(flow.aws, "000009", "lots")

    records = settle_without_aggregating(flow)
    result = invoke("aggregator", {"Records": records})

    trade_records = [
        record
        for record in records
        if record["eventName"] in ("INSERT", "MODIFY")
        and record["dynamodb"]["Keys"]["SK"]["S"].startswith(keys.TRADE_PREFIX)
    ]
    assert trade_records
    failures = [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]} for record in trade_records]
    assert result == {"batchItemFailures": failures}
    assert flow.aws.customer("000009")["RemainingFunds"] == "lots"
