"""`events-partial`: a PutEvents whose entries partly fail, as EventBridge answers it.

Each entry is one decision, its target the entry's bus (`EventBusName`, default `default`; an ARN's name). The
entries not failed go to moto in one request, so they are really put (and delivered); the answer is a 200
with `FailedEntryCount` and, at each failed entry's place, `ErrorCode` `InternalFailure` or
`ThrottlingException` (retryable, by EventBridge's documentation) with its message and no `EventId`. Nothing
is retried by the SDK: a correct client re-sends the failed entries. A request EventBridge refuses as a whole
(more than 10 entries, over 256 KB) is left to moto; if moto refuses the entries let through, its answer
stands (no fault is counted). When every entry fails, moto is not asked (the bus is not checked).
"""

from __future__ import annotations

import json
from typing import Any, Final

from botocore.awsrequest import AWSResponse

from localcloud import faults
from localcloud.aws_sizes import event_entry_size
from localcloud.faults.injector import Fault
from localcloud.faults.wire import SdkCall, json_response, response

CONTENT_TYPE: Final = "application/x-amz-json-1.1"
MAX_ENTRIES: Final = 10
MAX_BYTES: Final = 256 * 1024
ERRORS: Final = (
    ("InternalFailure", "Internal service error, please retry."),
    ("ThrottlingException", "Rate exceeded."),
)


def bus_of(entry: dict[str, Any]) -> str:
    name = str(entry.get("EventBusName") or "default")
    return name.rpartition(":event-bus/")[2] if ":event-bus/" in name else name


def respond(call: SdkCall) -> AWSResponse | None:
    if call.operation != "PutEvents":
        return None
    body = call.json()
    entries = body.get("Entries")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        return None
    if not all(isinstance(entry, dict) for entry in entries) or sum(map(event_entry_size, entries)) > MAX_BYTES:
        return None
    failed: dict[int, Fault] = {}
    for index, entry in enumerate(entries):
        if fault := faults.decide("events-partial", bus_of(entry)):
            failed[index] = fault
    if not failed:
        return None
    kept = [entry for index, entry in enumerate(entries) if index not in failed]
    put: list[dict[str, Any]] = []
    if kept:
        answer = call.resend(json.dumps({**body, "Entries": kept}).encode())
        if answer is None:
            return None
        status, headers, content = answer
        if status != 200:
            return response(call, status, headers, content)
        put = list(json.loads(content).get("Entries") or [])
    results: list[dict[str, Any]] = []
    for index in range(len(entries)):
        if index in failed:
            code, message = failed[index].choice("code", ERRORS)
            faults.record(failed[index], f"{call.describe()}: entry {index} of {len(entries)} failed with {code}")
            results.append({"ErrorCode": code, "ErrorMessage": message})
        else:
            results.append(put.pop(0) if put else {})
    document = {"FailedEntryCount": sum(1 for result in results if result.get("ErrorCode")), "Entries": results}
    return json_response(call, 200, document, CONTENT_TYPE)
