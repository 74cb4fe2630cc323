"""Aggregation maths of settled trades: customer funds and statistics, positions, ticker-days.

One batch of trades becomes one delta per key (`aggregate`; the aggregator adds up a customer's with
`CustomerDelta.add`), so each key is written once per batch.
Positions are computed from the state they were read in (`aggregation.positions`), fill after fill
in stream order, since the cost of shares sold depends on what was bought before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from trading_core.aggregation.positions import PositionChange
from trading_core.customers.position import PositionState
from trading_core.model.child_order import Direction
from trading_core.model.trade import Trade

PositionKey = tuple[str, str]


@dataclass
class CustomerDelta:
    nr_trades: int = 0
    commission: Decimal = Decimal(0)
    invested: Decimal = Decimal(0)
    remaining: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    available: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)

    def add(self, trade: Trade, realized_pnl: Decimal) -> None:
        """Funds move by the trade's cash flow and the order's reservation is released as it fills, so
        available funds = remaining - reserved holds after every batch."""
        self.nr_trades += 1
        self.commission += trade.fee
        self.invested += trade.notional if trade.direction is Direction.BUY else -trade.notional
        self.remaining += trade.cash_flow
        self.reserved -= trade.reserved_amount
        self.available += trade.cash_flow + trade.reserved_amount
        self.realized_pnl += realized_pnl


@dataclass
class TickerDayDelta:
    nr_trades: int = 0
    total_quantity: int = 0
    total_notional: Decimal = Decimal(0)
    """The sum of the trades' notionals (each price x quantity to the cent): the day's VWAP is
    total_notional / total_quantity."""


@dataclass
class Aggregates:
    customers: dict[str, CustomerDelta] = field(default_factory=lambda: defaultdict(CustomerDelta))
    positions: dict[PositionKey, PositionChange] = field(default_factory=dict)
    ticker_days: dict[tuple[str, str], TickerDayDelta] = field(default_factory=lambda: defaultdict(TickerDayDelta))

    @property
    def key_count(self) -> int:
        return len(self.customers) + len(self.positions) + len(self.ticker_days)


def aggregate(trades: list[Trade], positions: Mapping[PositionKey, PositionState] | None = None) -> Aggregates:
    """Funds move by the trade's cash flow; the order's reservation is released as it fills, so
    available funds = remaining - reserved holds after every batch. `positions` are the states the
    positions were read in (a position not given starts empty)."""
    known = positions or {}
    result = Aggregates()
    for trade in trades:
        key = (trade.customer_id, trade.ticker)
        if key not in result.positions:
            result.positions[key] = PositionChange(start=known.get(key, PositionState()))
        result.customers[trade.customer_id].add(trade, result.positions[key].apply(trade))

        ticker_day = result.ticker_days[(trade.ticker, trade.trade_day)]
        ticker_day.nr_trades += 1
        ticker_day.total_quantity += trade.quantity
        ticker_day.total_notional += trade.notional
    return result
