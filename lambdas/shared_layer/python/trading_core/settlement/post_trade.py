"""Settlement of trades: each trade written once to TradesStore, one S3 object per batch, one
`tradesSettled` notification.

A redelivered batch must give the very same result. The clock only dates trades settled now; for
a trade already in the table, the stored item (and its settlement date) is the truth. The batch id
derives from the trade ids, so the S3 key, its body and the event are the same on every delivery.

Each trade also marks its order FILLED in the same transaction. A trade whose order item does not
exist (the router writes it before routing, so only hand-made trades such as tests lack one) is
still settled: the fill happened at the venue and must not be lost. Its order update is dropped
and the order id reported, rather than creating a stub order item.

An order the router marked REJECTED (it could not confirm the routing and gave the reservation
back) may still reach a pool if the bus took the event after all. Its fill is settled too, but with
`reservedAmount` 0, so the aggregator does not release the same reservation a second time.
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


def settlement_date(trade: Trade, now: datetime) -> str:
    """Now, but never before the trade itself (the venue dates fills a few hundred ms after the order)."""
    return to_iso(max(now, parse_iso(trade.trade_date)))


@dataclass(frozen=True)
class SettledBatch:
    """The settled trades of one delivery, sorted by trade id, each with its stored settlement date."""

    trades: tuple[Trade, ...]
    newly_settled: int = 0
    orders_missing: tuple[str, ...] = ()

    @property
    def batch_id(self) -> str:
        return batch_id_for(trade.trade_id for trade in self.trades)

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


@dataclass
class Inserted:
    """What an insert learned: trades that were already settled (as stored) and orders not found."""

    existing: dict[str, Trade] = field(default_factory=dict)
    orders_missing: set[str] = field(default_factory=set)
    # Fills of REJECTED orders, rewritten with no reservation to release (see the module docstring).
    released: dict[str, Trade] = field(default_factory=dict)

    def as_settled(self, trade: Trade) -> Trade:
        return self.existing.get(trade.trade_id) or self.released.get(trade.trade_id) or trade


class SettlementStore(Protocol):
    def insert(self, trades: Sequence[Trade]) -> Inserted: ...


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
        unique = list({trade.trade_id: trade for trade in trades}.values())
        if not unique:
            return None
        now = self._clock()
        candidates = [trade.settled(settlement_date(trade, now)) for trade in unique]
        inserted = self._store.insert(candidates)
        settled = sorted((inserted.as_settled(trade) for trade in candidates), key=attrgetter("trade_id"))
        batch = SettledBatch(
            trades=tuple(settled),
            newly_settled=len(candidates) - len(inserted.existing),
            orders_missing=tuple(sorted(inserted.orders_missing)),
        )
        self._archive.put(batch)
        self._publisher.publish(batch.events())
        return batch
