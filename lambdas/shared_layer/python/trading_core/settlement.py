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

import dataclasses
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, Final, Protocol

from trading_core import bus, keys
from trading_core.clock import Clock, parse_iso, to_iso
from trading_core.dynamodb import MAX_TRANSACTION_ITEMS, TransactionCancelled, chunked, transact_write
from trading_core.model import Trade

SOURCE: Final = "PostTradeProcessor"
SETTLED_PREFIX: Final = "settled/"
FILLED: Final = "FILLED"
REJECTED: Final = "REJECTED"  # set by the router's compensation (trading_core.funds)
BATCH_NAMESPACE: Final = uuid.UUID("0b8f4a36-7a0e-5c1b-9d41-8e5f2c6a9d17")
# A trade is two items (its Put and its order's Update) of a 100-item transaction.
TRADES_PER_TRANSACTION: Final = MAX_TRANSACTION_ITEMS // 2
# Cancellations that teach nothing (conflicts, throttling) are retried at once this many times.
MAX_BLIND_ATTEMPTS: Final = 3


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

    def events(self) -> list[bus.BusEvent]:
        return bus.chunk_events(
            source=SOURCE, detail_type="Trades", header={"tradesSettled": "True"}, key="trades", items=self.wire()
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

    def __init__(
        self, *, store: SettlementStore, archive: BatchArchive, publisher: bus.Publisher, clock: Clock
    ) -> None:
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


class DynamoDBSettlementStore:
    """Writes trades with conditional puts in transactions of 50 trades (two items each); what a
    cancellation reports (ALL_OLD images of trades already there, orders not found) is kept and
    the rest retried, so one duplicate never blocks the others."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def insert(self, trades: Sequence[Trade]) -> Inserted:
        inserted = Inserted()
        for chunk in chunked(trades, TRADES_PER_TRANSACTION):
            self._insert(chunk, inserted)
        return inserted

    def _insert(self, trades: Sequence[Trade], inserted: Inserted) -> None:
        pending = list(trades)
        blind_attempts = 0
        while pending:
            pending = [inserted.released.get(trade.trade_id, trade) for trade in pending]
            actions = [
                (trade, part)
                for trade in pending
                for part in ("trade", "order")
                if part == "trade" or trade.order_id not in inserted.orders_missing
            ]
            try:
                transact_write(self._client, [self._request(trade, part, inserted) for trade, part in actions])
                return
            except TransactionCancelled as cancelled:
                learned = False
                for (trade, part), reason in zip(actions, cancelled.reasons, strict=True):
                    if not reason.condition_failed:
                        continue
                    learned = True
                    if part == "order":
                        self._learn_order(trade, reason.item, inserted)
                    elif reason.item is None:
                        raise SettlementError(f"trade {trade.trade_id} exists but its image was not returned") from None
                    else:
                        inserted.existing[trade.trade_id] = Trade.from_item(reason.item)
                pending = [trade for trade in pending if trade.trade_id not in inserted.existing]
                if not learned:
                    blind_attempts += 1
                    if blind_attempts >= MAX_BLIND_ATTEMPTS:
                        raise SettlementError(f"settlement transaction cancelled: {cancelled}") from cancelled

    @staticmethod
    def _learn_order(trade: Trade, order: dict[str, Any] | None, inserted: Inserted) -> None:
        if order is None:
            inserted.orders_missing.add(trade.order_id)
        elif order.get("Status") == REJECTED:
            inserted.released[trade.trade_id] = dataclasses.replace(trade, reserved_amount=Decimal(0))
        else:
            raise SettlementError(f"order {trade.order_id} is {order.get('Status')}, not fillable")

    def _request(self, trade: Trade, part: str, inserted: Inserted) -> dict[str, Any]:
        if part == "trade":
            return {
                "Put": {
                    "TableName": self._table_name,
                    "Item": trade.to_item(),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": keys.order_key(trade.order_id),
                "UpdateExpression": "SET #status = :filled, #tradeId = :tradeId, #updated = :updated",
                "ConditionExpression": (
                    "#status = :rejected"
                    if trade.trade_id in inserted.released
                    else "attribute_exists(PK) AND #status <> :rejected"
                ),
                "ExpressionAttributeNames": {"#status": "Status", "#tradeId": "TradeId", "#updated": "Updated"},
                "ExpressionAttributeValues": {
                    ":filled": FILLED,
                    ":rejected": REJECTED,
                    ":tradeId": trade.trade_id,
                    ":updated": trade.settlement_date,
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }


class S3BatchArchive:
    """One JSON object per batch under `settled/<yyyy>/<mm>/<dd>/`; rewriting it is harmless
    because a redelivered batch has the same key and the same bytes."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, batch: SettledBatch) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=batch.key,
            Body=batch.body(),
            ContentType="application/json",
            Metadata=batch.metadata(),
        )
