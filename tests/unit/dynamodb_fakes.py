"""A fake DynamoDB client for the stores' decisions: scripted answers to TransactWriteItems and single writes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError


def cancelled(*reasons: dict[str, Any]) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": list(reasons),
        },
        "TransactWriteItems",
    )


NONE = {"Code": "None"}
FAILED = {"Code": "ConditionalCheckFailed"}
CONFLICT = {"Code": "TransactionConflict"}


def condition_failed(item: dict[str, Any] | None = None, operation: str = "UpdateItem") -> ClientError:
    """A single write's failed condition, with the item it found (wire format) when there is one."""
    response: dict[str, Any] = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "failed"}}
    if item is not None:
        response["Item"] = item
    return ClientError(response, operation)


def conflicting(operation: str = "UpdateItem") -> ClientError:
    """A single write that collided with a transaction on its item (the SDK does not retry it)."""
    error = {"Code": "TransactionConflictException", "Message": "Transaction is ongoing for the item"}
    return ClientError({"Error": error}, operation)


class FakeClient:
    """Answers each TransactWriteItems call with the next scripted error (or success), and each GetItem
    with the next scripted item (the last one again once they run out; none without a script).

    It stands for a Table resource's client, so requests carry plain Python values; cancellation
    reasons (as from DynamoDB) keep the wire format."""

    def __init__(self, *answers: Any, reads: list[dict[str, Any]] | None = None) -> None:
        self.answers = list(answers)
        self.reads = list(reads or [])
        self.calls: list[list[dict[str, Any]]] = []
        self.gets: list[dict[str, Any]] = []
        self.writes: list[tuple[str, dict[str, Any]]] = []
        self.attributes: dict[str, Any] = {}  # what a successful UpdateItem returns (ALL_NEW)

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.gets.append(request)
        item = self._next_read()
        return {} if item is None else {"Item": item}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        """One scripted item per call (the stores here read one ORDER item at a time), recorded as a get is."""
        [(table, request)] = RequestItems.items()
        self.gets.append({"TableName": table, **request})
        item = self._next_read()
        return {"Responses": {table: [] if item is None else [item]}}

    def _next_read(self) -> dict[str, Any] | None:
        if not self.reads:
            return None
        return self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]

    def update_item(self, **request: Any) -> dict[str, Any]:
        return self._single("UpdateItem", request)

    def put_item(self, **request: Any) -> dict[str, Any]:
        return self._single("PutItem", request)

    def _single(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """A single-item write: answered, like a transaction, with the next scripted error (or success)."""
        self.writes.append((operation, request))
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        return {"Attributes": dict(self.attributes) if operation == "UpdateItem" else {}}

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        """Answered with the next scripted error, or None (all written), or a dict: its UnprocessedItems."""
        self.writes.append(("BatchWriteItem", RequestItems))
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, ClientError):
            raise answer
        return {"UnprocessedItems": answer or {}}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(TransactItems)
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        return {}


def wire(value: Any) -> dict[str, Any]:
    """A value as the Table resource's client sends it to DynamoDB."""
    return TypeSerializer().serialize(value)


def table(client: FakeClient) -> Any:
    """A stand-in for the boto3 Table resource: the store only uses its name and `meta.client`."""
    return SimpleNamespace(name="t", meta=SimpleNamespace(client=client))
