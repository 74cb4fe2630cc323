"""Asynchronous invocation (`invoke_async`: EventBridge, SNS, S3 notifications, `InvocationType=Event`).

The event is queued and a worker thread invokes the function. On error it is retried `max_retries` times
(default 2, `LambdaRuntime.configure_async`; the delays are `retry_delays`, seconds, instead of Lambda's 1
and 2 minutes) with the same request id, then the invocation record is sent to the on-failure destination
(an SQS queue ARN) in Lambda's destination shape:
`{"version", "timestamp", "requestContext": {"requestId", "functionArn", "condition": "RetriesExhausted",
"approximateInvokeCount"}, "requestPayload", "responseContext": {"statusCode", "executedVersion",
"functionError"}, "responsePayload"}`, if the function's role may `sqs:SendMessage` to it (`localcloud.iam`,
while enforced; else logged and lost, as on AWS). Without a destination the event is dropped (logged).

With `localcloud.faults` active, an invocation may be queued late, held back behind the next one of its
function, or queued twice (`localcloud.faults.deliveries`).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localcloud import faults
from localcloud.aws_formats import iso_now
from localcloud.destinations import send_to_sqs
from localcloud.faults import deliveries as delivery_faults
from localcloud.iam.deliveries import destination_allowed
from localcloud.lambda_runtime.activity import Activity
from localcloud.lambda_runtime.environments import Function, json_copy
from localcloud.lambda_runtime.function_spec import AsyncConfig

logger = logging.getLogger("localcloud.runtime")

# (function, event, request id) → (payload, errored): one synchronous run of the function.
Invoke = Callable[[Function, Any, str], tuple[Any, bool]]


class Scheduler:
    """Worker threads running jobs as soon as they are due (a job may be scheduled after a delay)."""

    def __init__(self, workers: int, name: str) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{index}", daemon=True) for index in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[[], None], delay: float = 0.0) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("the local Lambda runtime is closed")
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._sequence), job))
            self._cond.notify()

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        _, _, job = heapq.heappop(self._heap)
                        break
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
            try:
                job()
            except Exception:  # a job handles its own errors; this is a bug
                logger.exception("localcloud: a scheduled job failed")

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)


@dataclass
class AsyncInvocation:
    function: Function
    event: Any
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0


class AsyncInvocations:
    """The queue of asynchronous invocations, their retries and their on-failure destinations.

    Each invocation counts as activity from `submit` until it succeeds, is dropped or reaches its
    destination, so `wait_idle` waits for retries too.
    """

    def __init__(
        self,
        *,
        invoke: Invoke,
        activity: Activity,
        closed: Callable[[], bool],
        workers: int,
        retry_delays: tuple[float, ...],
    ) -> None:
        self._invoke = invoke
        self._activity = activity
        self._closed = closed
        self._retry_delays = retry_delays
        self._scheduler = Scheduler(workers, "localcloud-lambda")
        self._held_lock = threading.Lock()
        self._held: dict[str, list[AsyncInvocation]] = {}  # `async-reorder`: waiting for the next invocation

    def submit(self, function: Function, event: Any) -> None:
        try:
            event = json_copy(event)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{function.spec.name}: the event is not JSON: {error}") from None
        invocation = AsyncInvocation(function, event)
        if faults.active() is not None:
            self._submit_with_faults(invocation)
            return
        self._queue(invocation)

    def _queue(self, invocation: AsyncInvocation, delay: float = 0.0) -> None:
        self._activity.begin()
        try:
            self._scheduler.submit(functools.partial(self._run, invocation), delay)
        except BaseException:
            self._activity.end()
            raise

    def _submit_with_faults(self, invocation: AsyncInvocation) -> None:
        """`async-delay`, `async-reorder`, `async-duplicate` (`localcloud.faults.deliveries`)."""
        name = invocation.function.spec.name
        what = f"asynchronous invocation {invocation.request_id} of {name}"
        delay = delivery_faults.delay("async-delay", name, what)
        copies = [invocation]
        if delivery_faults.happens("async-duplicate", name, what):
            copies.append(AsyncInvocation(invocation.function, invocation.event, invocation.request_id))
        if delivery_faults.happens("async-reorder", name, what):
            with self._held_lock:
                self._held.setdefault(name, []).extend(copies)
            for _ in copies:
                self._activity.begin()  # held: pending work from now on
            self._scheduler.submit(lambda: self._release(name, copies), delivery_faults.REORDER_WAIT)
            return
        with self._held_lock:
            held = list(self._held.get(name, []))
        for copy in copies:
            self._queue(copy, delay)
        if held:
            self._release(name, held, delay + delivery_faults.REORDER_GAP)

    def _release(self, name: str, invocations: list[AsyncInvocation], delay: float = 0.0) -> None:
        """Queues those of `invocations` still held (their activity began when they were held)."""
        with self._held_lock:
            pending = self._held.get(name, [])
            released = [held for held in pending if any(held is invocation for invocation in invocations)]
            remaining = [held for held in pending if not any(held is invocation for invocation in released)]
            if remaining:
                self._held[name] = remaining
            else:
                self._held.pop(name, None)
        for invocation in released:
            self._scheduler.submit(functools.partial(self._run, invocation), delay)

    def close(self) -> None:
        self._scheduler.close()

    def _run(self, invocation: AsyncInvocation) -> None:
        finished = True
        try:
            if self._closed():
                return
            payload, errored = self._invoke(invocation.function, invocation.event, invocation.request_id)
            invocation.attempts += 1
            if not errored:
                return
            config = invocation.function.async_config
            if invocation.attempts <= config.max_retries:
                delays = self._retry_delays or (0.0,)
                delay = delays[min(invocation.attempts - 1, len(delays) - 1)]
                faults.retried("asynchronous invocation")
                self._scheduler.submit(lambda: self._run(invocation), delay)
                finished = False
                return
            self._send_failure(invocation, payload, config)
        except Exception:
            logger.exception("localcloud: asynchronous invocation of %s failed", invocation.function.spec.name)
        finally:
            if finished:
                self._activity.end()

    def _send_failure(self, invocation: AsyncInvocation, payload: Any, config: AsyncConfig) -> None:
        spec = invocation.function.spec
        if config.on_failure_arn is None:
            logger.warning(
                "%s %s: dropped after %d attempts (no on-failure destination)",
                spec.name,
                invocation.request_id,
                invocation.attempts,
            )
            return
        record = {
            "version": "1.0",
            "timestamp": iso_now(),
            "requestContext": {
                "requestId": invocation.request_id,
                "functionArn": f"{spec.arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": invocation.attempts,
            },
            "requestPayload": invocation.event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": payload,
        }
        what = f"{spec.name} {invocation.request_id}: the invocation record"
        if destination_allowed(spec.arn, config.on_failure_arn, what):
            send_to_sqs(config.on_failure_arn, json.dumps(record))
