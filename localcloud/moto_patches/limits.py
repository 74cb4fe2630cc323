"""Patch 15: request limits AWS enforces and moto 5.2.5 does not, refused with AWS's error before moto acts.

15. Each wraps one moto response handler (`self` is the handler, its request already parsed) and, while a
   runtime is active, refuses an over-limit request as the service does; nothing is written. Otherwise the
   call goes to moto's own handler unchanged.
   - `DynamoHandler.batch_write_item`: at most 25 put or delete requests in all
     (`ValidationException`, "Too many items requested for the BatchWriteItem call").
   - `DynamoHandler.transact_write_items`: the items of the request at most 4 MB in all, sized as DynamoDB
     sizes items (`ValidationException`, "Transaction request cannot be larger than 4 MB").
   - `EventsHandler.put_events`: the entries at most 256 KB in all, sized as EventBridge documents it
     ("Calculating PutEvents event entry size": 14 bytes for a `Time`, then the UTF-8 bytes of `Source`,
     `DetailType`, `Detail` and each of `Resources`) (`ValidationException`, "Total size of the entries in
     the request is over the limit.").
   - `SNSResponse.publish_batch`: the messages and their attributes at most 256 KB in all
     (`BatchRequestTooLong`, "The length of all the messages put together is more than the limit.").

What moto already refuses as AWS does is left to it: more than 100 keys in BatchGetItem, more than 100
items in TransactWriteItems, an item over 400 KB, more than 10 PutEvents entries or PublishBatch entries,
an SNS message over 256 KB, an SQS message over 1 MiB.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from moto.sns.exceptions import SNSException

from localcloud.aws_sizes import event_entry_size, item_size, utf8_size, value_size
from localcloud.moto_patches.patching import active_runtime, original, replace

MAX_BATCH_WRITE_REQUESTS: Final = 25
MAX_TRANSACTION_BYTES: Final = 4 * 1024 * 1024
MAX_PUT_EVENTS_BYTES: Final = 256 * 1024
MAX_PUBLISH_BATCH_BYTES: Final = 256 * 1024


class BatchRequestTooLong(SNSException):
    code = "BatchRequestTooLong"
    message = "The length of all the messages put together is more than the limit."


def install() -> None:
    from moto.dynamodb.responses import DynamoHandler
    from moto.events.responses import EventsHandler
    from moto.sns.responses import SNSResponse

    replace(DynamoHandler, "batch_write_item", batch_write_item_limited)
    replace(DynamoHandler, "transact_write_items", transact_write_items_limited)
    replace(EventsHandler, "put_events", put_events_limited)
    replace(SNSResponse, "publish_batch", publish_batch_limited)


def batch_write_item_limited(self: Any) -> Any:
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.responses import DynamoHandler

    if active_runtime() is not None:
        requests = sum(len(table_requests) for table_requests in (self.body.get("RequestItems") or {}).values())
        if requests > MAX_BATCH_WRITE_REQUESTS:
            raise MockValidationException("Too many items requested for the BatchWriteItem call")
    return original(DynamoHandler, "batch_write_item")(self)


def transact_write_items_limited(self: Any) -> Any:
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.responses import DynamoHandler

    if active_runtime() is not None and transaction_size(self.body.get("TransactItems") or []) > MAX_TRANSACTION_BYTES:
        raise MockValidationException("Transaction request cannot be larger than 4 MB")
    return original(DynamoHandler, "transact_write_items")(self)


def put_events_limited(self: Any) -> Any:
    from moto.events.exceptions import ValidationException
    from moto.events.responses import EventsHandler

    if active_runtime() is not None and put_events_size(self._get_param("Entries") or []) > MAX_PUT_EVENTS_BYTES:
        raise ValidationException("Total size of the entries in the request is over the limit.")
    return original(EventsHandler, "put_events")(self)


def publish_batch_limited(self: Any) -> Any:
    from moto.sns.responses import SNSResponse

    if active_runtime() is not None:
        entries = self._get_param("PublishBatchRequestEntries", []) or []
        if publish_batch_size(entries) > MAX_PUBLISH_BATCH_BYTES:
            raise BatchRequestTooLong()
    return original(SNSResponse, "publish_batch")(self)


def put_events_size(entries: list[dict[str, Any]]) -> int:
    """The entries' size as EventBridge computes it against its 256 KB limit."""
    return sum(event_entry_size(entry) for entry in entries)


def publish_batch_size(entries: list[dict[str, Any]]) -> int:
    """The messages and their attributes (name, data type, value), as SNS counts them against 256 KB."""
    total = 0
    for entry in entries:
        total += utf8_size(str(entry.get("Message") or ""))
        for name, attribute in (entry.get("MessageAttributes") or {}).items():
            total += utf8_size(name)
            if isinstance(attribute, Mapping):
                total += sum(utf8_size(str(value)) for value in attribute.values() if value is not None)
    return total


def transaction_size(transact_items: list[dict[str, Any]]) -> int:
    """The items a TransactWriteItems names (Put items, the keys and values of Update, Delete and
    ConditionCheck), sized as DynamoDB sizes items."""
    total = 0
    for operation in transact_items:
        for request in operation.values():
            total += item_size(request.get("Item")) + item_size(request.get("Key"))
            total += sum(value_size(value) for value in (request.get("ExpressionAttributeValues") or {}).values())
    return total
