"""Aggregator against moto: records read from the real TradesStore stream, filtered as the event
source mapping filters them; a redelivered record never counts twice; failures are reported."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lambdas.aggregator import handler as aggregator
from tests.integration.conftest import ROOT, TRADES_TABLE, TradingAws
from tests.integration.stream_events import STREAM_FILTER, FakeContext, StreamTap, matches
from tests.trade_samples import child_order, order_id, trades
from tests.trade_store import is_trades_item, stored_trades
from trading_core.aggregation.aggregator import AGGREGATED_SEQUENCE
from trading_core.common import keys
from trading_core.common.ids import child_order_id
from trading_core.model.child_order import Direction
from trading_core.model.order_trades import merged, order_trades_key
from trading_core.model.trade import Trade

CUSTOMERS = ["000001", "000002", "000003"]
FUNDS = Decimal("1000000.00")
BATCH = trades(
    [
        child_order(
            n,
            customer_id=CUSTOMERS[n % 3],
            direction=Direction.SELL if n % 4 == 3 else Direction.BUY,
            ticker=["AAPL", "COIN"][n % 2],
            quantity=7 * n + 1,
        )
        for n in range(24)
    ]
)


@pytest.fixture(autouse=True)
def fresh_handler() -> Iterator[None]:
    aggregator.build.cache_clear()
    yield
    aggregator.build.cache_clear()


@pytest.fixture
def tap(trading_aws: TradingAws) -> StreamTap:
    return StreamTap(TRADES_TABLE)


def reserve_and_settle(aws: TradingAws, batch: list[Trade], customers: list[str] = CUSTOMERS) -> None:
    """The state the router and the post-trade processor leave: customers with their buys' funds
    reserved, and the settled trade items."""
    for customer_id in customers:
        aws.put_customer(customer_id, str(FUNDS))
    for trade in batch:
        if trade.customer_id in customers and trade.reserved_amount:
            aws.table.update_item(
                Key=keys.customer_key(trade.customer_id),
                UpdateExpression="ADD ReservedFunds :r, AvailableFunds :minus",
                ExpressionAttributeValues={":r": trade.reserved_amount, ":minus": -trade.reserved_amount},
            )
        settle(aws, trade.settled("2026-03-02T16:00:00.000Z"))


def settle(aws: TradingAws, trade: Trade) -> None:
    """Adds the trade to its order's trades item as the post-trade processor does: an insert, or a change
    that gives the item one more trade."""
    key = order_trades_key(trade)
    updated, _ = merged(aws.table.get_item(Key=key, ConsistentRead=True).get("Item"), [trade])
    assert updated is not None
    aws.table.put_item(Item=updated)


def aggregate(event: dict[str, Any]) -> list[dict[str, str]]:
    return aggregator.lambda_handler(event, FakeContext("aggregator"))["batchItemFailures"]


def aggregates(aws: TradingAws) -> dict[tuple[str, str], dict[str, Any]]:
    return {(item[keys.PK], item[keys.SK]): item for item in aws.scan()}


def assert_aggregated_once(aws: TradingAws, batch: list[Trade]) -> None:
    """Every customer, position and ticker-day holds exactly the sums of `batch`, to the cent."""
    items = aggregates(aws)
    for customer_id in {trade.customer_id for trade in batch}:
        mine = [trade for trade in batch if trade.customer_id == customer_id]
        customer = items[(f"CUST#{customer_id}", f"CUST#{customer_id}")]
        assert customer["RemainingFunds"] == FUNDS + sum((trade.cash_flow for trade in mine), Decimal(0))
        assert customer["ReservedFunds"] == 0
        assert customer["AvailableFunds"] == customer["RemainingFunds"] - customer["ReservedFunds"]
        assert customer["NrTrades"] == len(mine)
        assert customer["TotalCommissionPaid"] == sum((trade.fee for trade in mine), Decimal(0))
        for ticker in {trade.ticker for trade in mine}:
            position = items[(f"CUST#{customer_id}", f"TICKER#{ticker}")]
            bought = sum(t.quantity for t in mine if t.ticker == ticker and t.direction is Direction.BUY)
            sold = sum(t.quantity for t in mine if t.ticker == ticker and t.direction is Direction.SELL)
            assert (position["TotalBought"], position["TotalSold"], position["Quantity"]) == (
                bought,
                sold,
                bought - sold,
            )
    for ticker, day in {(trade.ticker, trade.trade_day) for trade in batch}:
        theirs = [trade for trade in batch if (trade.ticker, trade.trade_day) == (ticker, day)]
        ticker_day = ticker_day_totals(items, ticker, day)
        assert (ticker_day["NrTrades"], ticker_day["TotalQuantity"]) == (len(theirs), sum(t.quantity for t in theirs))
        assert ticker_day["TotalNotional"] == sum((t.price * t.quantity for t in theirs), Decimal(0))
    trade_items = [item for item in items.values() if is_trades_item(item)]
    assert sorted(trade.trade_id for trade in stored_trades(trade_items)) == sorted(trade.trade_id for trade in batch)
    # What was applied is marked on the aggregates (the stream position of their last trade), not on the trades.
    assert not any("AggregatedAt" in item or AGGREGATED_SEQUENCE in item for item in trade_items)
    aggregated = [
        item
        for (pk, sk), item in items.items()
        if pk.startswith("TICKER#") or (pk.startswith("CUST#") and sk.startswith(("CUST#", "TICKER#")))
    ]
    assert aggregated and all(AGGREGATED_SEQUENCE in item for item in aggregated)


def ticker_day_totals(items: dict[tuple[str, str], dict[str, Any]], ticker: str, day: str) -> dict[str, Any]:
    """The ticker-day as the data API adds it up: the sum of its customers' shares."""
    shares = [item for (pk, sk), item in items.items() if pk == f"TICKER#{ticker}" and sk.startswith(day)]
    assert shares
    return {name: sum(share[name] for share in shares) for name in ("NrTrades", "TotalQuantity", "TotalNotional")}


def test_each_trade_is_aggregated_once_even_when_redelivered(trading_aws: TradingAws, tap: StreamTap) -> None:
    reserve_and_settle(trading_aws, BATCH)
    event = tap.event()
    assert len(event["Records"]) == len(BATCH)  # the customers' INSERT and MODIFY records are filtered out

    assert aggregate(event) == []
    once = aggregates(trading_aws)
    assert aggregate(event) == []

    assert aggregates(trading_aws) == once
    assert_aggregated_once(trading_aws, BATCH)


def test_trades_an_orders_item_is_given_later_are_aggregated_once(trading_aws: TradingAws, tap: StreamTap) -> None:
    """Children of one order filled by three deliveries: the item is inserted with the first trade and changed
    to hold each next one; a change's record brings only the trades its old image lacks."""
    parent = order_id(-500)
    base = child_order(500, customer_id="000002", quantity=1000)
    children = [
        dataclasses.replace(base, order_id=child_order_id(parent, k), parent_order_id=parent, split=True)
        for k in (1, 2, 3)
    ]
    batch = trades(children)
    reserve_and_settle(trading_aws, batch, ["000002"])
    records = tap.event()["Records"]
    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY", "MODIFY"]

    assert aggregate({"Records": records[:2]}) == []
    assert trading_aws.customer("000002")["NrTrades"] == 2
    assert aggregate({"Records": records}) == []
    assert aggregate({"Records": records[::-1]}) == []

    assert_aggregated_once(trading_aws, batch)


def test_the_aggregators_own_writes_do_not_pass_the_stream_filter(trading_aws: TradingAws, tap: StreamTap) -> None:
    reserve_and_settle(trading_aws, BATCH[:5])
    aggregate(tap.event())

    written = tap.records()
    assert {record["eventName"] for record in written} == {"INSERT", "MODIFY"}
    assert not any(matches(STREAM_FILTER, record) for record in written)


def test_overlapping_redelivered_batches_apply_each_trade_once(trading_aws: TradingAws, tap: StreamTap) -> None:
    reserve_and_settle(trading_aws, BATCH)
    records = tap.event()["Records"]

    assert aggregate({"Records": records[:15]}) == []
    assert aggregate({"Records": records[10:]}) == []
    assert aggregate({"Records": records[::-1]}) == []

    assert_aggregated_once(trading_aws, BATCH)


def test_unreadable_records_and_unknown_customers_are_reported_and_the_rest_applied(
    trading_aws: TradingAws, tap: StreamTap
) -> None:
    stranger = trades([child_order(99, customer_id="424242")])[0]
    reserve_and_settle(trading_aws, [*BATCH[:6], stranger])
    broken_key = keys.order_trades_key("000001", "2026-03-02", "2026-03-02T14:30:00.000Z", "broken")
    trading_aws.table.put_item(Item={**broken_key, "Ticker": "AAPL"})
    event = tap.event()
    sequence = {
        record["dynamodb"]["Keys"]["SK"]["S"]: record["dynamodb"]["SequenceNumber"] for record in event["Records"]
    }

    failures = aggregate(event)

    assert failures == [
        {"itemIdentifier": sequence[broken_key[keys.SK]]},
        {"itemIdentifier": sequence[order_trades_key(stranger)[keys.SK]]},
    ]
    assert ("CUST#424242", "CUST#424242") not in aggregates(trading_aws)
    assert sum(trading_aws.customer(customer_id)["NrTrades"] for customer_id in CUSTOMERS) == 6

    # The stream retries from the first failure; once the customer exists, the stranger's trade counts once.
    # An unreadable image stays unreadable: it keeps failing until the mapping's retries run out.
    trading_aws.put_customer("424242")
    assert aggregate(event) == [{"itemIdentifier": sequence[broken_key[keys.SK]]}]
    assert trading_aws.customer("424242")["NrTrades"] == 1
    assert sum(trading_aws.customer(customer_id)["NrTrades"] for customer_id in CUSTOMERS) == 6


def test_a_large_batch_of_many_customers_is_applied_once(trading_aws: TradingAws, tap: StreamTap) -> None:
    # 40 customers x (customer + position + ticker-day share): 120 single-item writes.
    customers = [f"{n:06d}" for n in range(40)]
    batch = trades([child_order(n, customer_id=customers[n], ticker=f"T{n % 2}") for n in range(40)])
    reserve_and_settle(trading_aws, batch, customers)

    assert aggregate(tap.event()) == []
    assert aggregate(tap.event()) == []  # nothing new: the aggregates' own records are filtered out

    assert_aggregated_once(trading_aws, batch)


def test_the_stream_filter_applied_is_the_contracts() -> None:
    assert json.dumps(STREAM_FILTER, separators=(",", ":")) in (ROOT / "docs" / "contracts.md").read_text()
    trade_insert = {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "CUST#1"}, "SK": {"S": "TRADE#2026"}}}}
    assert matches(STREAM_FILTER, trade_insert)
    assert matches(STREAM_FILTER, {**trade_insert, "eventName": "MODIFY"})  # an item given more trades
    assert not matches(STREAM_FILTER, {**trade_insert, "eventName": "REMOVE"})
    assert not matches(STREAM_FILTER, {**trade_insert, "dynamodb": {"Keys": {"SK": {"S": "TICKER#AAPL"}}}})
