"""Money is conserved (issue 9): on random workloads of deposits, withdrawals, buys, sells of partial
holdings, cancels and fills aggregated in random (and redelivered) batches, every customer keeps,
exact to the cent,

    RemainingFunds + Σ positions' CostBasis
        = TotalDeposits - TotalWithdrawals - TotalCommissionPaid + RealizedPnl,

with reserved and available funds and quantities never below zero.

The domain rules run for real: the ledger's entries (`customers.ledger`), the router's plan of a
child order's reservation (`tests.trade_samples.child_order`, as `orders.plan` prices it), the lit
pool's fill and fee (`pools.matching`) and the aggregator (`aggregation.aggregator`, its actions
applied by an in-memory table with the conditions the DynamoDB writer asks for). The reservations'
conditions are those of `orders.reservations` (a buy needs AvailableFunds >= its reservation, a sell
AvailableQuantity >= its quantity), played here on the same items.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.trade_samples import child_order, trades
from tests.trade_store import trade_item
from tests.unit.aggregate_fakes import read_items, write_aggregate
from trading_core.aggregation.aggregator import AGGREGATED_SEQUENCE, Aggregator, KeyUpdate
from trading_core.common import keys
from trading_core.customers import ledger
from trading_core.customers.seeder import customer_item
from trading_core.model.child_order import ChildOrder, Direction
from trading_core.model.trade import Trade
from trading_core.model.trade_stream import StreamTrade

CUSTOMERS = ("000001", "000002")
TICKERS = ("AAPL", "COIN")
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
AT = "2026-03-02T15:00:00.000Z"


class Book:
    """TradesStore in a dict: the aggregator's writer, and the reservations and ledger as they write."""

    def __init__(self, initial: dict[str, Decimal]) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        for customer_id, funds in initial.items():
            # As the seeder writes them: the record and the DEPOSIT of its initial funds.
            self._put(customer_item(customer_id, funds, AT))
            self._put(
                ledger.deposit(
                    customer_id, funds, entry_id=ledger.SEED_ENTRY_ID, reason="initial funds", at=AT
                ).to_item()
            )
        self.live: list[ChildOrder] = []
        self.settled: list[Trade] = []
        self.records: dict[str, StreamTrade] = {}
        """The stream's record of each settled trade, by trade id, in the order they were settled."""

    def _put(self, item: dict[str, Any]) -> None:
        self.items[(item[keys.PK], item[keys.SK])] = item

    def get(self, key: dict[str, str]) -> dict[str, Any] | None:
        return self.items.get((key[keys.PK], key[keys.SK]))

    def customer(self, customer_id: str) -> dict[str, Any]:
        item = self.get(keys.customer_key(customer_id))
        assert item is not None
        return item

    def positions(self, customer_id: str) -> list[dict[str, Any]]:
        return [
            item
            for (pk, sk), item in self.items.items()
            if pk == keys.trades_partition(customer_id) and sk.startswith("TICKER#")
        ]

    # -- ledger (the conditions of `ledger.customer_update`) ------------------------------------------
    def record(self, entry: ledger.LedgerEntry) -> bool:
        customer = self.customer(entry.customer_id)
        if entry.kind is ledger.EntryKind.WITHDRAWAL and customer["AvailableFunds"] < entry.amount:
            return False
        customer["RemainingFunds"] += entry.signed_amount
        customer["AvailableFunds"] += entry.signed_amount
        total = "TotalDeposits" if entry.kind is ledger.EntryKind.DEPOSIT else "TotalWithdrawals"
        customer[total] += entry.amount
        self._put(entry.to_item())
        return True

    # -- reservations (the conditions of `orders.reservations`) --------------------------------------
    def place(self, child: ChildOrder) -> bool:
        if child.direction is Direction.BUY:
            customer = self.customer(child.customer_id)
            if customer["AvailableFunds"] < child.reserved_amount:
                return False
            customer["AvailableFunds"] -= child.reserved_amount
            customer["ReservedFunds"] += child.reserved_amount
        else:
            position = self.get(keys.position_key(child.customer_id, child.ticker))
            if position is None or position["AvailableQuantity"] < child.quantity:
                return False
            position["AvailableQuantity"] -= child.quantity
            position["ReservedQuantity"] += child.quantity
        self.live.append(child)
        return True

    def cancel(self, child: ChildOrder) -> None:
        self.live.remove(child)
        if child.direction is Direction.BUY:
            customer = self.customer(child.customer_id)
            customer["AvailableFunds"] += child.reserved_amount
            customer["ReservedFunds"] -= child.reserved_amount
        else:
            position = self.get(keys.position_key(child.customer_id, child.ticker))
            assert position is not None
            position["AvailableQuantity"] += child.quantity
            position["ReservedQuantity"] -= child.quantity

    def fill(self, child: ChildOrder) -> None:
        """The pool fills it and post-trade settles the trade (its item appears for the stream)."""
        self.live.remove(child)
        [trade] = trades([child])
        settled = trade.settled(AT)
        self._put(trade_item(settled))
        self.settled.append(settled)
        self.records[settled.trade_id] = StreamTrade(str(len(self.records) + 1), settled)

    # -- the aggregator's writer ---------------------------------------------------------------------
    def read(self, keys_: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        return read_items(self.items, keys_)

    def write(self, update: KeyUpdate, now: str) -> dict[str, Any] | None:
        return write_aggregate(self.items, update, now)

    def complete_customer(self, item: dict[str, Any], now: str) -> bool:
        raise AssertionError("seeded records are complete")

    def stream(self, batch: Sequence[Trade]) -> list[StreamTrade]:
        return [self.records[trade.trade_id] for trade in batch]


def check_identity(book: Book, pending: Sequence[Trade] = ()) -> None:
    """The identity, and reservations equal to what live orders and fills not yet aggregated hold."""
    for customer_id in CUSTOMERS:
        customer = book.customer(customer_id)
        positions = book.positions(customer_id)
        at_cost = sum((position.get("CostBasis", Decimal(0)) for position in positions), Decimal(0))
        expected = (
            customer["TotalDeposits"]
            - customer["TotalWithdrawals"]
            - customer["TotalCommissionPaid"]
            + customer["RealizedPnl"]
        )
        assert customer["RemainingFunds"] + at_cost == expected, (customer_id, customer, positions)
        assert customer["ReservedFunds"] >= 0 and customer["AvailableFunds"] >= 0
        assert customer["AvailableFunds"] == customer["RemainingFunds"] - customer["ReservedFunds"]
        assert customer["RealizedPnl"] == sum((p.get("RealizedPnl", Decimal(0)) for p in positions), Decimal(0))
        holding = [
            *(c for c in book.live if c.customer_id == customer_id),
            *(t for t in pending if t.customer_id == customer_id),
        ]
        assert customer["ReservedFunds"] == sum((c.reserved_amount for c in holding), Decimal(0))
        for position in positions:
            reserved = sum(
                c.quantity for c in holding if c.direction is Direction.SELL and position["SK"] == f"TICKER#{c.ticker}"
            )
            assert position["ReservedQuantity"] == reserved
            assert position["ReservedQuantity"] >= 0 and position["AvailableQuantity"] >= 0
            assert position["Quantity"] == position["AvailableQuantity"] + position["ReservedQuantity"]
            assert position["CostBasis"] >= 0
            assert (position["Quantity"] == 0) <= (position["CostBasis"] == 0)
        entries = [
            item
            for (pk, sk), item in book.items.items()
            if pk == keys.trades_partition(customer_id) and sk.startswith(ledger.LEDGER_PREFIX)
        ]
        deposits = sum((e["Amount"] for e in entries if e["Kind"] == "DEPOSIT"), Decimal(0))
        withdrawals = sum((e["Amount"] for e in entries if e["Kind"] == "WITHDRAWAL"), Decimal(0))
        assert (deposits, withdrawals) == (customer["TotalDeposits"], customer["TotalWithdrawals"])


AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
SEEDS = (Decimal("1000000.00"), Decimal("10000.00"))
PRICES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2)
ORDER = st.tuples(
    st.sampled_from(CUSTOMERS),
    st.sampled_from(Direction),
    st.sampled_from(TICKERS),
    st.integers(1, 60),
    PRICES,
    st.integers(0, 50),  # how far the market is inside the limit, in cents
)
# Each step places an order and decides its fate: filled, cancelled or left resting (to be filled or
# cancelled by a later step); a step may also move money and deliver a stream batch.
STEPS = st.lists(
    st.tuples(
        ORDER,
        st.sampled_from(["fill", "fill", "cancel", "rest"]),
        st.one_of(st.none(), st.tuples(st.sampled_from(["deposit", "withdraw"]), AMOUNTS)),
        st.integers(0, 10**6),  # which resting order a later fill or cancel picks
        st.sampled_from(["none", "batch", "batch", "batch with redelivery"]),
    ),
    min_size=5,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(CUSTOMERS), st.sampled_from(SEEDS) | AMOUNTS, min_size=2, max_size=2), STEPS)
def test_every_customer_keeps_cash_plus_positions_at_cost_equal_to_its_ledger(
    initial: dict[str, Decimal], steps: list[tuple[Any, ...]]
) -> None:
    book = Book(initial)
    aggregator = Aggregator(book, clock=lambda: NOW)
    pending: list[Trade] = []
    applied: list[Trade] = []
    for n, (order, fate, money, pick, delivery) in enumerate(steps):
        customer_id, direction, ticker, quantity, limit, inside = order
        if money is not None:
            make = ledger.deposit if money[0] == "deposit" else ledger.withdrawal
            book.record(make(customer_id, money[1], entry_id=f"e{n}", reason=money[0], at=AT))
        # The market is at or inside the limit: at most the limit for a buy, at least for a sell.
        market = max(limit - Decimal(inside) / 100, Decimal("0.01"))
        if direction is Direction.SELL:
            market = limit + Decimal(inside) / 100
            position = book.get(keys.position_key(customer_id, ticker))
            held = 0 if position is None else int(position["AvailableQuantity"])
            # The whole holding, part of it, or more than it (refused).
            quantity = max([held, held // 2, held + quantity][n % 3], 1)
        child = child_order(
            n,
            customer_id=customer_id,
            direction=direction,
            ticker=ticker,
            quantity=quantity,
            price=limit,
            market_price=market,
        )
        if book.place(child):
            if fate == "fill":
                book.fill(child)
            elif fate == "cancel":
                book.cancel(child)
        elif book.live and fate != "rest":
            # An earlier resting order meets its fate instead.
            earlier = book.live[pick % len(book.live)]
            book.fill(earlier) if fate == "fill" else book.cancel(earlier)
        pending = [trade for trade in book.settled if trade not in applied]
        if delivery != "none" and pending:
            # A stream batch: a prefix of what is pending, possibly after redelivering some applied ones.
            batch = pending[: pick % len(pending) + 1]
            redelivered = applied[-3:] if delivery == "batch with redelivery" else []
            outcome = aggregator.apply(book.stream(redelivered + batch))
            assert not outcome.failed
            assert sorted(outcome.applied) == sorted(trade.trade_id for trade in batch)
            applied += batch
        check_identity(book, [trade for trade in book.settled if trade not in applied])
    pending = [trade for trade in book.settled if trade not in applied]
    aggregator.apply(book.stream(pending + applied))
    check_identity(book)
    sold = [trade for trade in book.settled if trade.direction is Direction.SELL]
    event(f"sells settled: {min(len(sold), 3)}{'+' if len(sold) >= 3 else ''}")
    for customer_id in CUSTOMERS:
        # Each customer's record is marked with the stream position of its last trade.
        mine = [record.position for record in book.records.values() if record.trade.customer_id == customer_id]
        assert book.customer(customer_id).get(AGGREGATED_SEQUENCE) == (max(mine) if mine else None)
