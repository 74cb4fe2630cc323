"""Position maths (average cost, exact to the cent), sell reservations and the ledger's entries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import child_order, trade
from tests.unit.aggregate_fakes import in_stream
from trading_core.aggregation.aggregator import KeyUpdate, plan_customer
from trading_core.aggregation.positions import PositionChange, average_cost, sold_cost
from trading_core.common import keys
from trading_core.common.money import CENT
from trading_core.customers import ledger
from trading_core.customers.position import PositionState, read_position
from trading_core.model.child_order import Direction, OrderType
from trading_core.model.trade import Trade
from trading_core.orders.funds import InsufficientPosition
from trading_core.orders.plan import PlannedOrder
from trading_core.orders.request import OrderRequest
from trading_core.orders.reservations import available_quantity, release_operation, reserve_operation

NOW = "2026-03-02T15:00:00.000Z"


def test_a_buy_adds_shares_and_notional_and_a_sell_realizes_against_the_average_cost() -> None:
    change = PositionChange(start=PositionState())
    change.apply(trade(1, direction=Direction.BUY, quantity=3, price=Decimal("10.00")))
    change.apply(trade(2, direction=Direction.BUY, quantity=1, price=Decimal("14.00")))
    assert (change.held, change.basis) == (4, Decimal("44.00"))
    assert average_cost(change.basis, change.held) == Decimal("11.0000")

    realized = change.apply(trade(3, direction=Direction.SELL, quantity=1, price=Decimal("12.50")))

    # One of four shares costing 44.00 in all: 11.00; sold for 12.50.
    assert realized == Decimal("1.50")
    assert (change.held, change.basis, change.realized_pnl) == (3, Decimal("33.00"), Decimal("1.50"))
    assert (change.quantity, change.available, change.reserved) == (3, 4, -1)


def test_the_cost_of_shares_sold_is_rounded_half_up_and_the_last_share_takes_what_is_left() -> None:
    assert sold_cost(Decimal("10.00"), 3, 1) == Decimal("3.33")
    assert sold_cost(Decimal("10.00"), 3, 2) == Decimal("6.67")
    assert sold_cost(Decimal("0.05"), 2, 1) == Decimal("0.03")  # 0.025 rounds half up
    assert sold_cost(Decimal("10.00"), 3, 3) == Decimal("10.00")
    assert sold_cost(Decimal("10.00"), 3, 5) == Decimal("10.00")
    assert sold_cost(Decimal("10.00"), 0, 1) == 0
    assert average_cost(Decimal("10.00"), 3) == Decimal("3.3333")
    assert average_cost(Decimal("10.00"), 0) == 0


QUANTITIES = st.integers(1, 500)
PRICES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)


@given(st.lists(st.tuples(QUANTITIES, PRICES), min_size=1, max_size=8), st.data())
def test_selling_everything_piece_by_piece_realizes_proceeds_minus_cost_to_the_cent(
    buys: list[tuple[int, Decimal]], data: st.DataObject
) -> None:
    change = PositionChange(start=PositionState())
    for n, (quantity, price) in enumerate(buys):
        change.apply(trade(n, direction=Direction.BUY, quantity=quantity, price=price))
    paid = change.basis
    proceeds = Decimal(0)
    n = len(buys)
    while change.held:
        quantity = data.draw(st.integers(1, change.held))
        price = data.draw(PRICES)
        sell = trade(n := n + 1, direction=Direction.SELL, quantity=quantity, price=price)
        change.apply(sell)
        proceeds += sell.notional
        assert change.basis >= 0 and change.basis == change.basis.quantize(CENT)
    assert change.basis == 0
    assert change.realized_pnl == proceeds - paid


def test_a_position_is_read_with_defaults_for_what_it_lacks() -> None:
    assert read_position(None) == PositionState()
    legacy = read_position({"Quantity": Decimal(7), "NrTrades": 2})
    assert (legacy.quantity, legacy.available, legacy.reserved, legacy.cost_basis) == (7, 7, 0, 0)
    assert (legacy.exists, legacy.has_available, legacy.version) == (True, False, 0)
    with pytest.raises(ValueError, match="CostBasis"):
        read_position({"Quantity": Decimal(1), "CostBasis": "lots"})
    assert available_quantity(None) == 0
    assert available_quantity({"Quantity": Decimal(5)}) == 5
    assert available_quantity({"Quantity": Decimal(5), "AvailableQuantity": Decimal(2)}) == 2


def position_update(buy: Trade, stored: dict[str, Any]) -> KeyUpdate:
    items = {
        ("CUST#000001", "CUST#000001"): {"PK": "CUST#000001", "SK": "CUST#000001"},
        ("CUST#000001", "TICKER#AAPL"): {"PK": "CUST#000001", "SK": "TICKER#AAPL", **stored},
    }
    [update] = [
        update
        for update in plan_customer("000001", in_stream([buy]), items)
        if update.key == keys.position_key("000001", "AAPL")
    ]
    return update


def test_the_position_update_adds_counts_sets_the_cost_and_expects_the_version_read() -> None:
    buy = trade(1, direction=Direction.BUY, quantity=2, price=Decimal("5.00"))

    update = position_update(
        buy, {"Quantity": Decimal(2), "AvailableQuantity": Decimal(2), "CostBasis": Decimal("8.00"), "Version": 3}
    )

    assert update.versioned and update.expected_version == 3 and not update.legacy
    assert update.add["Quantity"] == 2 and update.add["AvailableQuantity"] == 2 and update.add["Version"] == 1
    assert update.set == {"CostBasis": Decimal("18.00"), "AverageCost": Decimal("4.5000")}

    update = position_update(buy, {"Quantity": Decimal(2)})
    assert update.legacy and update.expected_version is None
    assert update.set["AvailableQuantity"] == 4 and "AvailableQuantity" not in update.add


def sell_plan(quantities: list[int], customer_id: str = "000001") -> PlannedOrder:
    children = tuple(
        child_order(n, customer_id=customer_id, direction=Direction.SELL, quantity=q) for n, q in enumerate(quantities)
    )
    request = OrderRequest(
        customer_id=customer_id,
        direction=Direction.SELL,
        ticker="AAPL",
        order_type=OrderType.LIMIT,
        quantity=sum(quantities),
        price=Decimal("150.25"),
    )
    return PlannedOrder(
        request=request, parent_order_id="p", children=children, market_price=Decimal("150.25"), order_date=NOW
    )


def test_a_sell_reserves_its_whole_quantity_on_the_position_on_condition_that_it_is_available() -> None:
    operation = reserve_operation("t", sell_plan([1000, 614]), NOW)["Update"]

    assert operation["Key"] == {"PK": "CUST#000001", "SK": "TICKER#AAPL"}
    assert operation["ExpressionAttributeValues"][":q"] == 1614
    assert operation["ConditionExpression"] == (
        "AvailableQuantity >= :q OR (attribute_not_exists(AvailableQuantity) AND #quantity >= :q)"
    )
    assert "AvailableQuantity = if_not_exists(AvailableQuantity, #quantity) - :q" in operation["UpdateExpression"]
    assert "ReservedQuantity = if_not_exists(ReservedQuantity, :zero) + :q" in operation["UpdateExpression"]
    assert operation["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"


def test_releasing_sells_gives_their_quantity_back_to_the_position() -> None:
    children = list(sell_plan([10, 5]).children)

    release = release_operation("t", children, NOW)

    assert release is not None
    update = release["Update"]
    assert update["Key"] == {"PK": "CUST#000001", "SK": "TICKER#AAPL"}
    assert update["ExpressionAttributeValues"][":q"] == 15
    assert update["ConditionExpression"] == "attribute_exists(#pk) AND ReservedQuantity >= :q"
    assert release_operation("t", [], NOW) is None


def test_the_refusal_of_a_sell_names_what_it_needs_and_what_is_available() -> None:
    refusal = InsufficientPosition(required=100, available=40)
    assert refusal.reason == "insufficient position: the order needs 100, available 40"


def test_a_ledger_entry_is_a_positive_amount_in_cents_keyed_by_time_and_id() -> None:
    entry = ledger.deposit("000002", Decimal("10.50"), entry_id="d-1", reason="wire", at=NOW)
    item: dict[str, Any] = entry.to_item()
    assert (item["PK"], item["SK"]) == ("CUST#000002", f"LEDGER#{NOW}#d-1")
    assert (item["Kind"], item["Amount"], item["Reason"]) == ("DEPOSIT", Decimal("10.50"), "wire")
    assert ledger.withdrawal("000002", Decimal(3), entry_id="w", reason="r", at=NOW).signed_amount == Decimal(-3)
    for amount in (Decimal(0), Decimal("-1"), Decimal("0.001")):
        with pytest.raises(ValueError, match="positive amount in cents"):
            ledger.deposit("000002", amount, entry_id="d", reason="r", at=NOW)
    with pytest.raises(ValueError, match="entry id"):
        ledger.deposit("000002", Decimal(1), entry_id="a#b", reason="r", at=NOW)


def test_a_withdrawal_is_conditional_on_the_available_funds_and_adds_to_its_total() -> None:
    entry = ledger.withdrawal("000002", Decimal("5.00"), entry_id="w-1", reason="payout", at=NOW)
    put, update = ledger.entry_operations("t", entry, NOW)

    assert put["Put"]["ConditionExpression"] == "attribute_not_exists(#pk)"
    assert update["Update"]["ConditionExpression"].endswith("AND AvailableFunds >= :amount")
    assert "ADD TotalWithdrawals :amount" in update["Update"]["UpdateExpression"]
    deposit = ledger.customer_update("t", ledger.deposit("000002", Decimal(1), entry_id="d", reason="r", at=NOW), NOW)
    assert "TotalDeposits = TotalDeposits + :amount" in deposit["Update"]["UpdateExpression"]
