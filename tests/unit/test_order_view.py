"""What GET /orders/{orderId} shows of a parent order: the status its children add up to, as FIX reports it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from trading_core.common import keys
from trading_core.common.ids import child_order_id
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


P = "5670b3df-2658-4cb4-9954-8f99b9eca700"
C1, C2, C3 = (child_order_id(P, n) for n in (1, 2, 3))
PARENT = {
    **keys.order_key(P),
    "Kind": "PARENT",
    "OrderId": P,
    "CustomerId": "000002",
    "Ticker": "COIN",
    "Quantity": 2500,
    "Price": Decimal("161.90"),
    "Children": {},  # what the children come from (`model.order_item`): shown as `children` only
    "Version": 3,
}


def test_a_parent_shows_its_children_in_split_order_with_quantities_filled_and_open() -> None:
    children = [child(C3, "OPEN", 500), child(C1, "FILLED", 1000), child(C2, "ACCEPTED", 1000)]

    wire = parent_wire(PARENT, children)

    assert (wire["kind"], wire["status"], wire["filledQuantity"], wire["openQuantity"]) == (
        "parent",
        PARTIALLY_FILLED,
        1000,
        1500,
    )
    assert [c["orderId"] for c in wire["children"]] == [C1, C2, C3]
    assert wire["orderId"] == P and wire["price"] == "161.90" and wire["quantity"] == 2500
    assert "version" not in wire and "kind" not in {k for c in wire["children"] for k in c}
    assert all("restingTicker" not in c and "RestingTicker" not in c for c in wire["children"])


def test_a_child_is_shown_without_the_book_s_attributes() -> None:
    wire = child_wire(child(C1, "OPEN", 10))
    assert wire["status"] == "OPEN" and wire["orderId"] == C1
    assert not {"RestingTicker", "restingTicker", "Kind", "kind"} & set(wire)


def filled(order_id: str, quantity: int, price: str, fee: str) -> dict[str, Any]:
    return {**child(order_id, "FILLED", quantity), "FillPrice": Decimal(price), "FillFee": Decimal(fee)}


def test_a_parent_s_fills_give_its_average_price_notional_and_fees() -> None:
    children = [filled(C1, 1000, "161.89", "0.59"), filled(C2, 1000, "161.9", "0.58"), child(C3, "OPEN", 500)]

    wire = parent_wire(PARENT, children)

    # each fill's notional to the cent, then averaged over the filled quantity, to the cent
    assert (wire["notional"], wire["fees"], wire["averagePrice"]) == ("323790.00", "1.17", "161.90")
    assert wire["filledQuantity"] == 2000
    assert (wire["children"][0]["fillPrice"], wire["children"][0]["fillFee"]) == ("161.89", "0.59")


def test_the_average_price_rounds_half_up_to_the_cent() -> None:
    parent = PARENT
    children = [filled(C1, 1, "10.00", "0"), filled(C2, 1, "10.00", "0"), filled(C3, 1, "10.01", "0")]
    assert parent_wire(parent, children)["averagePrice"] == "10.00"  # 30.01 / 3 = 10.0033
    children[1]["FillPrice"] = Decimal("10.02")
    assert parent_wire(parent, children)["averagePrice"] == "10.01"  # 30.03 / 3


def test_nothing_filled_has_no_average_price_and_an_unknown_fill_price_no_figures() -> None:
    open_only = parent_wire(PARENT, [child(C1, "OPEN", 1000)])
    assert (open_only["averagePrice"], open_only["notional"], open_only["fees"]) == (None, "0.00", "0.00")
    unknown = parent_wire(PARENT, [child(C1, "FILLED", 1000), filled(C2, 1000, "161.9", "0.58")])
    assert (unknown["averagePrice"], unknown["notional"], unknown["fees"]) == (None, None, None)


def test_a_refused_parent_shows_its_reason_and_no_children() -> None:
    refused = {
        **PARENT,
        "Status": "REFUSED",
        "StatusReason": "unknown customer 000002",
        "OrderCustomer": "000002",
        "OrderKey": f"2026-01-02T10:00:00.000Z#{P}",
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
    assert not {"statusReason", "orderCustomer", "orderKey", "version"} & set(wire)
