"""`events-target`: EventBridge fails to deliver an event to a rule's target, then retries as the target says.

The target is the rule's name. A faulted attempt is a call the target's service throttled or failed with a
5xx (Lambda's asynchronous Invoke, StartExecution, Publish, SendMessage): the only failures EventBridge
retries. It retries with the target's `RetryPolicy` (`MaximumRetryAttempts`, default 185;
`MaximumEventAgeInSeconds`, default 86,400; each retry a new decision), `RETRY_DELAY` apart instead of
EventBridge's backoff of seconds to minutes; once either limit is reached the event goes to the target's
`DeadLetterConfig` queue, with `ERROR_CODE`, `ERROR_MESSAGE`, `EXHAUSTED_RETRY_CONDITION` and `RETRY_ATTEMPTS`
(or is dropped without one). A retry runs on a timer thread, in the context of the first delivery (the IAM
source, the caller), under `MOTO_LOCK` as the first one ran inside moto's PutEvents; the runtime's activity
counts it, so `wait_idle` waits for it.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from localcloud import faults
from localcloud.moto_lock import MOTO_LOCK

DEFAULT_RETRIES: Final = 185
DEFAULT_MAX_AGE: Final = 86_400
RETRY_DELAY: Final = 0.02
ERRORS: Final = (
    ("THROTTLING", "Rate exceeded: the target's service throttled the request"),
    ("INTERNAL_ERROR", "The target's service answered a 5xx error"),
)

# (error code, error message, more message attributes): the patch's dead-letter send.
DeadLetter = Callable[[str, str, dict[str, str]], None]


def deliver(
    rule: Any, target: dict[str, Any], runtime: Any, attempt: Callable[[], None], dead_letter: DeadLetter
) -> None:
    """Delivers through `attempt` (the patch's own delivery), unless this attempt is faulted."""
    _try(rule, target, runtime, attempt, dead_letter, retries=0, started=time.monotonic())


def _try(
    rule: Any,
    target: dict[str, Any],
    runtime: Any,
    attempt: Callable[[], None],
    dead_letter: DeadLetter,
    *,
    retries: int,
    started: float,
) -> None:
    fault = faults.decide("events-target", str(rule.name))
    if fault is None:
        attempt()
        return
    code, message = fault.choice("code", ERRORS)
    policy = target.get("RetryPolicy") or {}
    max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_RETRIES))
    max_age = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE))
    faults.record(fault, f"EventBridge rule {rule.name}: delivery {retries + 1} to {target['Arn']} failed ({code})")
    exhausted = (
        "MaximumRetryAttempts"
        if retries >= max_retries
        else "MaximumEventAgeInSeconds"
        if time.monotonic() - started >= max_age
        else None
    )
    if exhausted is not None:
        dead_letter(code, message, {"EXHAUSTED_RETRY_CONDITION": exhausted, "RETRY_ATTEMPTS": str(retries)})
        return
    context = contextvars.copy_context()
    faults.retried("rule target")

    def retry() -> None:
        try:
            if not runtime.closed:
                with MOTO_LOCK:
                    context.run(_try, rule, target, runtime, attempt, dead_letter, retries=retries + 1, started=started)
        finally:
            runtime.activity.end()

    runtime.activity.begin()
    timer = threading.Timer(RETRY_DELAY, retry)
    timer.daemon = True
    timer.start()
