"""`LambdaRuntime`: the functions of the templates, registered and invoked in-process.

Serialization: by default (`serialize=True`) handler bodies run one at a time, on whichever thread invokes
them. The GIL allows no parallel Python anyway, and Powertools keeps process-wide state (the metric set
shared by every `Metrics` instance) that concurrent handlers would corrupt. Invocations still interleave as
on AWS (asynchronous queues, pollers, retries). A handler must therefore not wait synchronously for another
function running on another thread (a nested synchronous Invoke on the same thread is fine, and so is a
`StartSyncExecution`, whose Task states run on the handler's thread: `localcloud.moto_patches.caller_thread`).
`serialize=False` lets handlers run concurrently.

Output: with `output` set (a `function_output.Sink`), what a function writes to stdout during its
invocation goes to it line by line, with the function's name and the request id (its log stream on AWS).

moto's API calls are atomic (`MOTO_LOCK`, taken by `localcloud.moto_patches` around every request); a
handler invoked from inside a moto request (Invoke API, SQS event source, ...) runs with that lock released,
as the invoked function is independent of the call that triggered it.

Limits: a synchronous invocation's response over Lambda's 6,291,556 bytes is its `Function.ResponseSizeTooLarge`
error; an invocation past its `Timeout` is `Sandbox.Timedout` (`localcloud.lambda_runtime.timeouts`).

Faults (`localcloud.faults.invocations`, while injected): an invocation may fail before its handler runs
(`invoke-before`) or be reported timed out after its handler succeeded (`invoke-after`).

IAM: every invocation (its cold start too) runs as its function (`localcloud.iam.caller`), so the AWS
requests it makes are checked against the function's role while `localcloud.iam` enforces.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from localcloud.aws_sizes import MAX_SYNCHRONOUS_RESPONSE
from localcloud.destinations import check_destination
from localcloud.faults import invocations as invocation_faults
from localcloud.iam.caller import calling, function_caller
from localcloud.iam.deliveries import check_delivery
from localcloud.lambda_runtime.activity import Activity
from localcloud.lambda_runtime.async_invocations import AsyncInvocations
from localcloud.lambda_runtime.environments import Function, InitError, json_copy
from localcloud.lambda_runtime.function_output import Sink, captured
from localcloud.lambda_runtime.function_spec import AsyncConfig, FunctionNotFound, FunctionSpec, function_name_of
from localcloud.lambda_runtime.timeouts import install as install_timeouts
from localcloud.moto_lock import MOTO_LOCK

logger = logging.getLogger("localcloud.runtime")


class LambdaRuntime:
    def __init__(
        self,
        *,
        workers: int = 4,
        serialize: bool = True,
        async_retry_delays: tuple[float, ...] = (0.05, 0.1),
        output: Sink | None = None,
    ) -> None:
        install_timeouts()
        self.activity = Activity()
        # Where the functions' stdout goes, line by line (`function_output`); None: the process's stdout.
        self.output = output
        self._functions: dict[str, Function] = {}
        self._lock = threading.Lock()
        self._serial: AbstractContextManager[Any] | None = threading.RLock() if serialize else None
        self._async = AsyncInvocations(
            # `_invoke` is looked up per call, so a wrapper set on the runtime later sees these too
            invoke=lambda function, event, request_id: self._invoke(function, event, request_id),
            activity=self.activity,
            closed=lambda: self.closed,
            workers=workers,
            retry_delays=async_retry_delays,
        )
        self._closers: list[Callable[[], None]] = []
        self.closed = False

    # -- registration

    def register(self, spec: FunctionSpec) -> None:
        if not (spec.code_dir / "").is_dir():
            raise ValueError(f"{spec.name}: code folder {spec.code_dir} does not exist")
        for layer in spec.layer_dirs:
            python = str(Path(layer) / "python")
            if python not in sys.path:
                sys.path.append(python)
        with self._lock:
            previous = self._functions.get(spec.name)
            self._functions[spec.name] = Function(spec)
        if previous is not None:
            previous.unload()

    def configure_async(self, name_or_arn: str, *, max_retries: int, on_failure_arn: str | None) -> None:
        if not 0 <= max_retries <= 2:
            raise ValueError(f"MaximumRetryAttempts must be 0, 1 or 2, not {max_retries}")
        check_destination(on_failure_arn)
        self.function(name_or_arn).async_config = AsyncConfig(max_retries, on_failure_arn)

    def function(self, name_or_arn: str) -> Function:
        name = function_name_of(name_or_arn)
        with self._lock:
            function = self._functions.get(name)
        if function is None:
            raise FunctionNotFound(
                f"function {name_or_arn!r} is not registered with the local Lambda runtime "
                f"(registered: {', '.join(sorted(self._functions)) or 'none'})"
            )
        return function

    def function_arn(self, name_or_arn: str) -> str:
        return self.function(name_or_arn).spec.arn

    def add_closer(self, closer: Callable[[], None]) -> None:
        """Called by `close()` (the delivery's pollers)."""
        self._closers.append(closer)

    # -- invocation

    def invoke(self, name_or_arn: str, event: Any) -> tuple[Any, bool]:
        """Synchronous invocation: (payload, errored); the payload of an error is Lambda's error envelope."""
        request_id = str(uuid.uuid4())
        payload, errored = self._invoke(self.function(name_or_arn), event, request_id)
        if not errored and len(json.dumps(payload).encode()) > MAX_SYNCHRONOUS_RESPONSE:
            message = f"Response payload size exceeded maximum allowed payload size ({MAX_SYNCHRONOUS_RESPONSE} bytes)."
            logger.warning("%s %s: [ERROR] Function.ResponseSizeTooLarge: %s", name_or_arn, request_id, message)
            return {"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}, True
        return payload, errored

    def _invoke(self, function: Function, event: Any, request_id: str) -> tuple[Any, bool]:
        if self.closed:
            raise RuntimeError("the local Lambda runtime is closed")
        try:
            event = json_copy(event)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{function.spec.name}: the event is not JSON: {error}") from None
        service_fault = invocation_faults.before(function.spec.name, request_id)
        if service_fault is not None:
            return service_fault, True
        with (
            self.activity.busy(),
            MOTO_LOCK.suspended(),
            self._serial or nullcontext(),
            captured(self.output, function.spec.name, request_id),
            calling(function_caller(function.spec.name, function.spec.arn)),
        ):
            try:
                environment = function.checkout()
            except InitError as error:
                logger.warning("%s %s: [ERROR] %s: %s", function.spec.name, request_id, error.error_type, error)
                cause = error.__cause__
                trace = traceback.format_list(traceback.extract_tb(cause.__traceback__)) if cause else []
                return {
                    "errorMessage": str(error),
                    "errorType": error.error_type,
                    "requestId": request_id,
                    "stackTrace": trace,
                }, True
            try:
                payload, errored = environment.run(event, request_id)
                if not errored:
                    timed_out = invocation_faults.after(function.spec.name, request_id, function.spec.timeout_seconds)
                    if timed_out is not None:
                        environment.timed_out = True  # dropped, as a real timeout drops it
                        return timed_out, True
                return payload, errored
            finally:
                function.checkin(environment)

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        """Queues an asynchronous invocation (raises `FunctionNotFound` at once, as the Invoke API does, and
        `DeliveryRefused` when the delivering service may not invoke the function: `localcloud.iam`)."""
        function = self.function(name_or_arn)
        check_delivery(function.spec.arn)
        self._async.submit(function, event)

    # -- lifecycle

    def wait_idle(self, timeout: float = 30.0) -> None:
        self.activity.wait_idle(timeout)

    def cold_start(self) -> int:
        """Drops every function's idle environments, so each function's next invocation is a cold start (its
        module state, caches and clients built anew, as after a deployment). Returns how many were dropped."""
        with self._lock:
            functions = list(self._functions.values())
        return sum(function.drop_idle() for function in functions)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for closer in self._closers:
            try:
                closer()
            except Exception:
                logger.exception("localcloud: closing failed")
        self._async.close()
        with self._lock:
            functions = list(self._functions.values())
        for function in functions:
            function.unload()
