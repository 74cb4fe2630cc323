"""A function's `Timeout`, kept as far as a thread that cannot be killed allows.

On AWS the runtime is stopped at the deadline: nothing the handler would do after it happens, the
invocation fails with `Sandbox.Timedout`, and the next invocation starts a new environment. Here:
- past its deadline, the function's next AWS request does not reach the service: it raises
  `FunctionTimedOut` (a `BaseException`, so the handler's `except Exception` cannot swallow it), wherever
  the handler is (`install()` wraps botocore's `BaseClient._make_api_call` once, the one method every
  client call goes through);
- a handler that returns or raises after its deadline has timed out all the same: its answer is dropped;
- the environment is not reused (`Environment.timed_out`).
What a handler does past its deadline without an AWS request (computing, sleeping) still runs to its end.
"""

from __future__ import annotations

import contextvars
import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

_MARK: Final = "_localcloud_function_deadline"
_lock = threading.Lock()


@dataclass(frozen=True)
class Deadline:
    function: str
    at: float  # time.monotonic()
    timeout_seconds: float

    def passed(self) -> bool:
        return time.monotonic() > self.at


DEADLINE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("localcloud_deadline", default=None)


class FunctionTimedOut(BaseException):
    """Raised at the first AWS request past the invocation's deadline."""


@contextmanager
def running_until(deadline: Deadline) -> Iterator[None]:
    token = DEADLINE.set(deadline)
    try:
        yield
    finally:
        DEADLINE.reset(token)


def timed_out_envelope(request_id: str, timeout_seconds: float) -> dict[str, Any]:
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout_seconds:.2f} seconds",
    }


def install() -> None:
    from botocore.client import BaseClient

    with _lock:
        current = BaseClient._make_api_call
        if getattr(current, _MARK, False):
            return

        @functools.wraps(current)
        def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            deadline = DEADLINE.get()
            if deadline is not None and deadline.passed():
                raise FunctionTimedOut(
                    f"{deadline.function}: {operation_name} after its {deadline.timeout_seconds:g} s timeout"
                )
            return current(self, operation_name, api_params)

        setattr(make_api_call, _MARK, True)
        BaseClient._make_api_call = make_api_call
