"""An order's trades of a day in one item (`trading_core.model.order_trades`): what goes in comes out, each
trade once, in the fewest bytes."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from tests.trade_samples import trade
from trading_core.common import keys
from trading_core.common.ids import child_order_id, parent_order_id_of, trade_id_for
from trading_core.model.items import wire_to_item
from trading_core.model.order_trades import TRADES, merged, order_trades_item, order_trades_key, trades_of
from trading_core.model.trade import ExchangeType, Trade


def children(count: int, *, venue: str = "NYSE") -> list[Trade]:
    """`count` children of one parent order, filled at one price and instant, as a lit pool fills a split."""
    first = dataclasses.replace(trade(7, quantity=1000), split=True, initial_quantity=1000 * count)
    parent = parent_order_id_of(first.order_id)
    out = []
    for number in range(1, count + 1):
        order_id = child_order_id(parent, number)
        out.append(dataclasses.replace(first, order_id=order_id, trade_id=trade_id_for(order_id), exchange=venue))
    return out


def test_the_trades_come_back_as_they_went_in_in_child_order() -> None:
    batch = children(5)
    item = order_trades_item(batch[::-1], 1)
    assert trades_of(item) == batch
    assert item[keys.SK] == f"TRADE#{batch[0].trade_day}#{batch[0].order_date}#{parent_order_id_of(batch[0].order_id)}"
    assert item == {**item, **order_trades_key(batch[0])}


def test_what_the_trades_share_is_kept_once_and_what_differs_per_trade() -> None:
    batch = children(3)
    batch[2] = dataclasses.replace(batch[2], exchange="IEX", exchange_type=ExchangeType.DARK_POOL, fee=Decimal("0.07"))
    item = order_trades_item(batch, 4)
    assert item["Version"] == 4
    assert (item["Ticker"], item["Price"], item["TradeDate"]) == (batch[0].ticker, batch[0].price, batch[0].trade_date)
    assert item[TRADES]["03"] == {"Exchange": "IEX", "ExchangeType": "DarkPool", "Fee": Decimal("0.07")}
    assert item[TRADES]["01"] == {"Exchange": "NYSE", "ExchangeType": "LitPool", "Fee": batch[0].fee}
    assert trades_of(item) == batch


def test_ten_children_take_less_room_than_two_trades_stored_alone() -> None:
    batch = children(10)
    alone = len(repr(wire_to_item(batch[0].to_wire())))
    assert len(repr(order_trades_item(batch, 1))) < 2 * alone


def test_a_trade_id_not_derived_from_its_order_id_is_kept() -> None:
    first, second = children(2)
    odd = dataclasses.replace(second, trade_id="hand-made")
    item = order_trades_item([first, odd], 1)
    assert "TradeId" not in item and "TradeId" not in item[TRADES]["01"]
    assert item[TRADES]["02"]["TradeId"] == "hand-made"
    assert trades_of(item) == [first, odd]


def test_merging_adds_only_what_the_item_lacks_and_reports_what_it_held() -> None:
    first, second, third = children(3)
    item, held = merged(None, [first])
    assert item is not None and held == [] and item["Version"] == 1
    again, held = merged(item, [first, second])
    assert again is not None and again["Version"] == 2 and held == [first]
    assert trades_of(again) == [first, second]
    nothing, held = merged(again, [second, first])
    assert nothing is None and held == [second, first]
    last, _ = merged(again, [third, third])
    assert last is not None and trades_of(last) == [first, second, third]


def test_a_trade_stored_alone_before_this_layout_reads_as_itself() -> None:
    alone = trade(4).settled("2026-03-02T16:00:00.000Z")
    legacy = {**wire_to_item(alone.to_wire()), keys.PK: "CUST#000001", keys.SK: f"TRADE#2026-03-02#{alone.trade_id}"}
    assert trades_of(legacy) == [alone]


def test_trades_of_two_orders_or_one_child_twice_are_refused() -> None:
    with pytest.raises(ValueError, match="one parent order"):
        order_trades_item([trade(1), trade(2)], 1)
    first = children(1)[0]
    with pytest.raises(ValueError, match="once each"):
        order_trades_item([first, dataclasses.replace(first, trade_id="other")], 1)
    with pytest.raises(ValueError, match="at least one"):
        order_trades_item([], 1)
