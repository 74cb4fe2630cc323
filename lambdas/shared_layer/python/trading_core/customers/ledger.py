"""The customer's ledger: money enters only as a DEPOSIT and leaves only as a WITHDRAWAL or a fee.

Each deposit and withdrawal is one LEDGER item in the customer's partition
(`CUST#<id>` / `LEDGER#<iso time>#<entry id>`: `Kind`, `Amount`, `Reason`), written in the same
transaction as the customer record's `TotalDeposits` / `TotalWithdrawals` and funds, so the totals
are always the sums of the entries. Fees are carried by the trades (`TotalCommissionPaid`), the gains
and losses of sells by `RealizedPnl` (`aggregation.positions`). Together they keep, for every
customer, exact to the cent (`customers.record`):

    RemainingFunds + Σ positions' CostBasis
        = TotalDeposits - TotalWithdrawals - TotalCommissionPaid + RealizedPnl.

Who writes entries: the customer seeder (the initial funds), the funds raiser (an automatic top-up,
when the stage's `auto-top-up` is on), the completion of a record that had no `TotalDeposits` (its
opening balance) and `ledger_store.DynamoLedgerStore` (deposits and withdrawals: the data API's
`POST /customers/{customerId}/deposits` and `/withdrawals`, `customers.accounts`). A withdrawal never
exceeds `AvailableFunds`: the condition of its own write decides, so money reserved by live orders
cannot be withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from trading_core.common import keys
from trading_core.common.money import ZERO, has_at_most_cents
from trading_core.customers import record

LEDGER_PREFIX: Final = "LEDGER#"
SEED_ENTRY_ID: Final = "initial-funds"
OPENING_ENTRY_ID: Final = "opening-balance"


class EntryKind(StrEnum):
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"


def ledger_key(customer_id: str, at: str, entry_id: str) -> dict[str, str]:
    partition = keys.trades_partition(customer_id)
    return {keys.PK: partition, keys.SK: f"{LEDGER_PREFIX}{at}#{entry_id}"}


@dataclass(frozen=True, kw_only=True)
class LedgerEntry:
    """One movement of money; `entry_id` with `at` is its key, so writing it again is refused."""

    customer_id: str
    kind: EntryKind
    amount: Decimal
    entry_id: str
    reason: str
    at: str

    def __post_init__(self) -> None:
        if self.amount <= ZERO or not has_at_most_cents(self.amount):
            raise ValueError(f"a ledger amount is a positive amount in cents, got {self.amount}")
        if not self.entry_id or "#" in self.entry_id:
            raise ValueError(f"a ledger entry id is non-empty and has no '#', got {self.entry_id!r}")

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.kind is EntryKind.DEPOSIT else -self.amount

    def to_item(self) -> dict[str, Any]:
        return {
            **ledger_key(self.customer_id, self.at, self.entry_id),
            "CustomerId": self.customer_id,
            "EntryId": self.entry_id,
            "Kind": self.kind.value,
            "Amount": self.amount,
            "Reason": self.reason,
            "Created": self.at,
        }


def deposit(customer_id: str, amount: Decimal, *, entry_id: str, reason: str, at: str) -> LedgerEntry:
    return LedgerEntry(
        customer_id=customer_id, kind=EntryKind.DEPOSIT, amount=amount, entry_id=entry_id, reason=reason, at=at
    )


def withdrawal(customer_id: str, amount: Decimal, *, entry_id: str, reason: str, at: str) -> LedgerEntry:
    return LedgerEntry(
        customer_id=customer_id, kind=EntryKind.WITHDRAWAL, amount=amount, entry_id=entry_id, reason=reason, at=at
    )


def entry_put(table: str, entry: LedgerEntry) -> dict[str, Any]:
    """The entry's Put, refused if the same entry was written before."""
    return {
        "Put": {
            "TableName": table,
            "Item": entry.to_item(),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": keys.PK},
        }
    }


def customer_update(table: str, entry: LedgerEntry, now: str) -> dict[str, Any]:
    """The customer record's side of the entry: funds and the matching total move together.

    Its condition requires a complete, readable record (and, for a withdrawal, enough available funds),
    returning the old item when it fails so the caller can tell which."""
    condition = f"attribute_exists(#pk) AND {record.FUNDS_ARE_NUMBERS}"
    if entry.kind is EntryKind.DEPOSIT:
        expression = (
            "SET RemainingFunds = RemainingFunds + :amount, AvailableFunds = AvailableFunds + :amount, "
            f"TotalDeposits = TotalDeposits + :amount, Updated = :now, {record.LIST_KEY_SET}"
        )
    else:
        expression = (
            "SET RemainingFunds = RemainingFunds - :amount, AvailableFunds = AvailableFunds - :amount, "
            f"Updated = :now, {record.LIST_KEY_SET} ADD TotalWithdrawals :amount"
        )
        condition += " AND AvailableFunds >= :amount"
    return {
        "Update": {
            "TableName": table,
            "Key": keys.customer_key(entry.customer_id),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#pk": keys.PK},
            "ExpressionAttributeValues": {
                ":amount": entry.amount,
                ":now": now,
                **record.NUMBER_TYPE,
                **record.LIST_KEY_VALUE,
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def entry_operations(table: str, entry: LedgerEntry, now: str) -> list[dict[str, Any]]:
    """The entry and its customer update: [Put, Update], for one TransactWriteItems."""
    return [entry_put(table, entry), customer_update(table, entry, now)]
