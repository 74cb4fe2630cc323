"""Seeded customers in TradesStore: created only if absent, so a redeploy never resets one that traded.

Each customer and the DEPOSIT ledger entry of its initial funds are one transaction: both or neither.
A customer that already exists only gets its `CustomerListKey` if it lacks it (`customers.record`).
"""

from __future__ import annotations

import contextlib
from typing import Any

from trading_core.common import keys
from trading_core.common.dynamodb import transact_conditionally
from trading_core.common.money import ZERO
from trading_core.contracts import CUSTOMER_LIST_KEY_ATTRIBUTE
from trading_core.customers import ledger, record
from trading_core.customers.seeder import SeedSpec, customer_item


class SeedUnavailable(RuntimeError):
    """Seeding kept conflicting with other writers; CloudFormation is answered FAILED."""


class CustomerSeedStore:
    """One conditional transaction per customer (BatchWriteItem cannot be conditional)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    @property
    def physical_id(self) -> str:
        return f"{self._table.name}/customers"

    def seed(self, spec: SeedSpec, now: str) -> int:
        """Creates the missing customers; returns how many were created."""
        created = 0
        for customer_id in spec.customer_ids:
            operations: list[dict[str, Any]] = [
                {
                    "Put": {
                        "TableName": self._table.name,
                        "Item": customer_item(customer_id, spec.initial_funds, now),
                        "ConditionExpression": "attribute_not_exists(#pk)",
                        "ExpressionAttributeNames": {"#pk": keys.PK},
                    }
                }
            ]
            if spec.initial_funds > ZERO:
                entry = ledger.deposit(
                    customer_id, spec.initial_funds, entry_id=ledger.SEED_ENTRY_ID, reason="initial funds", at=now
                )
                operations.append(ledger.entry_put(self._table.name, entry))
            if transact_conditionally(self._client, operations, unavailable=SeedUnavailable) is None:
                created += 1
            else:
                self._list(customer_id)
        return created

    def _list(self, customer_id: str) -> None:
        """An existing customer written before the customer list gets its `CustomerListKey` (nothing else
        changes; a customer already listed, or deleted meanwhile, is left alone)."""
        with contextlib.suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.update_item(
                TableName=self._table.name,
                Key=keys.customer_key(customer_id),
                UpdateExpression=f"SET {record.LIST_KEY_SET}",
                ConditionExpression="attribute_exists(#pk) AND attribute_not_exists(#list)",
                ExpressionAttributeNames={"#pk": keys.PK, "#list": CUSTOMER_LIST_KEY_ATTRIBUTE},
                ExpressionAttributeValues=record.LIST_KEY_VALUE,
            )
