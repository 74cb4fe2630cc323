"""The aggregator's actions as one TransactWriteItems request on TradesStore (`TransactionWriter`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from trading_core.aggregation.aggregator import Action, Marker, PositionUpdate
from trading_core.common.dynamodb import batch_get, transact_write
from trading_core.customers.position import AVAILABLE_QUANTITY, VERSION
from trading_core.customers.record import FUNDS_ARE_NUMBERS, NUMBER_TYPE
from trading_core.customers.record_store import complete_record

AGGREGATED_AT: Final = "AggregatedAt"


class DynamoDBAggregateWriter:
    """Turns the actions into one TransactWriteItems request on TradesStore."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def write(self, actions: Sequence[Action], now: str) -> None:
        transact_write(self._client, [self._request(action, now) for action in actions])

    def complete_customer(self, item: dict[str, Any], now: str) -> bool:
        return complete_record(self._client, self._table_name, item, now)

    def read_positions(self, keys: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        return batch_get(self._client, self._table_name, keys)

    def _request(self, action: Action, now: str) -> dict[str, Any]:
        if isinstance(action, Marker):
            return {
                "Update": {
                    "TableName": self._table_name,
                    "Key": action.key,
                    "UpdateExpression": "SET #aggregatedAt = :now",
                    "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(#aggregatedAt)",
                    "ExpressionAttributeNames": {"#aggregatedAt": AGGREGATED_AT},
                    "ExpressionAttributeValues": {":now": action.at or now},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        if isinstance(action, PositionUpdate):
            return {"Update": self._position_request(action, now)}
        names = {f"#a{index}": name for index, name in enumerate(action.add)}
        values: dict[str, Any] = {f":a{index}": value for index, value in enumerate(action.add.values())}
        adds = ", ".join(f"#a{index} :a{index}" for index in range(len(action.add)))
        request: dict[str, Any] = {
            "TableName": self._table_name,
            "Key": action.key,
            "UpdateExpression": f"ADD {adds} SET #updated = :now",
            "ExpressionAttributeNames": {**names, "#updated": "Updated"},
            "ExpressionAttributeValues": {**values, ":now": now},
        }
        if action.customer_id is not None:
            # ADD would start a missing AvailableFunds at zero: an incomplete record is completed first.
            request["ConditionExpression"] = f"attribute_exists(PK) AND {FUNDS_ARE_NUMBERS}"
            request["ExpressionAttributeValues"].update(NUMBER_TYPE)
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Update": request}

    def _position_request(self, action: PositionUpdate, now: str) -> dict[str, Any]:
        """Counts by ADD (the router moves available and reserved quantity meanwhile, by ADD-like
        updates too), the cost by SET, on condition of the `Version` read (only the aggregator bumps it)."""
        names = {f"#a{index}": name for index, name in enumerate(action.add)}
        values: dict[str, Any] = {f":a{index}": value for index, value in enumerate(action.add.values())}
        adds = ", ".join(f"#a{index} :a{index}" for index in range(len(action.add)))
        set_names = {f"#s{index}": name for index, name in enumerate(action.set)}
        values.update({f":s{index}": value for index, value in enumerate(action.set.values())})
        sets = "".join(f", #s{index} = :s{index}" for index in range(len(action.set)))
        names.update(set_names)
        names.update({"#version": VERSION, "#updated": "Updated"})
        if action.expected_version is None:
            condition = "attribute_not_exists(#version)"
        else:
            condition = "#version = :version"
            values[":version"] = action.expected_version
        if action.legacy:
            condition += " AND attribute_not_exists(#available)"
            names["#available"] = AVAILABLE_QUANTITY
        return {
            "TableName": self._table_name,
            "Key": action.key,
            "UpdateExpression": f"ADD {adds} SET #updated = :now{sets}",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {**values, ":now": now},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
