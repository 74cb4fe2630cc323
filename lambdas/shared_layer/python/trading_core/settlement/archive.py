"""Settled trades archived in S3, one object per TradesStore stream batch, and announced (`tradesSettled`).

The archive is fed by the stream, not by the post-trade processor: a trade enters its order's trades item once
(`settlement_store`), so it is new in exactly one stream record, and the stream hands each record to one batch.
The archiver's event source mapping neither bisects nor reports partial failures, so a failed batch is retried
whole, with the same records; the object's key and bytes derive from the batch's trades alone, so a retry, a
duplicated batch or a redrive of the batch from its failure record writes the same object again, never a second
one. One object per batch (gathered for the mapping's batching window) instead of one per delivery is what
makes the archive cheap: on the original's workload about a hundred orders share one S3 PUT (`make bench`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Final, Protocol

from trading_core.bus.events import BusEvent, Publisher, chunk_events
from trading_core.common.clock import parse_iso
from trading_core.contracts import FLAG_SET, POST_TRADE_SOURCE, SETTLED_PREFIX, TRADES_DETAIL_TYPE, TRADES_SETTLED_FIELD
from trading_core.model.trade import Trade

BATCH_NAMESPACE: Final = uuid.UUID("0b8f4a36-7a0e-5c1b-9d41-8e5f2c6a9d17")


class ArchiveError(RuntimeError):
    """The batch could not be archived; the stream retries it whole."""


def batch_id_for(trade_ids: Iterable[str]) -> str:
    return str(uuid.uuid5(BATCH_NAMESPACE, ",".join(sorted(set(trade_ids)))))


@dataclass(frozen=True)
class ArchivedBatch:
    """The trades of one stream batch, sorted by trade id, each as TradesStore holds it."""

    trades: tuple[Trade, ...]

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


class BatchArchive(Protocol):
    def put(self, batch: ArchivedBatch) -> None: ...


class Archiver:
    """Object first, event second: a failure at either step fails the batch, which the stream retries whole."""

    def __init__(self, *, archive: BatchArchive, publisher: Publisher) -> None:
        self._archive = archive
        self._publisher = publisher

    def archive(self, trades: Sequence[Trade]) -> ArchivedBatch | None:
        """None when the batch adds no trade (a trades item put back unchanged)."""
        unique = sorted({trade.trade_id: trade for trade in trades}.values(), key=attrgetter("trade_id"))
        if not unique:
            return None
        batch = ArchivedBatch(trades=tuple(unique))
        self._archive.put(batch)
        self._publisher.publish(batch.events())
        return batch
