"""DynamoDB and DynamoDB Streams (IAM prefix `dynamodb`).

Item calls are authorized on the table (a table name or ARN), `Query`/`Scan` with `IndexName` on
`table/<t>/index/<i>`; `BatchGetItem`/`BatchWriteItem` need their own action on every table they name;
`TransactWriteItems` needs each item's action (`PutItem`, `UpdateItem`, `DeleteItem`,
`ConditionCheckItem`) on its table and `TransactGetItems` `GetItem`; stream reads are on the stream ARN;
`ListTables`/`ListStreams` have no resource.
"""

from __future__ import annotations

from typing import Any, Final

from localcloud.iam.requests.call import Authorization, Call

TRANSACT_WRITE_ACTIONS: Final = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
STREAM_OPERATIONS: Final = frozenset({"DescribeStream", "GetRecords", "GetShardIterator"})
NO_RESOURCE: Final = frozenset({"ListTables", "ListStreams", "DescribeLimits", "DescribeEndpoints"})


def _table(call: Call, name: Any, index: Any = None) -> str:
    """A table's ARN from its name or ARN; an index's under it."""
    arn = str(name) if str(name).startswith("arn:") else call.arn(f"table/{name}")
    return f"{arn}/index/{index}" if index else arn


def authorizations(call: Call) -> list[Authorization]:
    params, operation = call.params, call.operation
    action = call.action()
    if operation in NO_RESOURCE:
        return [call.authorization(action, "*")]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [call.authorization(action, _table(call, name)) for name in params.get("RequestItems") or {}]
    if operation == "TransactWriteItems":
        found = []
        for item in params.get("TransactItems") or []:
            for kind, request in item.items():
                found.append(
                    call.authorization(call.action(TRANSACT_WRITE_ACTIONS[kind]), _table(call, request["TableName"]))
                )
        return found
    if operation == "TransactGetItems":
        return [
            call.authorization(call.action("GetItem"), _table(call, item["Get"]["TableName"]))
            for item in params.get("TransactItems") or []
        ]
    if operation in STREAM_OPERATIONS:
        stream = params.get("StreamArn") or _stream_of_iterator(params.get("ShardIterator"))
        return [call.authorization(action, str(stream or "*"))]
    table = params.get("TableName")
    if table is None:
        return []
    if params.get("IndexName") and operation in ("Query", "Scan"):
        return [call.authorization(action, _table(call, table, params["IndexName"]))]
    return [call.authorization(action, _table(call, table))]


def _stream_of_iterator(iterator: Any) -> str | None:
    """moto's shard iterators start with the stream ARN (AWS's are opaque; the stream is implied)."""
    if not isinstance(iterator, str) or not iterator.startswith("arn:"):
        return None
    head, separator, _ = iterator.partition("/stream/")
    if not separator:
        return None
    label = _.split("|")[0].split("/")[0]
    return f"{head}/stream/{label}"
