"""Applies the aggregates of settled trades (from the TradesStore stream) exactly once per trade.

Streams deliver at least once, so each trade item carries a marker, `AggregatedAt`. One transaction
sets the markers of a group of trades (only where unset) together with one update per customer,
position and ticker-day key holding the group's summed deltas. A position's cost basis depends on
its prior state, so the group's positions are read first (consistently) and written on condition
that their `Version` is still the one read; a position another writer moved meanwhile is read anew
from the cancellation and the group planned again. A redelivered record finds its
marker set: the transaction is cancelled, the reasons name the trades already applied, and the
rest is retried without them. Nothing is ever counted twice, and each key is written once per
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Protocol

from trading_core.aggregation.deltas import PositionKey, aggregate
from trading_core.aggregation.positions import PositionChange, average_cost
from trading_core.aggregation.stream import StreamTrade
from trading_core.common import keys
from trading_core.common.clock import Clock, to_iso
from trading_core.common.dynamodb import MAX_TRANSACTION_ITEMS, TransactionCancelled
from trading_core.customers import position
from trading_core.customers.position import PositionState, read_position
from trading_core.customers.record import UnreadableCustomer
from trading_core.model.trade import Trade

# Cancellations that teach nothing (conflicts, throttling) are retried at once this many times,
# then the group's records are reported as failures for the stream to redeliver.
MAX_BLIND_ATTEMPTS: Final = 3
UNKNOWN_CUSTOMER: Final = "customer not found"
NOT_APPLIED: Final = "transaction cancelled"
EARLIER_FAILURE: Final = "an earlier trade of the customer was not applied"


@dataclass(frozen=True)
class Marker:
    """Sets the trade's `AggregatedAt` (`at`) if unset: the proof that its deltas were applied."""

    key: dict[str, str]
    trade_id: str
    at: str = ""


@dataclass(frozen=True)
class Increment:
    """Adds numbers to one aggregate item; `customer_id` is set on customer items, which must exist."""

    key: dict[str, str]
    add: dict[str, Decimal | int]
    customer_id: str | None = None


@dataclass(frozen=True)
class PositionUpdate:
    """A position's fills of the group: counts added, cost basis set, on condition that the position
    is still at the `Version` it was read in (`expected_version` None: it had none). `legacy`: it was
    read without `AvailableQuantity`, which is then set, on condition that it still lacks it."""

    key: dict[str, str]
    position: PositionKey
    add: dict[str, Decimal | int]
    set: dict[str, Decimal | int]
    expected_version: int | None
    legacy: bool = False


Action = Marker | Increment | PositionUpdate


def marker_time(trade: Trade, now: str) -> str:
    """The aggregator's clock, never before the trade's settlement (a clock behind the post-trade's
    by some milliseconds still gives settlementDate <= AggregatedAt)."""
    return max(now, trade.settlement_date or now)


def position_update(key: PositionKey, change: PositionChange) -> PositionUpdate:
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
    values: dict[str, Decimal | int] = {
        position.COST_BASIS: change.basis,
        position.AVERAGE_COST: average_cost(change.basis, change.held),
    }
    legacy = start.exists and not start.has_available
    if legacy:
        values[position.AVAILABLE_QUANTITY] = start.available + change.available
    else:
        add[position.AVAILABLE_QUANTITY] = change.available
    return PositionUpdate(
        keys.position_key(*key),
        key,
        add=add,
        set=values,
        expected_version=start.version if start.exists and start.version else None,
        legacy=legacy,
    )


def plan_actions(
    trades: Sequence[Trade], positions: Mapping[PositionKey, PositionState] | None = None, now: str = ""
) -> list[Action]:
    """The markers of `trades`, then one write per key they touch."""
    totals = aggregate(list(trades), positions)
    actions: list[Action] = [
        Marker(
            keys.trade_key(trade.customer_id, trade.trade_day, trade.trade_id),
            trade.trade_id,
            marker_time(trade, now),
        )
        for trade in trades
    ]
    for customer_id, customer in sorted(totals.customers.items()):
        actions.append(
            Increment(
                keys.customer_key(customer_id),
                {
                    "NrTrades": customer.nr_trades,
                    "TotalCommissionPaid": customer.commission,
                    "TotalAmountInvested": customer.invested,
                    "RemainingFunds": customer.remaining,
                    "AvailableFunds": customer.available,
                    "ReservedFunds": customer.reserved,
                    "RealizedPnl": customer.realized_pnl,
                },
                customer_id=customer_id,
            )
        )
    for key, change in sorted(totals.positions.items()):
        actions.append(position_update(key, change))
    for (ticker, day), ticker_day in sorted(totals.ticker_days.items()):
        actions.append(
            Increment(
                keys.ticker_day_key(ticker, day),
                {
                    "NrTrades": ticker_day.nr_trades,
                    "TotalQuantity": ticker_day.total_quantity,
                    "TotalNotional": ticker_day.total_notional,
                },
            )
        )
    return actions


def group_trades(trades: Sequence[Trade], limit: int = MAX_TRANSACTION_ITEMS) -> list[list[Trade]]:
    """Consecutive groups whose markers plus distinct keys fit one transaction (a trade needs at
    most four items, so a group holds at least 25 trades)."""
    groups: list[list[Trade]] = []
    current: list[Trade] = []
    current_keys: set[tuple[str, ...]] = set()
    for trade in trades:
        trade_keys = {
            ("customer", trade.customer_id),
            ("position", trade.customer_id, trade.ticker),
            ("ticker-day", trade.ticker, trade.trade_day),
        }
        if current and len(current) + 1 + len(current_keys | trade_keys) > limit:
            groups.append(current)
            current, current_keys = [], set()
        current.append(trade)
        current_keys |= trade_keys
    if current:
        groups.append(current)
    return groups


class TransactionWriter(Protocol):
    def write(self, actions: Sequence[Action], now: str) -> None:
        """All or nothing; raises `TransactionCancelled` with one reason per action, in order."""

    def complete_customer(self, item: dict[str, Any], now: str) -> bool:
        """Writes the defaults of a customer record's missing funds (`customers.record_store.complete_record`)."""

    def read_positions(self, keys: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        """The position items of `keys` that exist, read consistently."""


@dataclass
class AggregationOutcome:
    applied: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    # Trades whose item is gone (nothing to mark): skipped, as there is nothing left to aggregate.
    vanished: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class Aggregator:
    def __init__(self, writer: TransactionWriter, clock: Clock) -> None:
        self._writer = writer
        self._clock = clock

    def apply(self, trades: Sequence[Trade]) -> AggregationOutcome:
        """Groups in stream order; once a customer's trade fails, its later trades wait for the
        redelivery too (the stream resumes from the earliest failure), so a position's fills are
        always applied in order and its average cost is that of the order they happened in."""
        outcome = AggregationOutcome()
        unique = list({trade.trade_id: trade for trade in trades}.values())
        now = to_iso(self._clock())
        failed_customers: set[str] = set()
        for group in group_trades(unique):
            waiting = [trade for trade in group if trade.customer_id in failed_customers]
            outcome.failed.update(dict.fromkeys((trade.trade_id for trade in waiting), EARLIER_FAILURE))
            group = [trade for trade in group if trade.customer_id not in failed_customers]
            if group:
                self._apply_group(group, now, outcome)
            failed_customers |= {trade.customer_id for trade in group if trade.trade_id in outcome.failed}
        return outcome

    def _apply_group(self, group: list[Trade], now: str, outcome: AggregationOutcome) -> None:
        positions = self._read_positions(group, outcome)
        pending = [trade for trade in group if trade.trade_id not in outcome.failed]
        blind_attempts = completions = conflicts = 0
        while pending:
            actions = plan_actions(pending, positions, now)
            try:
                self._writer.write(actions, now)
            except TransactionCancelled as cancelled:
                learned = self._learn(actions, cancelled, pending, outcome, now, positions)
                completions += learned.completed
                conflicts += learned.refreshed
                if not learned.dropped and not learned.completed and not learned.refreshed:
                    blind_attempts += 1
                if blind_attempts >= MAX_BLIND_ATTEMPTS or max(completions, conflicts) > MAX_BLIND_ATTEMPTS:
                    outcome.failed.update(dict.fromkeys((trade.trade_id for trade in pending), NOT_APPLIED))
                    return
                pending = [
                    trade
                    for trade in pending
                    if trade.trade_id not in learned.dropped and trade.trade_id not in outcome.failed
                ]
            else:
                outcome.applied.extend(trade.trade_id for trade in pending)
                return

    def _read_positions(self, group: list[Trade], outcome: AggregationOutcome) -> dict[PositionKey, PositionState]:
        """The group's positions as stored now; trades of a position that cannot be read fail."""
        wanted = sorted({(trade.customer_id, trade.ticker) for trade in group})
        items = self._writer.read_positions([keys.position_key(*key) for key in wanted])
        by_key = {(str(item[keys.PK]), str(item[keys.SK])): item for item in items}
        positions: dict[PositionKey, PositionState] = {}
        for key in wanted:
            stored = keys.position_key(*key)
            try:
                positions[key] = read_position(by_key.get((stored[keys.PK], stored[keys.SK])))
            except ValueError as error:
                self._fail_position(key, f"unreadable position: {error}", group, outcome)
        return positions

    @staticmethod
    def _fail_position(key: PositionKey, reason: str, trades: list[Trade], outcome: AggregationOutcome) -> None:
        for trade in trades:
            if trade.customer_id == key[0]:
                outcome.failed[trade.trade_id] = reason

    def _learn(
        self,
        actions: list[Action],
        cancelled: TransactionCancelled,
        pending: list[Trade],
        outcome: AggregationOutcome,
        now: str,
        positions: dict[PositionKey, PositionState],
    ) -> _Learned:
        """Records what the failed conditions mean: the trades to drop, whether a customer record was
        completed and whether a position was read anew (then the rest is written again)."""
        learned = _Learned()
        for action, reason in zip(actions, cancelled.reasons, strict=True):
            if not reason.condition_failed:
                continue
            if isinstance(action, Marker):
                (outcome.duplicates if reason.item is not None else outcome.vanished).append(action.trade_id)
                learned.dropped.add(action.trade_id)
            elif isinstance(action, PositionUpdate):
                # Another writer moved the position since it was read: take its state and plan again.
                try:
                    positions[action.position] = read_position(reason.item)
                    learned.refreshed = True
                except ValueError as error:
                    self._fail_position(action.position, f"unreadable position: {error}", pending, outcome)
            elif action.customer_id is not None:
                failure = UNKNOWN_CUSTOMER
                if reason.item:
                    try:
                        learned.completed |= self._writer.complete_customer(reason.item, now)
                        continue
                    except UnreadableCustomer as error:
                        failure = str(error)
                for trade in pending:
                    if trade.customer_id == action.customer_id:
                        outcome.failed[trade.trade_id] = failure
                        learned.dropped.add(trade.trade_id)
        return learned


@dataclass
class _Learned:
    dropped: set[str] = field(default_factory=set)
    completed: bool = False
    refreshed: bool = False


def batch_item_failures(
    received: Sequence[StreamTrade], unreadable: Sequence[str], outcome: AggregationOutcome
) -> list[dict[str, str]]:
    """The partial batch response: the stream resumes from the earliest failure, and the markers make
    the records after it that did succeed harmless to see again."""
    failed = list(unreadable) + [item.sequence_number for item in received if item.trade.trade_id in outcome.failed]
    return [{"itemIdentifier": sequence_number} for sequence_number in dict.fromkeys(failed)]
