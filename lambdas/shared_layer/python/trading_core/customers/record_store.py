"""Completing a customer record in TradesStore with the defaults of what it lacks (`record.completion_request`).

A record without `TotalDeposits` gets its opening balance (`record.total_deposits`) and, in the same
transaction, the DEPOSIT ledger entry "opening balance", so the ledger always sums to the totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trading_core.common.dynamodb import TransactionCancelled, transact_write
from trading_core.common.money import has_at_most_cents
from trading_core.customers import ledger
from trading_core.customers.record import TOTAL_DEPOSITS, completion_request, customer_id_of, total_deposits


def complete_record(client: Any, table_name: str, item: Mapping[str, Any], now: str) -> bool:
    """Writes the defaults; False when the record changed meanwhile (read it again and decide anew)."""
    request = completion_request(table_name, item, now)
    opening = total_deposits(item)
    if TOTAL_DEPOSITS in item or opening <= 0 or not has_at_most_cents(opening):
        # Nothing to record: an empty account opens without an entry (as does a hand-written record
        # whose balance is not positive or not in cents: the total still holds what it held).
        try:
            client.update_item(**request)
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True
    entry = ledger.deposit(
        customer_id_of(item), opening, entry_id=ledger.OPENING_ENTRY_ID, reason="opening balance", at=now
    )
    try:
        transact_write(client, [{"Update": request}, ledger.entry_put(table_name, entry)])
    except TransactionCancelled:
        # A changed record or a conflicting writer: nothing was written, the caller reads again.
        return False
    return True
