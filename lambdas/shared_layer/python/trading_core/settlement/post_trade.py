"""Settlement of trades: each trade written once to TradesStore, one S3 object per batch, one
`tradesSettled` notification.

A redelivered batch must give the very same result. The clock only dates trades settled now; for
a trade already in the table, the stored item (and its settlement date) is the truth. The batch id
derives from the trade ids, so the S3 key, its body and the event are the same on every delivery.
A trade is archived and announced by the one delivery that filled its child (the child's entry names it,
`SETTLED_BY`), so a trade that reaches settlement in two deliveries of different trades (a resting order the
order book sent again before its fill settled, a rerun of the router) is in one S3 object, not two.

Each trade first moves its order `Status IN (ACCEPTED, OPEN)` → FILLED, then is put: the ORDER
item decides between a fill and whatever else may end the order (a cancel, an expiry, a routing
failure that gave the reservation back), so there is one outcome, never two. A fill of an order that
already left those states (CANCELLED, EXPIRED, REJECTED, or FILLED by an earlier delivery of another
trade) is void: it is not settled (no trade item, not in the S3 object or the event) and is reported
with the order's status, so the handler counts and logs it.

A trade whose order item does not exist (the router writes it before routing, so only hand-made
trades such as tests lack one) is still settled: the fill happened at the venue and must not be lost.
Its order update is dropped and the order id reported, rather than creating a stub order item.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any, Final, Protocol

from trading_core.bus.events import BusEvent, Publisher, chunk_events
from trading_core.common.clock import Clock, parse_iso, to_iso
from trading_core.contracts import FLAG_SET, POST_TRADE_SOURCE, SETTLED_PREFIX, TRADES_DETAIL_TYPE, TRADES_SETTLED_FIELD
from trading_core.model.trade import Trade

BATCH_NAMESPACE: Final = uuid.UUID("0b8f4a36-7a0e-5c1b-9d41-8e5f2c6a9d17")


class SettlementError(RuntimeError):
    """The trades could not be written; the bus redelivers the event."""


def batch_id_for(trade_ids: Iterable[str]) -> str:
    return str(uuid.uuid5(BATCH_NAMESPACE, ",".join(sorted(set(trade_ids)))))


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
    """Trades another delivery settled: stored as it decided, archived and announced by it, not here."""
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

    @property
    def key(self) -> str:
        earliest = min(parse_iso(str(trade.settlement_date)) for trade in self.trades)
        return f"{SETTLED_PREFIX}{earliest:%Y/%m/%d}/{self.batch_id}.json"

    def wire(self) -> list[dict[str, Any]]:
        return [trade.to_wire() for trade in self.trades]

    def body(self) -> bytes:
        return json.dumps(self.wire(), separators=(",", ":")).encode()

    def metadata(self) -> dict[str, str]:
        return {
            "tickers": ",".join(sorted({trade.ticker for trade in self.trades})),
            "exchanges": ",".join(sorted({trade.exchange for trade in self.trades})),
        }

    def events(self) -> list[BusEvent]:
        return chunk_events(
            source=POST_TRADE_SOURCE,
            detail_type=TRADES_DETAIL_TYPE,
            header={TRADES_SETTLED_FIELD: FLAG_SET},
            key="trades",
            items=self.wire(),
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
    """Trades whose child another delivery filled (`SETTLED_BY`): that delivery archives and announces them."""

    def as_settled(self, trade: Trade) -> Trade | None:
        """The trade as this delivery archives it, or None when it is void or another delivery's."""
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


class BatchArchive(Protocol):
    def put(self, batch: SettledBatch) -> None: ...


class Settlement:
    """Settles one delivery of trades: table first, then the S3 object, then the event, so a failure
    at any step is repaired by the redelivery."""

    def __init__(self, *, store: SettlementStore, archive: BatchArchive, publisher: Publisher, clock: Clock) -> None:
        self._store = store
        self._archive = archive
        self._publisher = publisher
        self._clock = clock

    def settle(self, trades: Sequence[Trade]) -> SettledBatch | None:
        """None for no trades; else the batch, whose `trades` may be empty when every fill was void
        (then nothing is archived or published)."""
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
        if batch.trades:
            self._archive.put(batch)
            self._publisher.publish(batch.events())
        return batch
