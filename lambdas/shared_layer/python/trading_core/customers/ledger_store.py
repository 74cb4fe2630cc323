"""Deposits and withdrawals in TradesStore: the LEDGER entry and the customer update, one transaction.

The condition of the customer update decides (never read-then-decide): a withdrawal that exceeds the
available funds (what live orders have not reserved) is refused, whatever the concurrency. Writing
the same entry (same `at` and `entry_id`) again is recognised as a duplicate and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trading_core.common.dynamodb import MAX_TRANSACTION_ATTEMPTS, transact_conditionally
from trading_core.customers import ledger, record
from trading_core.customers.record_store import complete_record


@dataclass(frozen=True)
class Recorded:
    entry: ledger.LedgerEntry


@dataclass(frozen=True)
class DuplicateEntry:
    entry: ledger.LedgerEntry


@dataclass(frozen=True)
class UnknownCustomer:
    customer_id: str


@dataclass(frozen=True)
class InsufficientAvailableFunds:
    """A withdrawal larger than the available funds (remaining minus what live orders reserved)."""

    required: Decimal
    available: Decimal


@dataclass(frozen=True)
class UnreadableCustomer:
    reason: str
    field: str = record.REMAINING_FUNDS


@dataclass(frozen=True)
class GuardFailed:
    """The guard written with the entry already existed (e.g. an idempotent request's marker): nothing
    was written; `item` is the guard as stored."""

    item: dict[str, Any]


LedgerOutcome = (
    Recorded | DuplicateEntry | UnknownCustomer | InsufficientAvailableFunds | UnreadableCustomer | GuardFailed
)


class LedgerUnavailable(RuntimeError):
    """The store could not decide (conflicts, a record that kept changing); nothing was written."""


class DynamoLedgerStore:
    """Ledger entries through a boto3 Table resource (TransactWriteItems)."""

    def __init__(self, table: Any) -> None:
        self._table = table.name
        self._client = table.meta.client

    def record(self, entry: ledger.LedgerEntry, now: str, *, guard: dict[str, Any] | None = None) -> LedgerOutcome:
        """Writes a deposit or a withdrawal; a record lacking attributes is completed first.

        `guard`, a conditional Put (with `ReturnValuesOnConditionCheckFailure` ALL_OLD), is written in the
        same transaction: when its condition fails, nothing is written and the answer is `GuardFailed`."""
        guards = [] if guard is None else [guard]
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            reasons = transact_conditionally(
                self._client,
                [*guards, *ledger.entry_operations(self._table, entry, now)],
                unavailable=LedgerUnavailable,
            )
            if reasons is None:
                return Recorded(entry)
            if guards and reasons[0].condition_failed:
                return GuardFailed(reasons[0].item or {})
            reasons = reasons[len(guards) :]
            if reasons[0].condition_failed:
                return DuplicateEntry(entry)
            old = reasons[1].item
            if not old:
                return UnknownCustomer(entry.customer_id)
            try:
                funds = record.read_funds(old)
                record.total_deposits(old)
                if record.is_complete(old):
                    if entry.kind is ledger.EntryKind.WITHDRAWAL:
                        return InsufficientAvailableFunds(required=entry.amount, available=funds.available)
                    raise LedgerUnavailable(f"the deposit to {entry.customer_id} was refused: {reasons}")
                complete_record(self._client, self._table, old, now)
            except record.UnreadableCustomer as error:
                return UnreadableCustomer(str(error), error.field)
        raise LedgerUnavailable(f"the record of {entry.customer_id} kept changing while it was completed")

    def deposit(self, customer_id: str, amount: Decimal, *, entry_id: str, reason: str, at: str) -> LedgerOutcome:
        return self.record(ledger.deposit(customer_id, amount, entry_id=entry_id, reason=reason, at=at), at)

    def withdraw(self, customer_id: str, amount: Decimal, *, entry_id: str, reason: str, at: str) -> LedgerOutcome:
        """Never more than `AvailableFunds` (the write's condition)."""
        return self.record(ledger.withdrawal(customer_id, amount, entry_id=entry_id, reason=reason, at=at), at)
