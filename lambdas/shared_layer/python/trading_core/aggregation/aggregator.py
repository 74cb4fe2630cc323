"""Applies the aggregates of settled trades (from the TradesStore stream) exactly once per trade.

Streams deliver at least once, so each trade item carries a marker, `AggregatedAt`. One transaction
sets the markers of a group of trades (only where unset) together with one update per customer,
position and ticker-day key holding the group's summed deltas. A redelivered record finds its
marker set: the transaction is cancelled, the reasons name the trades already applied, and the
rest is retried without them. Nothing is ever counted twice, and each key is written once per
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Protocol

from trading_core.aggregation.deltas import aggregate
from trading_core.aggregation.stream import StreamTrade
from trading_core.common import keys
from trading_core.common.clock import Clock, to_iso
from trading_core.common.dynamodb import MAX_TRANSACTION_ITEMS, TransactionCancelled
from trading_core.customers.record import UnreadableCustomer
from trading_core.model.trade import Trade

# Cancellations that teach nothing (conflicts, throttling) are retried at once this many times,
# then the group's records are reported as failures for the stream to redeliver.
MAX_BLIND_ATTEMPTS: Final = 3
UNKNOWN_CUSTOMER: Final = "customer not found"
NOT_APPLIED: Final = "transaction cancelled"


@dataclass(frozen=True)
class Marker:
    """Sets the trade's `AggregatedAt` if unset: the proof that its deltas were applied."""

    key: dict[str, str]
    trade_id: str


@dataclass(frozen=True)
class Increment:
    """Adds numbers to one aggregate item; `customer_id` is set on customer items, which must exist."""

    key: dict[str, str]
    add: dict[str, Decimal | int]
    customer_id: str | None = None


Action = Marker | Increment


def plan_actions(trades: Sequence[Trade]) -> list[Action]:
    """The markers of `trades`, then one increment per key they touch."""
    totals = aggregate(list(trades))
    actions: list[Action] = [
        Marker(keys.trade_key(trade.customer_id, trade.trade_day, trade.trade_id), trade.trade_id) for trade in trades
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
                },
                customer_id=customer_id,
            )
        )
    for (customer_id, ticker), position in sorted(totals.positions.items()):
        actions.append(
            Increment(
                keys.position_key(customer_id, ticker),
                {
                    "Quantity": position.quantity,
                    "NrTrades": position.nr_trades,
                    "TotalBought": position.bought,
                    "TotalSold": position.sold,
                },
            )
        )
    for (ticker, day), ticker_day in sorted(totals.ticker_days.items()):
        actions.append(
            Increment(
                keys.ticker_day_key(ticker, day),
                {"NrTrades": ticker_day.nr_trades, "TotalQuantity": ticker_day.total_quantity},
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
        outcome = AggregationOutcome()
        unique = list({trade.trade_id: trade for trade in trades}.values())
        now = to_iso(self._clock())
        for group in group_trades(unique):
            self._apply_group(group, now, outcome)
        return outcome

    def _apply_group(self, group: list[Trade], now: str, outcome: AggregationOutcome) -> None:
        pending = group
        blind_attempts = completions = 0
        while pending:
            actions = plan_actions(pending)
            try:
                self._writer.write(actions, now)
            except TransactionCancelled as cancelled:
                dropped, completed = self._learn(actions, cancelled, pending, outcome, now)
                completions += completed
                if not dropped and not completed:
                    blind_attempts += 1
                if blind_attempts >= MAX_BLIND_ATTEMPTS or completions > MAX_BLIND_ATTEMPTS:
                    outcome.failed.update(dict.fromkeys((trade.trade_id for trade in pending), NOT_APPLIED))
                    return
                pending = [trade for trade in pending if trade.trade_id not in dropped]
            else:
                outcome.applied.extend(trade.trade_id for trade in pending)
                return

    def _learn(
        self,
        actions: list[Action],
        cancelled: TransactionCancelled,
        pending: list[Trade],
        outcome: AggregationOutcome,
        now: str,
    ) -> tuple[set[str], bool]:
        """Records what the failed conditions mean; returns the ids of the trades to drop and whether
        a customer record was completed (then the same trades are written again)."""
        dropped: set[str] = set()
        completed = False
        for action, reason in zip(actions, cancelled.reasons, strict=True):
            if not reason.condition_failed:
                continue
            if isinstance(action, Marker):
                (outcome.duplicates if reason.item is not None else outcome.vanished).append(action.trade_id)
                dropped.add(action.trade_id)
            elif action.customer_id is not None:
                failure = UNKNOWN_CUSTOMER
                if reason.item:
                    try:
                        completed |= self._writer.complete_customer(reason.item, now)
                        continue
                    except UnreadableCustomer as error:
                        failure = str(error)
                for trade in pending:
                    if trade.customer_id == action.customer_id:
                        outcome.failed[trade.trade_id] = failure
                        dropped.add(trade.trade_id)
        return dropped, completed


def batch_item_failures(
    received: Sequence[StreamTrade], unreadable: Sequence[str], outcome: AggregationOutcome
) -> list[dict[str, str]]:
    """The partial batch response: the stream resumes from the earliest failure, and the markers make
    the records after it that did succeed harmless to see again."""
    failed = list(unreadable) + [item.sequence_number for item in received if item.trade.trade_id in outcome.failed]
    return [{"itemIdentifier": sequence_number} for sequence_number in dict.fromkeys(failed)]
