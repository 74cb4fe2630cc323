"""The aggregator's reads and single-item conditional writes on TradesStore (`aggregator.AggregateStore`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trading_core.aggregation.aggregator import AGGREGATED_SEQUENCE, KeyUpdate
from trading_core.common.dynamodb import batch_get, conditional_write
from trading_core.customers.position import AVAILABLE_QUANTITY, VERSION
from trading_core.customers.record import FUNDS_ARE_NUMBERS, NUMBER_TYPE
from trading_core.customers.record_store import complete_record


class DynamoDBAggregateWriter:
    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def read(self, keys: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        return batch_get(self._client, self._table_name, keys)

    def complete_customer(self, item: dict[str, Any], now: str) -> bool:
        return complete_record(self._client, self._table_name, item, now)

    def write(self, update: KeyUpdate, now: str) -> dict[str, Any] | None:
        return conditional_write(self._client.update_item, self.request(update, now))

    def request(self, update: KeyUpdate, now: str) -> dict[str, Any]:
        """ADD the numbers (the router and deposits move funds and quantities meanwhile, by ADD-like updates
        too), SET the values and the mark, on condition of the mark read (and a position's `Version`)."""
        names = {f"#a{index}": name for index, name in enumerate(update.add)}
        values: dict[str, Any] = {f":a{index}": value for index, value in enumerate(update.add.values())}
        names.update({f"#s{index}": name for index, name in enumerate(update.set)})
        values.update({f":s{index}": value for index, value in enumerate(update.set.values())})
        adds = ", ".join(f"#a{index} :a{index}" for index in range(len(update.add)))
        sets = "".join(f", #s{index} = :s{index}" for index in range(len(update.set)))
        names.update({"#mark": AGGREGATED_SEQUENCE, "#updated": "Updated"})
        values.update({":mark": update.sequence, ":now": now})
        if update.read_sequence is None:
            conditions = ["attribute_not_exists(#mark)"]
        else:
            conditions = ["#mark = :read"]
            values[":read"] = update.read_sequence
        if update.customer_id is not None:
            # ADD would start a missing AvailableFunds at zero: an incomplete record is completed first.
            conditions.append(f"attribute_exists(PK) AND {FUNDS_ARE_NUMBERS}")
            values.update(NUMBER_TYPE)
        if update.versioned:
            names["#version"] = VERSION
            if update.expected_version is None:
                conditions.append("attribute_not_exists(#version)")
            else:
                conditions.append("#version = :version")
                values[":version"] = update.expected_version
        if update.legacy:
            conditions.append("attribute_not_exists(#available)")
            names["#available"] = AVAILABLE_QUANTITY
        return {
            "TableName": self._table_name,
            "Key": update.key,
            "UpdateExpression": f"ADD {adds} SET #updated = :now, #mark = :mark{sets}",
            "ConditionExpression": " AND ".join(f"({condition})" for condition in conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
