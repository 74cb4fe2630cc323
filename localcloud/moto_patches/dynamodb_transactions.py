"""Patch 7: TransactWriteItems without a copy of every table it touches per item.

`dynamodb.models.DynamoDBBackend.transact_write_items(self, transact_items)`: moto's code, but the rollback
backs up only the items the transaction writes and each table's stream length, instead of deep-copying the
whole table once per item (O(table) per item). Same cancellation reasons, ALL_OLD items, rollback of items
and stream records; the Table objects are kept.
"""

from __future__ import annotations

import copy
from typing import Any

from localcloud.moto_patches.patching import replace


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    replace(DynamoDBBackend, "transact_write_items", transact_write_items)


class _TransactionBackup:
    """What a transaction's rollback needs: the items it writes, as they were, and the stream lengths."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.items: dict[tuple[str, Any, Any], tuple[Any, bool, Any]] = {}
        self.streams: dict[str, tuple[Any, Any, int]] = {}
        self.whole_tables: dict[str, Any] = {}

    def table(self, table_name: str | None) -> None:
        if not table_name:
            return
        table = self.backend.tables.get(table_name)
        if table is not None and table_name not in self.streams:
            shard = table.stream_shard
            self.streams[table_name] = (table, shard, len(shard.items) if shard is not None else 0)

    def item(self, table_name: str, key: dict[str, Any]) -> None:
        table = self.backend.tables.get(table_name)
        if table is None or table_name in self.whole_tables:
            return
        try:
            hash_value, range_value = self.backend.get_keys_value(table, key)
            identity = (table_name, hash_value, range_value)
            if identity in self.items:
                return
            if range_value is not None:
                bucket = table.items.get(hash_value)
                existed = bucket is not None
                current = bucket.get(range_value) if bucket is not None else None
            else:
                existed = hash_value in table.items
                current = table.items.get(hash_value)
        except Exception:  # a key moto itself will reject; keep moto's whole-table backup for it
            self.whole_tables[table_name] = copy.deepcopy(table)
            return
        self.items[identity] = (table, existed, copy.deepcopy(current))

    def restore(self) -> None:
        for (table_name, hash_value, range_value), (table, existed, item) in reversed(list(self.items.items())):
            if table_name in self.whole_tables:
                continue
            if range_value is not None:
                if item is None:
                    bucket = table.items.get(hash_value)
                    if bucket is not None:
                        bucket.pop(range_value, None)
                        if not existed and not bucket:
                            del table.items[hash_value]
                else:
                    table.items[hash_value][range_value] = item
            elif item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        for table_name, (table, shard, length) in self.streams.items():
            if table_name not in self.whole_tables and shard is not None and table.stream_shard is shard:
                del shard.items[length:]
        for table_name, table in self.whole_tables.items():
            self.backend.tables[table_name] = table


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's `DynamoDBBackend.transact_write_items` with `_TransactionBackup` for the rollback."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    # Back up, in case any of the transactions fail, what the writes will change
    backup = _TransactionBackup(self)
    for item in transact_items:
        _, op = next(iter(item.items()))
        backup.table(op.get("TableName"))

    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException

        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")

            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            expression_attribute_names = op.get("ExpressionAttributeNames")
            expression_attribute_values = op.get("ExpressionAttributeValues")
            return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]

            check_unicity(table_name, key)
            if op_type != "ConditionCheck":
                backup.item(table_name, key)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(
                    condition_expression,
                    expression_attribute_names,
                    expression_attribute_values,
                )
                if not condition_op.expr(current):
                    if return_values_on_condition_check_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type == "Put":
                attrs = op["Item"]
                self.put_item(
                    table_name,
                    attrs,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            elif op_type == "Update":
                update_expression = op["UpdateExpression"]
                self.update_item(
                    table_name,
                    key,
                    update_expression=update_expression,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            # Rollback to the original state, and reraise the error
            backup.restore()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:
            # For other exceptions, capture their details
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

    if any(code is not None for code, _, _ in errors):
        # Rollback to the original state, and reraise the errors
        backup.restore()
        raise TransactionCanceledException(errors)
