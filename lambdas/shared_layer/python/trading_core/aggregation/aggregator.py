"""Applies settled trades (from the TradesStore stream) to their aggregates, exactly once per trade and key.

Every aggregate is fed by one customer's trades only: the customer item (funds and statistics), the
customer's position in a ticker, and the customer's share of a ticker-day (`keys.ticker_day_share_key`;
the day's statistics are the sum of its shares). A customer's trades are items of the customer's own
partition, so the stream delivers them in one shard, in order, with increasing sequence numbers (a shard
is read in order; a failed batch is retried whole or in halves, or from the record reported failed, never
from before a record already done). Each aggregate keeps the sequence number of the last trade applied to
it (`AggregatedSequence`); a batch applies to a key only its trades after that mark and writes the key
once, setting the new mark, on condition that the mark is still the one read. So a record delivered
again, or a batch retried however it is cut, finds its trades at or below the marks and changes nothing:
no transaction and no marker per trade, one single-item update per key per batch. (Were a customer's item
collection ever split over two partitions, which DynamoDB does only for a key written far beyond a
partition's limits, its trades would reach two shards and this order would not hold.)

A customer's keys are written customer first, then positions, then ticker-day shares, and a customer's
writes stop at its first failure. A sell's realized P&L, which the customer item adds up, depends on the
position before the sell; since a position is never written before its customer, it is never ahead of it,
and its trades still to apply are planned from the state it is in. A position's cost basis depends on its
prior state, so positions are written on condition of the `Version` read too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Protocol

from trading_core.aggregation.deltas import CustomerDelta
from trading_core.aggregation.positions import PositionChange, average_cost
from trading_core.common import keys
from trading_core.common.clock import Clock, to_iso
from trading_core.customers import position, record
from trading_core.customers.position import read_position
from trading_core.model.items import AGGREGATED_SEQUENCE
from trading_core.model.trade_stream import StreamTrade

MAX_ATTEMPTS: Final = 3
UNKNOWN_CUSTOMER: Final = "customer not found"
NOT_APPLIED: Final = "the aggregates kept changing"

Key = tuple[str, str]


@dataclass(frozen=True)
class KeyUpdate:
    """One aggregate's write for a batch: numbers added, values set, the new mark, on condition that the mark
    (and, for a position, its `Version`) is still the one read."""

    key: dict[str, str]
    add: dict[str, Decimal | int]
    set: dict[str, Any]
    sequence: str
    read_sequence: str | None
    customer_id: str | None = None
    """Set on customer items, which must exist with funds that are numbers."""
    versioned: bool = False
    """A position: written on condition of its `Version` (`expected_version`; None: it has none yet)."""
    expected_version: int | None = None
    legacy: bool = False
    """A position read without `AvailableQuantity`, which is then set, on condition that it still lacks it."""
    trade_ids: tuple[str, ...] = ()


class AggregateStore(Protocol):
    def read(self, keys: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        """The items of `keys` that exist, read consistently."""

    def write(self, update: KeyUpdate, now: str) -> dict[str, Any] | None:
        """None when written; else the item its failed condition found ({} when there is none)."""

    def complete_customer(self, item: dict[str, Any], now: str) -> bool:
        """Writes the defaults of a customer record's missing funds (`customers.record_store.complete_record`)."""


@dataclass
class AggregationOutcome:
    applied: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _key(key: Mapping[str, str]) -> Key:
    return (key[keys.PK], key[keys.SK])


def mark_of(item: Mapping[str, Any] | None) -> str | None:
    value = None if item is None else item.get(AGGREGATED_SEQUENCE)
    return None if value is None else str(value)


def _after(trades: Sequence[StreamTrade], mark: str | None) -> list[StreamTrade]:
    return [trade for trade in trades if mark is None or trade.position > mark]


def customer_keys(customer_id: str, trades: Sequence[StreamTrade]) -> list[dict[str, str]]:
    """The customer's aggregates that `trades` touch: the customer, its positions, its ticker-day shares."""
    tickers = sorted({item.trade.ticker for item in trades})
    days = sorted({(item.trade.ticker, item.trade.trade_day) for item in trades})
    return [
        keys.customer_key(customer_id),
        *(keys.position_key(customer_id, ticker) for ticker in tickers),
        *(keys.ticker_day_share_key(ticker, day, customer_id) for ticker, day in days),
    ]


def plan_customer(
    customer_id: str, trades: Sequence[StreamTrade], items: Mapping[Key, dict[str, Any]]
) -> list[KeyUpdate]:
    """The writes that apply the customer's `trades` (in stream order) beyond each key's mark, customer
    first; raises ValueError for a position that cannot be read."""
    customer_key = keys.customer_key(customer_id)
    customer_mark = mark_of(items.get(_key(customer_key)))
    positions: dict[str, tuple[PositionChange, list[StreamTrade], dict[str, Any] | None]] = {}
    realized: dict[str, Decimal] = {}
    for ticker in sorted({item.trade.ticker for item in trades}):
        stored = items.get(_key(keys.position_key(customer_id, ticker)))
        mine = _after([item for item in trades if item.trade.ticker == ticker], mark_of(stored))
        change = PositionChange(start=read_position(stored))
        for item in mine:
            realized[item.trade.trade_id] = change.apply(item.trade)
        positions[ticker] = (change, mine, stored)
    updates: list[KeyUpdate] = []
    for_customer = _after(trades, customer_mark)
    if for_customer:
        updates.append(_customer_update(customer_id, for_customer, customer_mark, realized))
    for ticker, (change, mine, stored) in positions.items():
        if mine:
            updates.append(_position_update(customer_id, ticker, change, mine, mark_of(stored)))
    for ticker, day in sorted({(item.trade.ticker, item.trade.trade_day) for item in trades}):
        share_key = keys.ticker_day_share_key(ticker, day, customer_id)
        stored = items.get(_key(share_key))
        theirs = _after(
            [item for item in trades if (item.trade.ticker, item.trade.trade_day) == (ticker, day)], mark_of(stored)
        )
        if theirs:
            updates.append(_ticker_day_update(share_key, customer_id, ticker, day, theirs, mark_of(stored)))
    return updates


def _customer_update(
    customer_id: str, trades: Sequence[StreamTrade], mark: str | None, realized: Mapping[str, Decimal]
) -> KeyUpdate:
    delta = CustomerDelta()
    for item in trades:
        delta.add(item.trade, realized.get(item.trade.trade_id, Decimal(0)))
    return KeyUpdate(
        keys.customer_key(customer_id),
        add={
            "NrTrades": delta.nr_trades,
            "TotalCommissionPaid": delta.commission,
            "TotalAmountInvested": delta.invested,
            "RemainingFunds": delta.remaining,
            "AvailableFunds": delta.available,
            "ReservedFunds": delta.reserved,
            "RealizedPnl": delta.realized_pnl,
        },
        set={},
        sequence=trades[-1].position,
        read_sequence=mark,
        customer_id=customer_id,
        trade_ids=tuple(item.trade.trade_id for item in trades),
    )


def _position_update(
    customer_id: str, ticker: str, change: PositionChange, trades: Sequence[StreamTrade], mark: str | None
) -> KeyUpdate:
    start = change.start
    add: dict[str, Decimal | int] = {
        position.QUANTITY: change.quantity,
        position.RESERVED_QUANTITY: change.reserved,
        position.REALIZED_PNL: change.realized_pnl,
        "NrTrades": change.nr_trades,
        "TotalBought": change.bought,
        "TotalSold": change.sold,
        position.VERSION: 1,
    }
    values: dict[str, Any] = {
        position.COST_BASIS: change.basis,
        position.AVERAGE_COST: average_cost(change.basis, change.held),
    }
    legacy = start.exists and not start.has_available
    if legacy:
        values[position.AVAILABLE_QUANTITY] = start.available + change.available
    else:
        add[position.AVAILABLE_QUANTITY] = change.available
    return KeyUpdate(
        keys.position_key(customer_id, ticker),
        add=add,
        set=values,
        sequence=trades[-1].position,
        read_sequence=mark,
        versioned=True,
        expected_version=start.version if start.exists and start.version else None,
        legacy=legacy,
        trade_ids=tuple(item.trade.trade_id for item in trades),
    )


def _ticker_day_update(
    key: dict[str, str], customer_id: str, ticker: str, day: str, trades: Sequence[StreamTrade], mark: str | None
) -> KeyUpdate:
    """The customer's share of the ticker-day: its count, quantity and notional (each trade's price x quantity
    to the cent), so the day's VWAP is the sum of the notionals over the sum of the quantities."""
    return KeyUpdate(
        key,
        add={
            "NrTrades": len(trades),
            "TotalQuantity": sum(item.trade.quantity for item in trades),
            "TotalNotional": sum((item.trade.notional for item in trades), Decimal(0)),
        },
        set={"Ticker": ticker, "Day": day, "CustomerId": customer_id},
        sequence=trades[-1].position,
        read_sequence=mark,
        trade_ids=tuple(item.trade.trade_id for item in trades),
    )


class Aggregator:
    def __init__(self, store: AggregateStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def apply(self, received: Sequence[StreamTrade]) -> AggregationOutcome:
        """Customer by customer, each customer's trades in stream order."""
        outcome = AggregationOutcome()
        unique = sorted({item.trade.trade_id: item for item in received}.values(), key=lambda item: item.position)
        now = to_iso(self._clock())
        by_customer: dict[str, list[StreamTrade]] = {}
        for item in unique:
            by_customer.setdefault(item.trade.customer_id, []).append(item)
        wanted = [key for customer_id, trades in by_customer.items() for key in customer_keys(customer_id, trades)]
        items = {_key(item): item for item in self._store.read(wanted)} if wanted else {}
        for customer_id, trades in by_customer.items():
            self._apply_customer(customer_id, trades, items, now, outcome)
        return outcome

    def _apply_customer(
        self,
        customer_id: str,
        trades: list[StreamTrade],
        items: dict[Key, dict[str, Any]],
        now: str,
        outcome: AggregationOutcome,
    ) -> None:
        """`items`: the batch's aggregates as read before; after a failed condition, the customer's are read again."""
        ids = [item.trade.trade_id for item in trades]
        wanted = customer_keys(customer_id, trades)
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                items = {_key(item): item for item in self._store.read(wanted)}
            if _key(keys.customer_key(customer_id)) not in items:
                outcome.failed.update(dict.fromkeys(ids, UNKNOWN_CUSTOMER))
                return
            try:
                updates = plan_customer(customer_id, trades, items)
                if self._write_all(updates, now):
                    applied = {trade_id for update in updates for trade_id in update.trade_ids}
                    outcome.applied.extend(trade_id for trade_id in ids if trade_id in applied)
                    outcome.duplicates.extend(trade_id for trade_id in ids if trade_id not in applied)
                    return
            except (ValueError, record.UnreadableCustomer) as error:
                outcome.failed.update(dict.fromkeys(ids, str(error)))
                return
        outcome.failed.update(dict.fromkeys(ids, NOT_APPLIED))

    def _write_all(self, updates: Sequence[KeyUpdate], now: str) -> bool:
        """Writes in order; False at the first key whose condition failed (the caller reads and plans again).
        A customer record found at its mark lacks funds the ADD needs: it is completed with their defaults
        first (ADD would start a missing `AvailableFunds` at zero)."""
        for update in updates:
            found = self._store.write(update, now)
            if found is None:
                continue
            if update.customer_id is not None and found and mark_of(found) == update.read_sequence:
                self._store.complete_customer(found, now)
            return False
        return True


def batch_item_failures(
    received: Sequence[StreamTrade], unreadable: Sequence[str], outcome: AggregationOutcome
) -> list[dict[str, str]]:
    """The partial batch response: the stream resumes from the earliest failure, and the marks make the
    records after it that did succeed harmless to see again."""
    failed = list(unreadable) + [item.sequence_number for item in received if item.trade.trade_id in outcome.failed]
    return [{"itemIdentifier": sequence_number} for sequence_number in dict.fromkeys(failed)]
