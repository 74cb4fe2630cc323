"""Seeded customers in TradesStore: created only if absent, so a redeploy never resets one that traded."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from trading_core.common import keys
from trading_core.customers.seeder import SeedSpec, customer_item


class CustomerSeedStore:
    """One conditional PutItem per customer (BatchWriteItem cannot be conditional)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    @property
    def physical_id(self) -> str:
        return f"{self._table.name}/customers"

    def seed(self, spec: SeedSpec, now: str) -> int:
        """Creates the missing customers; returns how many were created."""
        created = 0
        for customer_id in spec.customer_ids:
            try:
                self._table.put_item(
                    Item=customer_item(customer_id, spec.initial_funds, now),
                    ConditionExpression="attribute_not_exists(#pk)",
                    ExpressionAttributeNames={"#pk": keys.PK},
                )
                created += 1
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
        return created
