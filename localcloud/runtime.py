"""In-process AWS Lambda for the local cloud: the functions of the templates run from the repo's source.

Interface (used by the deployer, the gateway and `localcloud.moto_patches`):

    FunctionSpec(name, arn, code_dir, handler, environment, layer_dirs, timeout_seconds, memory_mb)
    runtime = LambdaRuntime()
    runtime.register(spec)
    runtime.invoke(name_or_arn, event) -> (payload, errored)          # synchronous (RequestResponse)
    runtime.invoke_async(name_or_arn, event) -> None                   # queued (Event)
    runtime.configure_async(name_or_arn, max_retries=2, on_failure_arn=None)
    runtime.wait_idle(timeout=30.0)                                    # raises TimeoutError
    runtime.close()

`name_or_arn` is a function name, a function ARN (a qualifier such as `:$LATEST` is accepted) or a partial
ARN (`123456789012:function:name`). A function that was not registered raises `FunctionNotFound`.

How a function runs, as on Lambda:
- Execution environments. Each environment loads the handler module from `code_dir` under a unique module
  name (package `_localcloud_functions.<function>__<n>` whose `__path__` is `code_dir`), so every function
  has its own module state although every folder has a `handler.py`; relative imports within the folder
  work. A cold start happens in the first invocation of an environment; an environment serves one
  invocation at a time and stays warm; a second environment is created only when an invocation arrives
  while the others are busy (a nested synchronous invoke of the same function). The layers' `python/`
  folders are on `sys.path` (shared: a layer's modules are imported once for all functions, unlike on AWS;
  right for layers that keep no per-function state); the managed Powertools layer is the venv's
  `aws-lambda-powertools`.
- Environment: a copy of the process environment when the environment is created, plus Lambda's reserved
  variables (`AWS_LAMBDA_FUNCTION_NAME`, `AWS_REGION`, `_HANDLER`, `LAMBDA_TASK_ROOT`, ...) and the
  template's `Environment.Variables`, installed as this thread's `os.environ` for the duration of the
  invocation (`localcloud.environ`); other threads are not affected. `POWERTOOLS_TRACE_DISABLED=true` is
  set unless the template sets it: there is no X-Ray daemon locally.
- Context: `function_name`, `function_version`, `invoked_function_arn`, `memory_limit_in_mb`,
  `aws_request_id`, `log_group_name`, `log_stream_name`, `identity`, `client_context`,
  `get_remaining_time_in_millis()`.
- Result: the handler's return value goes through `json.dumps`/`json.loads` (a value JSON cannot encode is
  `Runtime.MarshalError`). An exception gives Lambda's error envelope
  `{"errorMessage", "errorType", "requestId", "stackTrace"}` and `errored=True`; an import failure is
  `Runtime.ImportModuleError`, a missing handler `Runtime.HandlerNotFound` (and the environment is dropped).
  The timeout is not enforced (a thread cannot be stopped): an invocation that outlives it is logged.
- Serialization: by default (`serialize=True`) handler bodies run one at a time, on whichever thread
  invokes them. The GIL allows no parallel Python anyway, and Powertools keeps process-wide state (the
  metric set shared by every `Metrics` instance) that concurrent handlers would corrupt. Invocations still
  interleave as on AWS (asynchronous queues, pollers, retries). A handler must therefore not wait
  synchronously for another function running on another thread (a nested synchronous Invoke on the same
  thread is fine). `serialize=False` lets handlers run concurrently.
- moto's API calls are atomic (`MOTO_LOCK`, taken by `localcloud.moto_patches` around every request);
  a handler invoked from inside a moto request (Invoke API, SQS event source, ...) runs with that lock
  released, as the invoked function is independent of the call that triggered it.

Asynchronous invocation (`invoke_async`: EventBridge, SNS, S3 notifications, `InvocationType=Event`): the
event is queued and a worker thread invokes the function. On error it is retried `max_retries` times
(default 2, `configure_async`; the delays are `async_retry_delays`, seconds, instead of Lambda's 1 and 2
minutes) with the same request id, then the invocation record is sent to the on-failure destination
(an SQS queue ARN) in Lambda's destination shape:
`{"version", "timestamp", "requestContext": {"requestId", "functionArn", "condition": "RetriesExhausted",
"approximateInvokeCount"}, "requestPayload", "responseContext": {"statusCode", "executedVersion",
"functionError"}, "responsePayload"}`. Without a destination the event is dropped (logged).

`wait_idle` returns once no asynchronous invocation is queued, waiting for a retry or running, no
invocation is running, and every source registered with `activity.add_probe` (the stream pollers of
`localcloud.delivery`, and Step Functions executions through `localcloud.moto_patches.step_functions_busy`)
has nothing pending, all observed at one instant (a generation counter proves no transition happened while
the sources were checked). A Step Functions execution counts until it ends, except while it is parked on a
task token (`.waitForTaskToken`, activities): that is idle, as nothing local will move it on.
"""

from __future__ import annotations

import datetime as dt
import heapq
import importlib
import importlib.machinery
import itertools
import json
import logging
import re
import sys
import threading
import time
import traceback
import types
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from localcloud.environ import ENVIRON

logger = logging.getLogger("localcloud.runtime")

PACKAGE_ROOT: Final = "_localcloud_functions"
DEFAULT_ASYNC_RETRIES: Final = 2
LAMBDA_PYTHON_RUNTIME: Final = "python3.13"


class FunctionNotFound(LookupError):
    """The function is not registered with the local runtime."""


@dataclass(frozen=True, kw_only=True)
class FunctionSpec:
    name: str  # physical FunctionName
    arn: str
    code_dir: Path  # the app's source folder the asset was copied from, e.g. <app>/functions/<name>
    handler: str  # the template's Handler, e.g. "handler.lambda_handler"
    environment: dict[str, str]  # the template's resolved Environment.Variables
    layer_dirs: tuple[Path, ...] = ()  # each one's python/ goes on sys.path
    timeout_seconds: int = 3
    memory_mb: int = 128


# ----------------------------------------------------------------------------- locks and idleness


class SuspendableLock:
    """A re-entrant lock that a thread can set aside while it runs something independent of it.

    `localcloud.moto_patches` holds it around every moto request, so each API call is atomic as on AWS;
    a Lambda invoked from inside a request runs in `suspended()`, so its own API calls (on this thread)
    and everybody else's (on other threads) go on.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> SuspendableLock:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def held(self) -> bool:
        return bool(self._lock._is_owned())  # type: ignore[attr-defined]

    @contextmanager
    def suspended(self) -> Iterator[None]:
        if not self.held():
            yield
            return
        state = self._lock._release_save()  # type: ignore[attr-defined]  # releases every level
        try:
            yield
        finally:
            self._lock._acquire_restore(state)  # type: ignore[attr-defined]


MOTO_LOCK: Final = SuspendableLock()


class Activity:
    """Counts work in progress and finds the instants when there is none (see `wait_idle`)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = 0
        self._generation = 0
        self._probes: list[Callable[[], bool]] = []

    def begin(self) -> None:
        with self._cond:
            self._busy += 1
            self._generation += 1

    def end(self) -> None:
        with self._cond:
            self._busy -= 1
            self._generation += 1
            self._cond.notify_all()

    def poke(self) -> None:
        """Something happened that a probe may report (a stream record was written)."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    @contextmanager
    def busy(self) -> Iterator[None]:
        self.begin()
        try:
            yield
        finally:
            self.end()

    def add_probe(self, probe: Callable[[], bool]) -> None:
        """`probe()` is True while its source has work that is not counted by `begin`/`end` yet (added once)."""
        with self._cond:
            if probe not in self._probes:
                self._probes.append(probe)

    def remove_probe(self, probe: Callable[[], bool]) -> None:
        with self._cond:
            if probe in self._probes:
                self._probes.remove(probe)

    def wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                while self._busy:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"still busy after {timeout} s: {self._busy} invocation(s) in progress")
                    self._cond.wait(remaining)
                generation = self._generation
                probes = list(self._probes)
            # probes take their own locks (moto's); never call them holding ours
            pending = [probe for probe in probes if probe()]
            with self._cond:
                if not pending and not self._busy and generation == self._generation:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"still busy after {timeout} s: pending {pending or 'work'}")
                if generation == self._generation:
                    self._cond.wait(min(remaining, 0.05))


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


# ----------------------------------------------------------------------------- helpers


def iso_now(milliseconds: bool = True) -> str:
    now = dt.datetime.now(dt.UTC)
    if milliseconds:
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_arn(arn: str) -> tuple[str, str, str, str]:
    """(service, region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return parts[2], parts[3], parts[4], parts[5]


def function_name_of(name_or_arn: str) -> str:
    """The function name in a name, a name with a qualifier, an ARN or a partial ARN."""
    parts = name_or_arn.split(":")
    if name_or_arn.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":  # 123456789012:function:name[:qualifier]
        return parts[2]
    return parts[0]


def send_to_sqs(queue_arn: str, body: str, attributes: dict[str, str] | None = None) -> None:
    """Sends a message to a queue of moto's SQS backend (the account and region of the ARN)."""
    from moto.sqs.models import sqs_backends

    service, region, account, queue_name = parse_arn(queue_arn)
    if service != "sqs":
        raise ValueError(f"{queue_arn}: only SQS destinations are supported locally")
    message_attributes = {
        name: {"DataType": "String", "StringValue": value} for name, value in (attributes or {}).items()
    }
    sqs_backends[account][region].send_message(
        queue_name=queue_name, message_body=body, message_attributes=message_attributes or None
    )


def check_destination(arn: str | None) -> None:
    if arn is not None and parse_arn(arn)[0] != "sqs":
        raise ValueError(f"{arn}: only SQS on-failure destinations are supported locally")


def error_envelope(error: BaseException, request_id: str, *, skip_frames: int = 0) -> dict[str, Any]:
    frames = traceback.extract_tb(error.__traceback__)[skip_frames:]
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def _json_copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


# ----------------------------------------------------------------------------- functions


@dataclass
class LambdaContext:
    """The `context` argument, as the Python runtime builds it."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float  # time.monotonic()
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class AsyncConfig:
    max_retries: int = DEFAULT_ASYNC_RETRIES
    on_failure_arn: str | None = None


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class Environment:
    """One execution environment: the handler module loaded once, the environment variables, a log stream."""

    def __init__(self, function: Function, index: int) -> None:
        spec = function.spec
        self.function = function
        self.package = f"{PACKAGE_ROOT}.{re.sub(r'[^0-9A-Za-z_]', '_', spec.name)}__{index}"
        self.log_stream_name = f"{dt.datetime.now(dt.UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        region = parse_arn(spec.arn)[1] if spec.arn.startswith("arn:") else "us-east-1"
        environ = dict(ENVIRON.base)
        environ.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group_name,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream_name,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{LAMBDA_PYTHON_RUNTIME}",
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "_HANDLER": spec.handler,
                "LAMBDA_TASK_ROOT": str(spec.code_dir),
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
        )
        environ.update(spec.environment)
        self.environ = environ
        self.handler: Callable[[Any, Any], Any] | None = None

    def load(self) -> None:
        """The cold start: imports the handler module under this environment's package."""
        spec = self.function.spec
        module_path, _, attribute = spec.handler.rpartition(".")
        if not module_path or not attribute:
            raise _InitError("Runtime.MalformedHandlerName", f"Bad handler '{spec.handler}': not enough values")
        module_path = module_path.replace("/", ".")
        _ensure_root_package()
        package = types.ModuleType(self.package)
        package.__path__ = [str(spec.code_dir)]
        package.__spec__ = importlib.machinery.ModuleSpec(self.package, None, is_package=True)
        package.__spec__.submodule_search_locations = [str(spec.code_dir)]
        package.__package__ = self.package
        sys.modules[self.package] = package
        with ENVIRON.overlay(self.environ):
            try:
                module = importlib.import_module(f"{self.package}.{module_path}")
            except Exception as error:
                self.unload()
                raise _InitError(
                    "Runtime.ImportModuleError", f"Unable to import module '{module_path}': {error}"
                ) from error
        handler = getattr(module, attribute, None)
        if not callable(handler):
            self.unload()
            raise _InitError("Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_path}'")
        self.handler = handler

    def unload(self) -> None:
        prefix = f"{self.package}."
        for name in [name for name in sys.modules if name == self.package or name.startswith(prefix)]:
            del sys.modules[name]
        self.handler = None

    def run(self, event: Any, request_id: str) -> tuple[Any, bool]:
        spec = self.function.spec
        assert self.handler is not None
        started = time.monotonic()
        context = LambdaContext(
            function_name=spec.name,
            function_version="$LATEST",
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=spec.memory_mb,
            aws_request_id=request_id,
            log_group_name=self.function.log_group_name,
            log_stream_name=self.log_stream_name,
            deadline=started + spec.timeout_seconds,
        )
        with ENVIRON.overlay(self.environ):
            try:
                result = self.handler(event, context)
            except (Exception, SystemExit) as error:
                envelope = error_envelope(error, request_id, skip_frames=1)
                logger.warning(
                    "%s %s: [ERROR] %s: %s\n%s",
                    spec.name,
                    request_id,
                    envelope["errorType"],
                    envelope["errorMessage"],
                    "".join(envelope["stackTrace"]),
                )
                return envelope, True
            finally:
                elapsed = time.monotonic() - started
                if elapsed > spec.timeout_seconds:
                    logger.warning(
                        "%s %s: ran %.1f s, over its %d s timeout", spec.name, request_id, elapsed, spec.timeout_seconds
                    )
        try:
            return _json_copy(result), False
        except (TypeError, ValueError) as error:
            return {
                "errorMessage": f"Unable to marshal response: {error}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }, True


def _ensure_root_package() -> None:
    if PACKAGE_ROOT not in sys.modules:
        root = types.ModuleType(PACKAGE_ROOT)
        root.__path__ = []
        root.__spec__ = importlib.machinery.ModuleSpec(PACKAGE_ROOT, None, is_package=True)
        sys.modules[PACKAGE_ROOT] = root


class Function:
    """A registered function: its spec, its asynchronous configuration and its warm environments."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.async_config = AsyncConfig()
        self._lock = threading.Lock()
        self._idle: list[Environment] = []
        self._all: list[Environment] = []
        self._count = itertools.count()

    def checkout(self) -> Environment:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            environment = Environment(self, next(self._count))
        environment.load()  # raises _InitError; the environment is then never used
        with self._lock:
            self._all.append(environment)
        return environment

    def checkin(self, environment: Environment) -> None:
        with self._lock:
            self._idle.append(environment)

    @property
    def environments(self) -> int:
        return len(self._all)

    def unload(self) -> None:
        with self._lock:
            for environment in self._all:
                environment.unload()
            self._all.clear()
            self._idle.clear()


# ----------------------------------------------------------------------------- the runtime


@dataclass
class _AsyncInvocation:
    function: Function
    event: Any
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0


class LambdaRuntime:
    def __init__(
        self,
        *,
        workers: int = 4,
        serialize: bool = True,
        async_retry_delays: tuple[float, ...] = (0.05, 0.1),
    ) -> None:
        self.activity = Activity()
        self._functions: dict[str, Function] = {}
        self._lock = threading.Lock()
        self._serial: AbstractContextManager[Any] | None = threading.RLock() if serialize else None
        self._retry_delays = async_retry_delays
        self._scheduler = Scheduler(workers, "localcloud-lambda")
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
        return self._invoke(self.function(name_or_arn), event, str(uuid.uuid4()))

    def _invoke(self, function: Function, event: Any, request_id: str) -> tuple[Any, bool]:
        if self.closed:
            raise RuntimeError("the local Lambda runtime is closed")
        try:
            event = _json_copy(event)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{function.spec.name}: the event is not JSON: {error}") from None
        with self.activity.busy(), MOTO_LOCK.suspended(), self._serial or nullcontext():
            try:
                environment = function.checkout()
            except _InitError as error:
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
                return environment.run(event, request_id)
            finally:
                function.checkin(environment)

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        """Queues an asynchronous invocation (raises `FunctionNotFound` at once, as the Invoke API does)."""
        function = self.function(name_or_arn)
        try:
            event = _json_copy(event)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{function.spec.name}: the event is not JSON: {error}") from None
        invocation = _AsyncInvocation(function, event)
        self.activity.begin()
        try:
            self._scheduler.submit(lambda: self._run_async(invocation))
        except BaseException:
            self.activity.end()
            raise

    def _run_async(self, invocation: _AsyncInvocation) -> None:
        finished = True
        try:
            if self.closed:
                return
            payload, errored = self._invoke(invocation.function, invocation.event, invocation.request_id)
            invocation.attempts += 1
            if not errored:
                return
            config = invocation.function.async_config
            if invocation.attempts <= config.max_retries:
                delays = self._retry_delays or (0.0,)
                delay = delays[min(invocation.attempts - 1, len(delays) - 1)]
                self._scheduler.submit(lambda: self._run_async(invocation), delay)
                finished = False
                return
            self._send_async_failure(invocation, payload, config)
        except Exception:
            logger.exception("localcloud: asynchronous invocation of %s failed", invocation.function.spec.name)
        finally:
            if finished:
                self.activity.end()

    def _send_async_failure(self, invocation: _AsyncInvocation, payload: Any, config: AsyncConfig) -> None:
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
        send_to_sqs(config.on_failure_arn, json.dumps(record))

    # -- lifecycle

    def wait_idle(self, timeout: float = 30.0) -> None:
        self.activity.wait_idle(timeout)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for closer in self._closers:
            try:
                closer()
            except Exception:
                logger.exception("localcloud: closing failed")
        self._scheduler.close()
        with self._lock:
            functions = list(self._functions.values())
        for function in functions:
            function.unload()
