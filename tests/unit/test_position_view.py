"""Valuing a position at the market price (`queries.position_view`): market value to the cent, unrealized
P&L against the cost basis, no price means no valuation, closed positions shown only with realized P&L."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trading_core.common.keys import position_key
from trading_core.common.money import has_at_most_cents
from trading_core.market.price import MarketQuote
from trading_core.queries.position_view import average_cost_cents, is_shown, position_wire, value

AT = "2026-01-02T15:00:00.000Z"


def position(**attributes: object) -> dict[str, object]:
    return {**position_key("000001", "COIN"), **attributes}


def test_market_value_is_rounded_half_up_once_and_unrealized_pnl_is_against_the_basis() -> None:
    valuation = value(3, Decimal("100.00"), Decimal("33.335"))

    assert valuation.market_value == Decimal("100.01")  # 100.005 half-up, not 3 x 33.34
    assert valuation.unrealized_pnl == Decimal("0.01")
    assert value(0, Decimal("0"), Decimal("40.79")).market_value == Decimal("0.00")
    loss = value(10, Decimal("500.00"), Decimal("40.79"))
    assert (loss.market_value, loss.unrealized_pnl) == (Decimal("407.90"), Decimal("-92.10"))


@given(
    quantity=st.integers(min_value=0, max_value=10**7),
    basis=st.decimals(min_value=0, max_value=10**9, places=2),
    price=st.decimals(min_value=Decimal("0.01"), max_value=10**5, places=2),
)
def test_valuation_is_in_cents_and_adds_up(quantity: int, basis: Decimal, price: Decimal) -> None:
    valuation = value(quantity, basis, price)

    assert valuation.market_value == price * quantity  # a price in cents times shares is exact
    assert has_at_most_cents(valuation.market_value) and has_at_most_cents(valuation.unrealized_pnl)
    assert valuation.unrealized_pnl == valuation.market_value - basis


def test_a_position_is_camel_case_valued_with_money_as_strings() -> None:
    item = position(
        Quantity=Decimal(30),
        AvailableQuantity=Decimal(20),
        ReservedQuantity=Decimal(10),
        CostBasis=Decimal("1000.00"),
        AverageCost=Decimal("33.3333"),
        RealizedPnl=Decimal("-12.50"),
        NrTrades=Decimal(4),
        TotalBought=Decimal(40),
        TotalSold=Decimal(10),
        Version=Decimal(4),
        Updated=AT,
    )

    wire = position_wire(item, MarketQuote("COIN", Decimal("40.79"), AT))

    assert wire == {
        "ticker": "COIN",
        "quantity": 30,
        "availableQuantity": 20,
        "reservedQuantity": 10,
        "costBasis": "1000.00",
        "averageCost": "33.33",
        "realizedPnl": "-12.50",
        "nrTrades": 4,
        "totalBought": 40,
        "totalSold": 10,
        "updated": AT,
        "marketPrice": "40.79",
        "priceTime": AT,
        "marketValue": "1223.70",
        "unrealizedPnl": "223.70",
    }


def test_without_a_market_price_there_is_no_valuation_and_old_items_get_the_defaults() -> None:
    wire = position_wire(position(Quantity=Decimal(5)), None)

    assert wire == {
        "ticker": "COIN",
        "quantity": 5,
        "availableQuantity": 5,
        "reservedQuantity": 0,
        "costBasis": "0.00",
        "averageCost": "0.00",
        "realizedPnl": "0.00",
        "marketPrice": None,
        "priceTime": None,
        "marketValue": None,
        "unrealizedPnl": None,
    }


def test_average_cost_is_rounded_once_to_the_cent() -> None:
    assert average_cost_cents(Decimal("100.00"), 3) == Decimal("33.33")
    assert average_cost_cents(Decimal("2.69"), 2) == Decimal("1.35")  # 1.345 half-up
    assert average_cost_cents(Decimal("10.00"), 0) == Decimal("0")


def test_a_closed_position_is_shown_only_with_realized_pnl() -> None:
    assert is_shown(position(Quantity=Decimal(1)))
    assert is_shown(position(Quantity=Decimal(0), RealizedPnl=Decimal("3.20")))
    assert is_shown(position(Quantity=Decimal(0), RealizedPnl=Decimal("-0.01")))
    assert not is_shown(position(Quantity=Decimal(0), RealizedPnl=Decimal("0.00")))
    assert not is_shown(position(Quantity=Decimal(0)))
