"""The ORDER item keeps what its children do not repeat (`trading_core.model.order_item`): a parent of ten
children settled in one write stays within one write unit, and every child still reads as it was written."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from boto3.dynamodb.types import TypeSerializer

from bench.billing import item_size
from tests.order_store import order_items
from tests.trade_samples import child_order, trades
from trading_core.common.ids import child_order_id, parent_order_id_of
from trading_core.model.child_order import CANCELLED, FILLED, SETTLED_BY
from trading_core.model.order_item import CHILDREN, child_items, children_of, settled_by, with_children
from trading_core.model.trade import Trade
from trading_core.settlement.settlement_store import _fill

ORDER_DATE = "2026-03-02T14:30:00.000Z"
FIRST_SETTLEMENT = "2026-03-02T14:30:01.000Z"
SECOND_SETTLEMENT = "2026-03-02T15:00:00.000Z"


def split_order(count: int) -> tuple[dict[str, object], list[Trade]]:
    base = child_order(11, quantity=1000, order_date=ORDER_DATE)
    parent = parent_order_id_of(base.order_id)
    children = [
        dataclasses.replace(
            base,
            order_id=child_order_id(parent, number),
            parent_order_id=parent,
            split=True,
            initial_quantity=1000 * count,
        )
        for number in range(1, count + 1)
    ]
    (item,) = order_items(children)
    return item, trades(children)


def size(item: dict[str, object]) -> int:
    serializer = TypeSerializer()
    return item_size({name: serializer.serialize(value) for name, value in item.items()})


def test_ten_children_filled_in_one_write_take_one_write_unit() -> None:
    item, fills = split_order(10)
    settled = with_children(
        item, {n: _fill(t.settled(FIRST_SETTLEMENT)) for n, t in enumerate(fills, 1)}, FIRST_SETTLEMENT
    )
    assert size(settled) <= 1024
    entries = settled[CHILDREN]
    assert all(set(entry) == {"Quantity", "ReservedAmount", "Status", "FillFee"} for entry in entries.values())
    for child, fill in zip(child_items(settled), fills, strict=True):
        assert (child["Status"], child["Updated"]) == (FILLED, FIRST_SETTLEMENT)
        assert (child["FillPrice"], child["FillFee"], child["FillDate"]) == (fill.price, fill.fee, fill.trade_date)


def test_a_later_write_spells_out_the_earlier_fills_dates_and_leaves_out_its_own() -> None:
    item, fills = split_order(3)
    first = with_children(item, {1: _fill(fills[0].settled(FIRST_SETTLEMENT))}, FIRST_SETTLEMENT)
    repriced = dataclasses.replace(fills[1], price=fills[1].price + Decimal("0.01"))
    second = with_children(
        first,
        {2: _fill(repriced.settled(SECOND_SETTLEMENT)), 3: {"Status": CANCELLED, "Updated": SECOND_SETTLEMENT}},
        SECOND_SETTLEMENT,
    )
    assert second[CHILDREN]["1"]["Updated"] == FIRST_SETTLEMENT
    assert "Updated" not in second[CHILDREN]["2"] and second[CHILDREN]["2"]["FillPrice"] == repriced.price
    one, two, three = child_items(second)
    assert (one["Updated"], one["FillPrice"]) == (FIRST_SETTLEMENT, fills[0].price)
    assert (two["Updated"], two["FillPrice"]) == (SECOND_SETTLEMENT, repriced.price)
    assert (three["Status"], three["Updated"]) == (CANCELLED, SECOND_SETTLEMENT) and "FillPrice" not in three


def test_ten_children_filled_by_one_delivery_take_one_write_unit_and_each_names_it() -> None:
    """The delivery's tag is the item's once, not each entry's; a later write spells it out on the entries it
    filled, as it does their dates, and the item then names only the children that write fills."""
    item, fills = split_order(10)
    changes = {n: _fill(t.settled(FIRST_SETTLEMENT)) for n, t in enumerate(fills, 1) if n < 10}
    first = with_children(item, changes, FIRST_SETTLEMENT, settled_by="0badcafe")
    assert size(first) <= 1024 and first[SETTLED_BY] == "0badcafe"
    assert all(SETTLED_BY not in entry for entry in first[CHILDREN].values())
    second = with_children(first, {10: _fill(fills[9].settled(SECOND_SETTLEMENT))}, SECOND_SETTLEMENT, settled_by="2")
    entries = second[CHILDREN]
    assert [settled_by(second, entries[str(n)]) for n in range(1, 11)] == ["0badcafe"] * 9 + ["2"]
    cancelled = with_children(second, {}, SECOND_SETTLEMENT)
    assert SETTLED_BY not in cancelled
    assert [settled_by(cancelled, cancelled[CHILDREN][str(n)]) for n in range(1, 11)] == ["0badcafe"] * 9 + ["2"]
    assert settled_by(item, children_of(item)[1]) is None
