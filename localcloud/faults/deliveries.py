"""Delivery faults: how asynchronous invocations and stream batches reach a function (the target).

AWS delivers both at least once and asynchronous events in no guaranteed order; these make it visible:
- `async-delay` / `stream-delay`: delivered late by 10 to 50 ms (the fault's hash), so work queued after it
  may run first;
- `async-reorder`: the invocation is held until the next asynchronous invocation of the same function has
  been queued, and runs just after it (or after `REORDER_WAIT` if none comes);
- `async-duplicate`: queued twice (the same event and request id, as Lambda's internal queue may hand it
  out again), each copy with its own retries;
- `stream-duplicate`: the batch is delivered twice in a row, the first answer ignored (as when Lambda
  retries a batch whose success it did not see).
A stream keeps its records in order per shard, so a reordered stream batch is not a fault AWS has.
Asynchronous invocations are how EventBridge, SNS, S3 and `InvocationType=Event` reach functions, so their
deliveries get these faults there (`localcloud.lambda_runtime.async_invocations`; streams:
`localcloud.delivery.streams`).
"""

from __future__ import annotations

from typing import Final

from localcloud import faults

DELAY_SECONDS: Final = (0.01, 0.05)
REORDER_WAIT: Final = 0.1  # the longest an `async-reorder` invocation waits for a later one
REORDER_GAP: Final = 0.01  # how long after the later one it runs


def delay(kind: str, function: str, what: str) -> float:
    """Seconds to wait before delivering (0: no fault)."""
    fault = faults.decide(kind, function)
    if fault is None:
        return 0.0
    low, high = DELAY_SECONDS
    seconds = round(low + (high - low) * fault.draw("delay"), 3)
    faults.record(fault, f"{what} delivered {seconds * 1000:.0f} ms late")
    return seconds


def happens(kind: str, function: str, what: str) -> bool:
    fault = faults.decide(kind, function)
    if fault is None:
        return False
    effect = {
        "async-reorder": "held back behind the next one",
        "async-duplicate": "delivered twice",
        "stream-duplicate": "delivered twice",
    }.get(kind, kind)
    faults.record(fault, f"{what} {effect}")
    return True
