"""What GET /orders/{orderId} shows of a parent order: the status its children add up to, as FIX reports it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from trading_core.common import keys
from trading_core.queries.order_view import PARTIALLY_FILLED, child_wire, parent_status, parent_wire


@pytest.mark.parametrize(
    ("statuses", "status"),
    [
        (["ACCEPTED"], "ACCEPTED"),
        (["OPEN"], "OPEN"),
        (["ACCEPTED", "ACCEPTED"], "ACCEPTED"),
        (["ACCEPTED", "OPEN"], "OPEN"),
        (["FILLED"], "FILLED"),
        (["FILLED", "FILLED", "FILLED"], "FILLED"),
        (["FILLED", "ACCEPTED"], PARTIALLY_FILLED),
        (["OPEN", "FILLED", "OPEN"], PARTIALLY_FILLED),
        (["FILLED", "CANCELLED", "OPEN"], PARTIALLY_FILLED),
        (["CANCELLED"], "CANCELLED"),
        (["EXPIRED", "EXPIRED"], "EXPIRED"),
        (["REJECTED"], "REJECTED"),
        (["CANCELLED", "OPEN"], "OPEN"),
        (["FILLED", "CANCELLED"], "CANCELLED"),
        (["FILLED", "EXPIRED"], "EXPIRED"),
        (["FILLED", "REJECTED"], "REJECTED"),
        (["REJECTED", "EXPIRED", "CANCELLED"], "CANCELLED"),
        (["REJECTED", "EXPIRED"], "EXPIRED"),
    ],
)
def test_a_parent_s_status_from_its_children(statuses: list[str], status: str) -> None:
    assert parent_status(statuses) == status
    assert parent_status(list(reversed(statuses))) == status


def child(order_id: str, status: str, quantity: int) -> dict[str, Any]:
    return {
        **keys.order_key(order_id),
        "OrderId": order_id,
        "Status": status,
        "Quantity": quantity,
        "Ticker": "COIN",
        **({"RestingTicker": "COIN"} if status == "OPEN" else {}),
    }


PARENT = {
    **keys.order_key("p"),
    "Kind": "PARENT",
    "OrderId": "p",
    "CustomerId": "000002",
    "Ticker": "COIN",
    "Quantity": 2500,
    "Price": Decimal("161.90"),
    "ChildOrderIds": ["c1", "c2", "c3"],
}


def test_a_parent_shows_its_children_in_split_order_with_quantities_filled_and_open() -> None:
    children = [child("c3", "OPEN", 500), child("c1", "FILLED", 1000), child("c2", "ACCEPTED", 1000)]

    wire = parent_wire(PARENT, children)

    assert (wire["kind"], wire["status"], wire["filledQuantity"], wire["openQuantity"]) == (
        "parent",
        PARTIALLY_FILLED,
        1000,
        1500,
    )
    assert [c["orderId"] for c in wire["children"]] == ["c1", "c2", "c3"]
    assert wire["orderId"] == "p" and wire["price"] == "161.90" and wire["quantity"] == 2500
    assert "childOrderIds" not in wire and "kind" not in {k for c in wire["children"] for k in c}
    assert all("restingTicker" not in c and "RestingTicker" not in c for c in wire["children"])


def test_a_child_is_shown_without_the_book_s_attributes() -> None:
    wire = child_wire(child("c1", "OPEN", 10))
    assert wire["status"] == "OPEN" and wire["orderId"] == "c1"
    assert not {"RestingTicker", "restingTicker", "Kind", "kind"} & set(wire)


def filled(order_id: str, quantity: int, price: str, fee: str) -> dict[str, Any]:
    return {**child(order_id, "FILLED", quantity), "FillPrice": Decimal(price), "FillFee": Decimal(fee)}


def test_a_parent_s_fills_give_its_average_price_notional_and_fees() -> None:
    children = [filled("c1", 1000, "161.89", "0.59"), filled("c2", 1000, "161.9", "0.58"), child("c3", "OPEN", 500)]

    wire = parent_wire(PARENT, children)

    # each fill's notional to the cent, then averaged over the filled quantity, to the cent
    assert (wire["notional"], wire["fees"], wire["averagePrice"]) == ("323790.00", "1.17", "161.90")
    assert wire["filledQuantity"] == 2000
    assert (wire["children"][0]["fillPrice"], wire["children"][0]["fillFee"]) == ("161.89", "0.59")


def test_the_average_price_rounds_half_up_to_the_cent() -> None:
    parent = {**PARENT, "ChildOrderIds": ["c1", "c2", "c3"]}
    children = [filled("c1", 1, "10.00", "0"), filled("c2", 1, "10.00", "0"), filled("c3", 1, "10.01", "0")]
    assert parent_wire(parent, children)["averagePrice"] == "10.00"  # 30.01 / 3 = 10.0033
    children[1]["FillPrice"] = Decimal("10.02")
    assert parent_wire(parent, children)["averagePrice"] == "10.01"  # 30.03 / 3


def test_nothing_filled_has_no_average_price_and_an_unknown_fill_price_no_figures() -> None:
    open_only = parent_wire(PARENT, [child("c1", "OPEN", 1000)])
    assert (open_only["averagePrice"], open_only["notional"], open_only["fees"]) == (None, "0.00", "0.00")
    unknown = parent_wire(PARENT, [child("c1", "FILLED", 1000), filled("c2", 1000, "161.9", "0.58")])
    assert (unknown["averagePrice"], unknown["notional"], unknown["fees"]) == (None, None, None)


def test_a_refused_parent_shows_its_reason_and_no_children() -> None:
    refused = {
        **PARENT,
        "ChildOrderIds": [],
        "Status": "REFUSED",
        "StatusReason": "unknown customer 000002",
        "OrderCustomer": "000002",
        "OrderKey": "2026-01-02T10:00:00.000Z#p",
    }

    wire = parent_wire(refused, [])

    assert (wire["status"], wire["reason"], wire["children"], wire["filledQuantity"], wire["openQuantity"]) == (
        "REFUSED",
        "unknown customer 000002",
        [],
        0,
        0,
    )
    assert (wire["averagePrice"], wire["notional"], wire["fees"]) == (None, "0.00", "0.00")
    assert not {"statusReason", "orderCustomer", "orderKey", "childOrderIds"} & set(wire)
