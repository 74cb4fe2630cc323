"""Settlement of trades: each trade written once to TradesStore (its archive and announcement follow from the
table's stream, `settlement.archive`).

A redelivered batch must give the very same result. The clock only dates trades settled now; for
a trade already in the table, the stored item (and its settlement date) is the truth.
A trade settled by the one delivery that filled its child is reported as this delivery's (the child's entry
names it, `SETTLED_BY`); one that reaches settlement in two deliveries of different trades (a resting order the
order book sent again before its fill settled, a rerun of the router) is reported by the other as settled elsewhere.

Each trade first moves its order `Status IN (ACCEPTED, OPEN)` → FILLED, then is put: the ORDER
item decides between a fill and whatever else may end the order (a cancel, an expiry, a routing
failure that gave the reservation back), so there is one outcome, never two. A fill of an order that
already left those states (CANCELLED, EXPIRED, REJECTED, or FILLED by an earlier delivery of another
trade) is void: it is not settled (no trade item, so never archived) and is reported
with the order's status, so the handler counts and logs it.

A trade whose order item does not exist (the router writes it before routing, so only hand-made
trades such as tests lack one) is still settled: the fill happened at the venue and must not be lost.
Its order update is dropped and the order id reported, rather than creating a stub order item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Protocol

from trading_core.common.clock import Clock, parse_iso, to_iso
from trading_core.model.trade import Trade
from trading_core.settlement.archive import batch_id_for


class SettlementError(RuntimeError):
    """The trades could not be written; the bus redelivers the event."""


def delivery_tag(trade_ids: Iterable[str]) -> str:
    """What names a delivery on the children it fills: its trades' batch id, cut to 8 hex digits (a child is
    compared only with the other deliveries of its own order)."""
    return batch_id_for(trade_ids)[:8]


def settlement_date(trade: Trade, now: datetime) -> str:
    """Now, but never before the trade itself (the venue dates fills a few hundred ms after the order)."""
    return to_iso(max(now, parse_iso(trade.trade_date)))


@dataclass(frozen=True)
class SettledBatch:
    """The settled trades of one delivery, sorted by trade id, each with its stored settlement date."""

    trades: tuple[Trade, ...]
    newly_settled: int = 0
    settled_elsewhere: int = 0
    """Trades another delivery settled: stored as it decided, reported by it, not here."""
    orders_missing: tuple[str, ...] = ()
    void: tuple[VoidFill, ...] = ()
    """Fills of orders no longer live: not settled (see the module docstring)."""

    @property
    def batch_id(self) -> str:
        return batch_id_for(trade.trade_id for trade in self.trades)

    @property
    def lag_milliseconds(self) -> float:
        """The largest time, over the batch's trades, from the fill (`tradeDate`) to its settlement."""
        return max(
            (parse_iso(str(trade.settlement_date)) - parse_iso(trade.trade_date)).total_seconds() * 1000
            for trade in self.trades
        )


@dataclass(frozen=True)
class VoidFill:
    """A trade of an order that was no longer ACCEPTED or OPEN, and that order's status."""

    trade: Trade
    status: str


@dataclass
class Inserted:
    """What an insert learned: trades that were already settled (as stored), orders not found, and
    void fills (orders no longer live). A trade already stored is settled, never void."""

    existing: dict[str, Trade] = field(default_factory=dict)
    orders_missing: set[str] = field(default_factory=set)
    void: dict[str, VoidFill] = field(default_factory=dict)
    recorded: dict[str, Trade] = field(default_factory=dict)
    """Trades stored now as an earlier delivery decided them (its fill and settlement date), not as sent."""
    elsewhere: set[str] = field(default_factory=set)
    """Trades whose child another delivery filled (`SETTLED_BY`): that delivery reports them."""

    def as_settled(self, trade: Trade) -> Trade | None:
        """The trade as this delivery reports it, or None when it is void or another delivery's."""
        if trade.trade_id in self.elsewhere:
            return None
        if trade.trade_id in self.existing:
            return self.existing[trade.trade_id]
        if trade.trade_id in self.recorded:
            return self.recorded[trade.trade_id]
        return None if trade.trade_id in self.void else trade


class SettlementStore(Protocol):
    def insert(self, trades: Sequence[Trade], delivery: str) -> Inserted:
        """`delivery`: the tag the children this delivery fills are marked with (`delivery_tag`)."""
        ...


class Settlement:
    """Settles one delivery of trades into the table; a failure is repaired by the redelivery."""

    def __init__(self, *, store: SettlementStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def settle(self, trades: Sequence[Trade]) -> SettledBatch | None:
        """None for no trades; else the batch, whose `trades` may be empty when every fill was void."""
        unique = list({trade.trade_id: trade for trade in trades}.values())
        if not unique:
            return None
        now = self._clock()
        candidates = [trade.settled(settlement_date(trade, now)) for trade in unique]
        inserted = self._store.insert(candidates, delivery_tag(trade.trade_id for trade in unique))
        settled = sorted(
            (stored for trade in candidates if (stored := inserted.as_settled(trade)) is not None),
            key=attrgetter("trade_id"),
        )
        void = tuple(
            sorted(
                (fill for trade_id, fill in inserted.void.items() if trade_id not in inserted.existing),
                key=lambda fill: fill.trade.trade_id,
            )
        )
        batch = SettledBatch(
            trades=tuple(settled),
            newly_settled=sum(1 for trade in settled if trade.trade_id not in inserted.existing),
            settled_elsewhere=len(inserted.elsewhere),
            orders_missing=tuple(sorted(inserted.orders_missing)),
            void=void,
        )
        return batch
