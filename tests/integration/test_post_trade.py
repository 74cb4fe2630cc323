"""Post-trade processor against moto, on both transports, followed as the stack wires it by the trade archiver on
the stream records it made: trades, order status, S3 batch, tradesSettled, and a redelivered event that changes
nothing (so nothing is archived or announced again)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from constructs_lib.routes import ORDER_FLOW_ROUTES
from lambdas.post_trade import handler as post_trade
from lambdas.trade_archiver import handler as trade_archiver
from tests import order_store
from tests.integration.conftest import TRADES_BUCKET, TRADES_TABLE, TradingAws
from tests.integration.stream_events import FakeContext, StreamTap, bus_delivery
from tests.trade_samples import child_order, trades
from tests.trade_store import is_trades_item, stored_trade, stored_trades
from trading_core.model.child_order import ChildOrder
from trading_core.model.order_item import item_key
from trading_core.model.order_trades import trades_of
from trading_core.model.trade import Trade
from trading_core.settlement import settlement_store
from trading_core.settlement.archive import batch_id_for
from trading_core.settlement.post_trade import SettlementError

T1 = datetime(2026, 3, 2, 16, 0, 0, 123000, tzinfo=UTC)
ORDERS = [child_order(n, ticker=["AAPL", "COIN", "TSLA"][n % 3]) for n in range(6)]
TRADES = trades(ORDERS)


@pytest.fixture(autouse=True)
def fresh_handler() -> Iterator[None]:
    post_trade.build.cache_clear()
    trade_archiver.build.cache_clear()
    yield
    post_trade.build.cache_clear()
    trade_archiver.build.cache_clear()


@pytest.fixture
def stream(trading_aws: TradingAws) -> StreamTap:
    return StreamTap(TRADES_TABLE)


def deliver(
    monkeypatch: pytest.MonkeyPatch, stream: StreamTap, batch: list[Trade], bus_type: str, now: datetime = T1
) -> dict[str, Any]:
    """One invocation by a fresh instance whose clock reads `now`, then the archiver on the stream records it made:
    the post-trade processor's answer, with the `key` of the object archived, if any."""
    post_trade.build.cache_clear()
    monkeypatch.setattr(post_trade, "utc_now", lambda: now)
    detail = {"postTrade": "True", "trades": [trade.to_wire() for trade in batch]}
    event = bus_delivery(detail, bus_type, source="LitPoolMatchingEngine", detail_type="Trades")
    result: dict[str, Any] = post_trade.lambda_handler(event, FakeContext("post_trade"))
    records = stream.event()["Records"]
    if records:
        archived = trade_archiver.lambda_handler({"Records": records}, FakeContext("trade_archiver"))
        if "key" in archived:
            result["key"] = archived["key"]
    return result


def put_orders(aws: TradingAws, orders: list[ChildOrder], status: str = "ACCEPTED") -> None:
    order_store.put_orders(aws.table, orders, status)


def stored_order(aws: TradingAws, order_id: str) -> dict[str, Any] | None:
    return order_store.stored_child(aws.table, order_id)


def objects(aws: TradingAws) -> dict[str, tuple[list[dict[str, Any]], dict[str, str]]]:
    found = {}
    for listed in aws.s3.list_objects_v2(Bucket=TRADES_BUCKET).get("Contents", []):
        response = aws.s3.get_object(Bucket=TRADES_BUCKET, Key=listed["Key"])
        found[listed["Key"]] = (json.loads(response["Body"].read()), response["Metadata"])
    return found


def settled_events(aws: TradingAws) -> list[tuple[str, str, dict[str, Any]]]:
    return [captured for captured in aws.bus.drain() if captured[2].get("tradesSettled") == "True"]


def test_trades_settle_into_the_table_s3_and_a_trades_settled_event(
    trading_aws: TradingAws, stream: StreamTap, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_orders(trading_aws, ORDERS[:4])  # the last two trades have no order item (see settlement.py)

    result = deliver(monkeypatch, stream, TRADES, bus_type)

    expected = sorted((trade.settled("2026-03-02T16:00:00.123Z") for trade in TRADES), key=lambda t: t.trade_id)
    key = f"settled/2026/03/02/{batch_id_for(trade.trade_id for trade in TRADES)}.json"
    assert result == {"settled": 6, "newlySettled": 6, "key": key}
    for trade in expected:
        assert stored_trade(trading_aws.table, trade) == trade
    for order in ORDERS[:4]:
        item = stored_order(trading_aws, order.order_id)
        assert item is not None
        trade = TRADES[ORDERS.index(order)]
        assert (item["Status"], item["TradeId"]) == ("FILLED", trade.trade_id)
        # What the fill was, on the order item: the parent order view reads it from there.
        assert (item["FillPrice"], item["FillFee"], item["FillDate"]) == (trade.price, trade.fee, trade.trade_date)
    for order in ORDERS[4:]:
        assert stored_order(trading_aws, order.order_id) is None
    assert objects(trading_aws) == {
        key: (
            [trade.to_wire() for trade in expected],
            {"tickers": "AAPL,COIN,TSLA", "exchanges": ",".join(sorted({t.exchange for t in TRADES}))},
        )
    }
    published = settled_events(trading_aws)
    assert published == [
        ("PostTradeProcessor", "Trades", {"tradesSettled": "True", "trades": [t.to_wire() for t in expected]})
    ]
    assert not any(route.selects(*published[0]) for route in ORDER_FLOW_ROUTES)  # for observers only


def test_a_fill_decided_but_not_stored_is_stored_once_by_the_redelivery(
    trading_aws: TradingAws, stream: StreamTap, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order's move to FILLED decides; should the trades' write then fail (the function dies between the
    ORDER items' puts and the trades'), the delivery fails and its redelivery stores the trade, once, at the
    price of the fill the order item recorded, and nothing is archived or published before every trade is
    stored."""
    put_orders(trading_aws, ORDERS)
    failing = TRADES[2]
    real_write = settlement_store.conditional_write

    def write(call: Any, request: dict[str, Any]) -> dict[str, Any] | None:
        item = request["Item"]
        if is_trades_item(item) and failing.trade_id in {trade.trade_id for trade in trades_of(item)}:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "PutItem")
        return real_write(call, request)

    monkeypatch.setattr(settlement_store, "conditional_write", write)
    with pytest.raises(SettlementError, match="injected"):
        deliver(monkeypatch, stream, TRADES, bus_type)
    order = stored_order(trading_aws, failing.order_id)
    assert order is not None
    assert (order["Status"], order["TradeId"]) == ("FILLED", failing.trade_id)
    assert stored_trade(trading_aws.table, failing) is None
    assert objects(trading_aws) == {} and settled_events(trading_aws) == []
    stored_before = len(stored_trades(trading_aws.scan()))

    monkeypatch.setattr(settlement_store, "conditional_write", real_write)
    result = deliver(monkeypatch, stream, TRADES, bus_type, now=T1 + timedelta(seconds=5))

    # The redelivery stores what the first delivery had decided but not stored, and nothing twice.
    assert (result["settled"], result["newlySettled"]) == (6, len(TRADES) - stored_before)
    items = trading_aws.scan()
    assert sorted(trade.trade_id for trade in stored_trades(items)) == sorted(trade.trade_id for trade in TRADES)
    repaired = stored_trade(trading_aws.table, failing)
    assert repaired is not None and repaired.price == failing.price
    assert len(objects(trading_aws)) == 1 and len(settled_events(trading_aws)) == 1


def test_a_redelivered_event_changes_nothing_and_archives_and_announces_nothing_again(
    trading_aws: TradingAws, stream: StreamTap, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_orders(trading_aws, ORDERS)
    deliver(monkeypatch, stream, TRADES, bus_type)
    table, stored, published = trading_aws.scan(), objects(trading_aws), settled_events(trading_aws)
    assert len(stored) == 1 and len(published) == 1

    result = deliver(monkeypatch, stream, TRADES, bus_type, now=T1 + timedelta(days=2))

    assert result["newlySettled"] == 0 and "key" not in result  # no stream record, so nothing to archive
    assert sorted(trading_aws.scan(), key=repr) == sorted(table, key=repr)
    assert objects(trading_aws) == stored
    assert settled_events(trading_aws) == []


def test_a_batch_overlapping_settled_trades_keeps_their_stored_dates(
    trading_aws: TradingAws, stream: StreamTap, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(monkeypatch, stream, TRADES[:3], bus_type)
    trading_aws.bus.drain()

    result = deliver(monkeypatch, stream, TRADES, bus_type, now=T1 + timedelta(days=1))

    assert result["newlySettled"] == 3
    stored = {trade.trade_id: stored_trade(trading_aws.table, trade) for trade in TRADES}
    dates = {trade_id: trade.settlement_date for trade_id, trade in stored.items() if trade is not None}
    assert {dates[trade.trade_id] for trade in TRADES[:3]} == {"2026-03-02T16:00:00.123Z"}
    assert {dates[trade.trade_id] for trade in TRADES[3:]} == {"2026-03-03T16:00:00.123Z"}
    # The second object holds the trades new to the table only, under their settlement day.
    announced = {item["tradeId"]: item["settlementDate"] for item in settled_events(trading_aws)[0][2]["trades"]}
    assert announced == {trade.trade_id: "2026-03-03T16:00:00.123Z" for trade in TRADES[3:]}
    assert result["key"].startswith("settled/2026/03/03/")


def test_large_batches_settle_every_trade_once(
    trading_aws: TradingAws, stream: StreamTap, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kept small: moto deep-copies the table for every item.
    orders = [child_order(n, customer_id=f"{n % 5:06d}") for n in range(60)]
    put_orders(trading_aws, orders[::2])
    batch = trades(orders)

    assert deliver(monkeypatch, stream, batch, bus_type)["newlySettled"] == 60
    first = [item for _, _, detail in settled_events(trading_aws) for item in detail["trades"]]
    assert deliver(monkeypatch, stream, batch[::-1], bus_type)["newlySettled"] == 0
    second = [item for _, _, detail in settled_events(trading_aws) for item in detail["trades"]]

    assert len(first) == 60 and second == []
    items = trading_aws.scan()
    assert len(stored_trades(items)) == 60
    assert sum(item.get("Status") == "FILLED" for item in order_store.stored_children(items)) == 30
    assert len(objects(trading_aws)) == 1


def test_an_event_without_trades_settles_nothing(
    trading_aws: TradingAws, stream: StreamTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert deliver(monkeypatch, stream, [], "EVENT-BRIDGE") == {"settled": 0}
    assert objects(trading_aws) == {} and trading_aws.bus.drain() == []


@pytest.mark.parametrize("status", ["REJECTED", "CANCELLED", "EXPIRED"])
def test_a_fill_of_an_order_no_longer_live_is_void(
    trading_aws: TradingAws, stream: StreamTap, bus_type: str, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    """The order was ended without a fill (the router could not confirm the routing, a cancel, an
    expiry) and its reservation given back, but the pool had the order: the fill is void. It is not
    settled (no trade item, not in the object or the event), the order keeps its status, and a
    redelivery gives the same outcome."""
    ended, accepted = ORDERS[0], ORDERS[1]
    put_orders(trading_aws, [accepted])
    put_orders(trading_aws, [ended], status)

    first = deliver(monkeypatch, stream, TRADES[:2], bus_type)
    second = deliver(monkeypatch, stream, TRADES[:2], bus_type, now=T1 + timedelta(seconds=5))

    void = [{"orderId": ended.order_id, "status": status}]
    assert (first["newlySettled"], first["void"]) == (1, void)
    assert (second["newlySettled"], second["void"]) == (0, void)
    ended_trade, accepted_trade = TRADES[0], TRADES[1]
    assert stored_trade(trading_aws.table, ended_trade) is None
    assert (stored_order(trading_aws, ended.order_id) or {}).get("Status") == status
    assert (stored_order(trading_aws, accepted.order_id) or {}).get("Status") == "FILLED"
    batches = [event[2]["trades"] for event in settled_events(trading_aws)]
    assert len(batches) == 1  # the redelivery added no trade, so the archiver had nothing new
    assert [trade["orderId"] for trade in batches[0]] == [accepted_trade.order_id]
    assert [trade[0]["orderId"] for trade, _ in objects(trading_aws).values()] == [accepted_trade.order_id]


def test_a_batch_of_void_fills_only_writes_and_publishes_nothing(
    trading_aws: TradingAws, stream: StreamTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_orders(trading_aws, ORDERS[:1], "CANCELLED")

    result = deliver(monkeypatch, stream, TRADES[:1], "EVENT-BRIDGE")

    assert result == {"settled": 0, "newlySettled": 0, "void": [{"orderId": ORDERS[0].order_id, "status": "CANCELLED"}]}
    assert objects(trading_aws) == {} and trading_aws.bus.drain() == []


def test_a_resting_order_filled_leaves_the_book(
    trading_aws: TradingAws, stream: StreamTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OPEN order is fillable too; its fill removes it from the resting-orders index."""
    order = ORDERS[2]
    put_orders(trading_aws, [order], "OPEN")
    parent = trading_aws.table.get_item(Key=item_key(order.order_id))["Item"]
    assert (stored_order(trading_aws, order.order_id) or {})["RestingTicker"] == parent["RestingTicker"] == order.ticker

    assert deliver(monkeypatch, stream, TRADES[2:3], "EVENT-BRIDGE")["newlySettled"] == 1

    item = stored_order(trading_aws, order.order_id)
    assert item is not None and item["Status"] == "FILLED" and "RestingTicker" not in item
    assert "RestingTicker" not in trading_aws.table.get_item(Key=item_key(order.order_id))["Item"]


def test_a_second_fill_of_a_filled_order_is_void(
    trading_aws: TradingAws, stream: StreamTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another trade id for an order already filled (not a redelivery) settles nothing."""
    order = ORDERS[3]
    put_orders(trading_aws, [order])
    deliver(monkeypatch, stream, TRADES[3:4], "EVENT-BRIDGE")
    other = dataclasses.replace(TRADES[3], trade_id="00000000-0000-5000-8000-000000000003")

    result = deliver(monkeypatch, stream, [other], "EVENT-BRIDGE")

    assert result["void"] == [{"orderId": order.order_id, "status": "FILLED"}]
    item = stored_order(trading_aws, order.order_id)
    assert item is not None and item["TradeId"] == TRADES[3].trade_id


def test_a_trade_brought_by_two_deliveries_of_different_trades_is_archived_and_announced_once(
    trading_aws: TradingAws, stream: StreamTap, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when the order book sends a resting order again before its fill settled: the trades item gains each
    trade once, so the stream record that adds it is archived and announced once; another delivery stores nothing
    twice; a redelivery of the first archives nothing. Found by the fault run (`tests/fault_run`), when post-trade
    archived each delivery: 77 trades in two objects."""
    put_orders(trading_aws, ORDERS)
    first = deliver(monkeypatch, stream, TRADES[:4], bus_type)
    second = deliver(monkeypatch, stream, TRADES[2:], bus_type, now=T1 + timedelta(seconds=5))

    archived = objects(trading_aws)
    assert sorted(archived) == sorted([first["key"], second["key"]])
    assert [trade["tradeId"] for trade in archived[second["key"]][0]] == sorted(t.trade_id for t in TRADES[4:])
    in_objects = [trade["tradeId"] for body, _ in archived.values() for trade in body]
    assert sorted(in_objects) == sorted(trade.trade_id for trade in TRADES)
    announced = [trade["tradeId"] for _, _, detail in settled_events(trading_aws) for trade in detail["trades"]]
    assert sorted(announced) == sorted(in_objects)
    assert (second["settled"], second["newlySettled"]) == (2, 2)
    assert len(stored_trades(trading_aws.scan())) == len(TRADES)

    again = deliver(monkeypatch, stream, TRADES[:4], bus_type, now=T1 + timedelta(seconds=9))
    assert "key" not in again and objects(trading_aws) == archived
