"""The aggregator's writer over a dict: the transaction semantics `DynamoAggregateWriter` asks DynamoDB
for (every condition checked first, then every action applied, or none), shared by the unit tests."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from trading_core.aggregation.aggregate_writer import AGGREGATED_AT
from trading_core.aggregation.aggregator import Action, Marker, PositionUpdate
from trading_core.common import keys
from trading_core.common.dynamodb import CancellationReason, TransactionCancelled

Items = dict[tuple[str, str], dict[str, Any]]


def _key(key: dict[str, str]) -> tuple[str, str]:
    return (key[keys.PK], key[keys.SK])


def _fails(action: Action, item: dict[str, Any] | None) -> bool:
    if isinstance(action, Marker):
        return item is None or AGGREGATED_AT in item
    if isinstance(action, PositionUpdate):
        version = None if item is None else item.get("Version")
        return version != action.expected_version or (
            action.legacy and item is not None and "AvailableQuantity" in item
        )
    return action.customer_id is not None and item is None


def write_aggregates(items: Items, actions: Sequence[Action], now: str) -> None:
    """One transaction: raises `TransactionCancelled` (with the items as they were) if any condition
    fails; otherwise sets markers, adds the deltas and sets the positions' new state."""
    reasons = [
        CancellationReason("ConditionalCheckFailed", copy.deepcopy(items.get(_key(action.key))))
        if _fails(action, items.get(_key(action.key)))
        else CancellationReason("None")
        for action in actions
    ]
    if any(reason.condition_failed for reason in reasons):
        raise TransactionCancelled(reasons)
    for action in actions:
        item = items.setdefault(_key(action.key), dict(action.key))
        if isinstance(action, Marker):
            item[AGGREGATED_AT] = action.at or now
            continue
        for name, value in action.add.items():
            item[name] = item.get(name, 0) + value
        if isinstance(action, PositionUpdate):
            item.update(action.set)
        item["Updated"] = now


def read_positions(items: Items, keys_: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Copies of the positions that exist, as a consistent BatchGetItem returns them."""
    return [copy.deepcopy(items[_key(key)]) for key in keys_ if _key(key) in items]
