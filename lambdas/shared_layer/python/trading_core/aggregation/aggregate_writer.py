"""The aggregator's actions as one TransactWriteItems request on TradesStore (`TransactionWriter`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from trading_core.aggregation.aggregator import Action, Marker
from trading_core.common.dynamodb import transact_write
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

    def _request(self, action: Action, now: str) -> dict[str, Any]:
        if isinstance(action, Marker):
            return {
                "Update": {
                    "TableName": self._table_name,
                    "Key": action.key,
                    "UpdateExpression": "SET #aggregatedAt = :now",
                    "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(#aggregatedAt)",
                    "ExpressionAttributeNames": {"#aggregatedAt": AGGREGATED_AT},
                    "ExpressionAttributeValues": {":now": now},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
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
