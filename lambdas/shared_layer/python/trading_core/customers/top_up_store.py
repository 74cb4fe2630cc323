"""The funds raiser's top-ups in TradesStore: the marker, the DEPOSIT ledger entry and the customer
update (funds and `TotalDeposits`), in one transaction."""

from __future__ import annotations

import logging
from typing import Any

from trading_core.common import keys
from trading_core.common.dynamodb import MAX_TRANSACTION_ATTEMPTS, transact_conditionally
from trading_core.common.money import money_str
from trading_core.customers import ledger
from trading_core.customers.funds_raiser import TopUp, TopUpOutcome
from trading_core.customers.record import UnreadableCustomer
from trading_core.customers.record_store import complete_record

logger = logging.getLogger(__name__)


class TopUpUnavailable(RuntimeError):
    """The store could not decide (conflicts, a record that kept changing); nothing was written."""


class DynamoTopUpStore:
    """Top-ups through a boto3 Table resource (TransactWriteItems)."""

    def __init__(self, table: Any) -> None:
        self._table = table.name
        self._client = table.meta.client

    def top_up(self, top_up: TopUp, now: str) -> TopUpOutcome:
        """Deposit the top-up once per CreditCheck order (the marker is the guard).

        A customer record lacking the funds attributes is completed with their defaults first."""
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            reasons = transact_conditionally(
                self._client, self._top_up_operations(top_up, now), unavailable=TopUpUnavailable
            )
            if reasons is None:
                logger.info(
                    "raised funds of customer %s by %s (order %s)",
                    top_up.customer_id,
                    money_str(top_up.amount),
                    top_up.order_id,
                )
                return TopUpOutcome.APPLIED
            if reasons[0].condition_failed:
                return TopUpOutcome.DUPLICATE
            old = reasons[1].item
            if not old:
                return TopUpOutcome.UNKNOWN_CUSTOMER
            try:
                complete_record(self._client, self._table, old, now)
            except UnreadableCustomer as error:
                logger.error("skipping top-up for order %s: %s", top_up.order_id, error)
                return TopUpOutcome.UNREADABLE_CUSTOMER
        raise TopUpUnavailable(f"the record of {top_up.customer_id} kept changing while it was completed")

    def _top_up_operations(self, top_up: TopUp, now: str) -> list[dict[str, Any]]:
        entry = ledger.deposit(
            top_up.customer_id,
            top_up.amount,
            entry_id=top_up.order_id,
            reason=f"automatic top-up: order {top_up.order_id} lacked {money_str(top_up.amount)}",
            at=now,
        )
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        **keys.top_up_key(top_up.order_id),
                        "CustomerId": top_up.customer_id,
                        "Amount": top_up.amount,
                        "Created": now,
                    },
                    "ConditionExpression": "attribute_not_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                }
            },
            ledger.customer_update(self._table, entry, now),
            ledger.entry_put(self._table, entry),
        ]
