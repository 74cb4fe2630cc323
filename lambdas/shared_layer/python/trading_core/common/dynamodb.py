"""DynamoDB plumbing shared by the adapters: transactions that say why they were cancelled (and
retry conflicts), batch reads and writes that finish their unprocessed items, and reads through every page.

Both take the client of a `boto3` Table resource (`table.meta.client`), so requests and answers
use plain Python values (Decimal numbers); only cancellation reasons come back in the wire format
and are deserialized here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

T = TypeVar("T")

MAX_TRANSACTION_ITEMS: Final = 100
MAX_BATCH_GET_KEYS: Final = 100
# Unprocessed keys are retried at once (no sleep in a handler); the client's standard retry mode
# has already backed off on throttling inside each call.
MAX_BATCH_GET_ROUNDS: Final = 5
MAX_BATCH_WRITE_ITEMS: Final = 25
MAX_BATCH_WRITE_ROUNDS: Final = 8
CONDITIONAL_CHECK_FAILED: Final = "ConditionalCheckFailed"
# A transaction touching an item another transaction is writing is cancelled with
# `TransactionConflict`; retrying at once is safe because a cancelled transaction wrote nothing.
TRANSACTION_CONFLICT: Final = "TransactionConflict"
MAX_TRANSACTION_ATTEMPTS: Final = 3

_deserializer = TypeDeserializer()


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class CancellationReason:
    """Why one item of a cancelled transaction failed (`code` "None" if it did not)."""

    code: str
    item: dict[str, Any] | None = None

    @property
    def condition_failed(self) -> bool:
        return self.code == CONDITIONAL_CHECK_FAILED


class TransactionCancelled(Exception):
    """A TransactWriteItems call was cancelled; `reasons` are in the order of the items sent."""

    def __init__(self, reasons: list[CancellationReason]) -> None:
        super().__init__(", ".join(reason.code for reason in reasons))
        self.reasons = reasons


def conditional_write(call: Any, request: dict[str, Any]) -> dict[str, Any] | None:
    """One single-item conditional write (`client.put_item`, `update_item`, ...): None when it happened,
    else the item its failed condition found (ALL_OLD; {} when there is none or it was not asked for)."""
    try:
        call(**request)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        item = error.response.get("Item")
        return _deserialize(item) if item else {}
    return None


class ConditionFailed(Exception):
    """A single-item write's condition failed: nothing was written; `item` is what it found (ALL_OLD; {} when
    there is none or it was not asked for)."""

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__("the condition failed")
        self.item = item


def decided_write(call: Any, request: dict[str, Any], *, attempts: int = MAX_TRANSACTION_ATTEMPTS) -> dict[str, Any]:
    """One single-item conditional write (`client.update_item`, `put_item`), its answer; `ConditionFailed` when
    its condition decided against it. A write that collided with a transaction on the item (400
    `TransactionConflictException`, which the SDK does not retry: nothing was written) is sent again, up to
    `attempts` times in all."""
    for attempt in range(1, attempts + 1):
        try:
            answer: dict[str, Any] = call(**request)
            return answer
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                item = error.response.get("Item")
                raise ConditionFailed(_deserialize(item) if item else {}) from error
            if code != "TransactionConflictException" or attempt == attempts:
                raise
    raise AssertionError("unreachable")


def transact_write(client: Any, items: list[dict[str, Any]]) -> None:
    """One TransactWriteItems call; cancellation becomes `TransactionCancelled` with parsed reasons."""
    if len(items) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"{len(items)} items exceed the {MAX_TRANSACTION_ITEMS} of one transaction")
    try:
        client.transact_write_items(TransactItems=items)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = [
            CancellationReason(
                code=str(reason.get("Code", "None")),
                item=None if "Item" not in reason else _deserialize(reason["Item"]),
            )
            for reason in error.response.get("CancellationReasons", [])
        ]
        if len(reasons) != len(items):
            raise
        raise TransactionCancelled(reasons) from error


def transact_conditionally(
    client: Any,
    items: list[dict[str, Any]],
    *,
    unavailable: Callable[[str], Exception],
    attempts: int = MAX_TRANSACTION_ATTEMPTS,
) -> list[CancellationReason] | None:
    """None when committed; the cancellation reasons when a condition failed. Conflicts are retried,
    any other cancellation is raised as `TransactionCancelled`.

    A transaction still conflicting after `attempts` wrote nothing: it raises `unavailable(reason)`,
    the caller's own "try again later" (so each store's callers see the error of its domain)."""
    for _ in range(attempts):
        try:
            transact_write(client, items)
            return None
        except TransactionCancelled as cancelled:
            if any(reason.condition_failed for reason in cancelled.reasons):
                return cancelled.reasons
            if not any(reason.code == TRANSACTION_CONFLICT for reason in cancelled.reasons):
                raise
    raise unavailable(f"transaction still conflicting after {attempts} attempts")


def every_page(call: Callable[..., dict[str, Any]], **request: Any) -> Iterator[dict[str, Any]]:
    """The items of a Query or Scan (`table.query`, `table.scan`) through all its pages."""
    while True:
        page = call(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def batch_get(
    client: Any, table_name: str, keys: Sequence[dict[str, str]], *, consistent: bool = True
) -> list[dict[str, Any]]:
    """Every item of `keys` that exists, read consistently unless told (half the read units), 100 keys per call."""
    found: list[dict[str, Any]] = []
    for chunk in chunked(keys, MAX_BATCH_GET_KEYS):
        request: dict[str, Any] = {table_name: {"Keys": list(chunk), "ConsistentRead": consistent}}
        for _ in range(MAX_BATCH_GET_ROUNDS):
            response = client.batch_get_item(RequestItems=request)
            found.extend(response.get("Responses", {}).get(table_name, []))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise RuntimeError(f"BatchGetItem left keys unprocessed after {MAX_BATCH_GET_ROUNDS} rounds")
    return found


def batch_write(client: Any, table_name: str, requests: Sequence[dict[str, Any]]) -> None:
    """Put and delete requests, 25 per BatchWriteItem, unprocessed items sent again at once."""
    for chunk in chunked(requests, MAX_BATCH_WRITE_ITEMS):
        pending: dict[str, Any] = {table_name: list(chunk)}
        for _ in range(MAX_BATCH_WRITE_ROUNDS):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
        else:
            raise RuntimeError(f"BatchWriteItem left items unprocessed after {MAX_BATCH_WRITE_ROUNDS} rounds")


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}
