"""Invocation faults, decided by `LambdaRuntime` for every invocation of a function (its target: the function).

- `invoke-before`: Lambda fails the invocation before the handler runs (nothing of the function happens):
  the result is an errored `ServiceFault`, Lambda's `ServiceException`. Every caller treats it as a failed
  invocation: an asynchronous one is retried, then goes to its on-failure destination; a stream batch is
  retried (not bisected: the function did not fail); the Invoke API (and so a Step Functions task) answers
  it as Lambda's 500 `ServiceException` (patch 1), which the caller's SDK retries.
- `invoke-after`: the handler ran to a success (its writes stay), then the invocation is reported as timed
  out (`Sandbox.Timedout`, its environment dropped, as a real timeout would): the caller retries work that
  was done, which the function must take as a duplicate.
"""

from __future__ import annotations

from typing import Any

from localcloud import faults
from localcloud.lambda_runtime.timeouts import timed_out_envelope


class ServiceFault(dict[str, Any]):
    """Lambda's error envelope of a service error (not the function's): see the module's docstring."""


def before(function: str, request_id: str) -> ServiceFault | None:
    fault = faults.decide("invoke-before", function)
    if fault is None:
        return None
    faults.record(fault, f"{function} {request_id}: ServiceException before the handler ran")
    return ServiceFault(
        errorType="ServiceException",
        errorMessage=f"RequestId: {request_id} Error: Lambda was unable to run the function (an injected fault)",
    )


def after(function: str, request_id: str, timeout_seconds: float) -> dict[str, Any] | None:
    fault = faults.decide("invoke-after", function)
    if fault is None:
        return None
    faults.record(fault, f"{function} {request_id}: Sandbox.Timedout after the handler succeeded")
    return timed_out_envelope(request_id, timeout_seconds)


def is_service_fault(payload: Any) -> bool:
    return isinstance(payload, ServiceFault)
