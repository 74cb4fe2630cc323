"""DynamoDB's transient errors on a function's data-plane request, answered as DynamoDB answers them.

The target is the request's table (the first one a batch or transaction names). The kinds are decided in
this order, the first that fires answering (nothing is written):
- `dynamodb-throttle`: 400 `ProvisionedThroughputExceededException` or, as an on-demand table answers,
  `ThrottlingException` (chosen by the fault's hash): both are throttling codes to botocore, retried by the
  standard mode with backoff (and the client's retry quota) until its `max_attempts`;
- `dynamodb-500`: 500 `InternalServerError`, retried by the SDK as any 5xx;
- `dynamodb-conflict`, writes only: a `TransactWriteItems` is cancelled (400 `TransactionCanceledException`,
  one item's reason `TransactionConflict`, the others `None`), what AWS answers a transaction that collides
  with another; a single `PutItem`, `UpdateItem` or `DeleteItem` gets 400 `TransactionConflictException`, an
  item under a transaction. The SDK retries neither: the function's code must.
"""

from __future__ import annotations

from typing import Any, Final

from botocore.awsrequest import AWSResponse

from localcloud import faults
from localcloud.faults.injector import Fault
from localcloud.faults.wire import SdkCall, json_response

CONTENT_TYPE: Final = "application/x-amz-json-1.0"
PREFIX: Final = "com.amazonaws.dynamodb.v20120810#"
SINGLE_WRITES: Final = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
READS: Final = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITES: Final = SINGLE_WRITES | {"BatchWriteItem", "TransactWriteItems"}
KINDS: Final = ("dynamodb-throttle", "dynamodb-500", "dynamodb-conflict")
THROTTLES: Final = {
    "ProvisionedThroughputExceededException": (
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API."
    ),
    "ThrottlingException": (
        "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your "
        "table or index so please try again shortly. If exceptions persist, check if you have a hot key: "
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
    ),
}
CONFLICT: Final = "Transaction is ongoing for the item"


def table_of(operation: str, body: dict[str, Any]) -> str | None:
    """The (first) table the request names, by name (an ARN's `table/<name>`)."""
    name: Any = body.get("TableName")
    if operation in ("BatchGetItem", "BatchWriteItem"):
        name = next(iter(body.get("RequestItems") or {}), None)
    elif operation in ("TransactWriteItems", "TransactGetItems"):
        items = body.get("TransactItems") or [{}]
        name = next((action.get("TableName") for action in items[0].values() if isinstance(action, dict)), None)
    if not isinstance(name, str) or not name:
        return None
    return name.rpartition(":table/")[2] if ":table/" in name else name


def respond(call: SdkCall) -> AWSResponse | None:
    if call.operation not in READS | WRITES:
        return None
    injector = faults.active()
    if injector is None or not any(injector.spec.may_inject(kind) for kind in KINDS):
        return None
    body = call.json()
    table = table_of(call.operation, body)
    if table is None:
        return None
    if fault := faults.decide("dynamodb-throttle", table):
        code = fault.choice("code", tuple(THROTTLES))
        return _error(call, fault, 400, code, THROTTLES[code])
    if fault := faults.decide("dynamodb-500", table):
        return _error(call, fault, 500, "InternalServerError", "Internal server error")
    if call.operation in SINGLE_WRITES and (fault := faults.decide("dynamodb-conflict", table)):
        return _error(call, fault, 400, "TransactionConflictException", CONFLICT)
    if call.operation == "TransactWriteItems" and (fault := faults.decide("dynamodb-conflict", table)):
        count = len(body.get("TransactItems") or [])
        conflicting = fault.choice("item", range(count)) if count else 0
        reasons = [
            {"Code": "TransactionConflict", "Message": CONFLICT} if index == conflicting else {"Code": "None"}
            for index in range(count)
        ]
        codes = ", ".join(reason["Code"] for reason in reasons)
        message = f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]"
        faults.record(fault, f"{call.describe()}: 400 TransactionCanceledException, item {conflicting} conflicting")
        return json_response(
            call,
            400,
            {"__type": f"{PREFIX}TransactionCanceledException", "Message": message, "CancellationReasons": reasons},
            CONTENT_TYPE,
        )
    return None


def _error(call: SdkCall, fault: Fault, status: int, code: str, message: str) -> AWSResponse:
    faults.record(fault, f"{call.describe()}: {status} {code}")
    return json_response(call, status, {"__type": f"{PREFIX}{code}", "message": message}, CONTENT_TYPE)
