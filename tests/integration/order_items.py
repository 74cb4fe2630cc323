"""Resting orders as the router writes them, for the order book and canceller tests: the buyer's
reservation on its record and an ORDER item of OPEN children (in the RestingOrders index)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from tests.integration.conftest import TradingAws
from tests.order_store import put_orders, stored_child
from tests.trade_samples import child_order, order_id
from trading_core.common import keys
from trading_core.common.ids import child_order_id
from trading_core.model.child_order import ChildOrder, TimeInForce

CUSTOMER = "000007"


def rest(
    aws: TradingAws,
    *,
    parent: int = 1,
    children: int = 3,
    ticker: str = "COIN",
    price: Decimal = Decimal("100.00"),
    expires_at: str | None = "2026-03-02T21:00:00.000Z",
    order_date: str = "2026-03-02T14:00:00.000Z",
) -> tuple[str, list[ChildOrder]]:
    """A parent buy order of `children` OPEN children, its reservation made on CUSTOMER's record."""
    parent_id = order_id(-1000 - parent)
    made = [
        dataclasses.replace(
            child_order(parent * 100 + n, customer_id=CUSTOMER, ticker=ticker, price=price, priced=False),
            order_id=child_order_id(parent_id, n + 1),
            order_date=order_date,
            parent_order_id=parent_id,
            split=children > 1,
            initial_quantity=100 * children,
            time_in_force=TimeInForce.DAY if expires_at else TimeInForce.GTC,
            expires_at=expires_at,
        )
        for n in range(children)
    ]
    reserved = sum((child.reserved_amount for child in made), Decimal(0))
    aws.table.update_item(
        Key=keys.customer_key(CUSTOMER),
        UpdateExpression="SET AvailableFunds = AvailableFunds - :r, ReservedFunds = ReservedFunds + :r",
        ExpressionAttributeValues={":r": reserved},
    )
    put_orders(aws.table, made)
    return parent_id, made


def status(aws: TradingAws, order: str) -> tuple[str, bool]:
    """The child's status and whether it is still in the resting-orders index."""
    item = stored_child(aws.table, order)
    assert item is not None, order
    return str(item["Status"]), "RestingTicker" in item


def funds(aws: TradingAws) -> tuple[Decimal, Decimal]:
    record = aws.customer(CUSTOMER)
    return record["AvailableFunds"], record["ReservedFunds"]
