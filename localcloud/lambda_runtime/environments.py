"""Lambda execution environments: the handler module loaded once, its environment, its context, its result.

- Each environment loads the handler module from `code_dir` under a unique module name (package
  `_localcloud_functions.<function>__<n>` whose `__path__` is `code_dir`), so every function has its own
  module state although every folder has a `handler.py`; relative imports within the folder work. A cold
  start happens in the first invocation of an environment; an environment serves one invocation at a time
  and stays warm; a second environment is created only when an invocation arrives while the others are
  busy (a nested synchronous invoke of the same function). The layers' `python/` folders are on `sys.path`
  (shared: a layer's modules are imported once for all functions, unlike on AWS; right for layers that keep
  no per-function state); the managed Powertools layer is the venv's `aws-lambda-powertools`.
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
- Timeout: an invocation that outlives the spec's `timeout_seconds` is Lambda's `Sandbox.Timedout` error,
  its environment is dropped, and its AWS requests past the deadline never reach the service
  (`localcloud.lambda_runtime.timeouts`).
"""

from __future__ import annotations

import datetime as dt
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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from localcloud.aws_formats import parse_arn
from localcloud.environ import ENVIRON
from localcloud.lambda_runtime.function_spec import AsyncConfig, FunctionSpec
from localcloud.lambda_runtime.timeouts import Deadline, FunctionTimedOut, running_until, timed_out_envelope

logger = logging.getLogger("localcloud.runtime")

PACKAGE_ROOT: Final = "_localcloud_functions"
LAMBDA_PYTHON_RUNTIME: Final = "python3.13"


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


class InitError(Exception):
    """The environment could not load its handler: Lambda's `Runtime.*` error type and message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def error_envelope(error: BaseException, request_id: str, *, skip_frames: int = 0) -> dict[str, Any]:
    frames = traceback.extract_tb(error.__traceback__)[skip_frames:]
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def json_copy(value: Any) -> Any:
    """The value as it arrives after a trip through JSON (events and results cross a wire on AWS)."""
    return json.loads(json.dumps(value))


class Environment:
    """One execution environment: the handler module loaded once, the environment variables, a log stream."""

    def __init__(self, spec: FunctionSpec, log_group_name: str, index: int) -> None:
        self.spec = spec
        self.log_group_name = log_group_name
        self.package = f"{PACKAGE_ROOT}.{re.sub(r'[^0-9A-Za-z_]', '_', spec.name)}__{index}"
        self.log_stream_name = f"{dt.datetime.now(dt.UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        region = parse_arn(spec.arn)[1] if spec.arn.startswith("arn:") else "us-east-1"
        environ = dict(ENVIRON.base)
        environ.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": log_group_name,
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
        self.timed_out = False  # an environment whose invocation timed out is not used again

    def load(self) -> None:
        """The cold start: imports the handler module under this environment's package."""
        spec = self.spec
        module_path, _, attribute = spec.handler.rpartition(".")
        if not module_path or not attribute:
            raise InitError("Runtime.MalformedHandlerName", f"Bad handler '{spec.handler}': not enough values")
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
                raise InitError(
                    "Runtime.ImportModuleError", f"Unable to import module '{module_path}': {error}"
                ) from error
        handler = getattr(module, attribute, None)
        if not callable(handler):
            self.unload()
            raise InitError("Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_path}'")
        self.handler = handler

    def unload(self) -> None:
        prefix = f"{self.package}."
        for name in [name for name in sys.modules if name == self.package or name.startswith(prefix)]:
            del sys.modules[name]
        self.handler = None

    def run(self, event: Any, request_id: str) -> tuple[Any, bool]:
        spec = self.spec
        assert self.handler is not None
        started = time.monotonic()
        deadline = Deadline(spec.name, started + spec.timeout_seconds, spec.timeout_seconds)
        context = LambdaContext(
            function_name=spec.name,
            function_version="$LATEST",
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=spec.memory_mb,
            aws_request_id=request_id,
            log_group_name=self.log_group_name,
            log_stream_name=self.log_stream_name,
            deadline=deadline.at,
        )
        errored = False
        with ENVIRON.overlay(self.environ), running_until(deadline):
            try:
                result = self.handler(event, context)
            except (Exception, SystemExit, FunctionTimedOut) as error:
                errored = True
                result = error_envelope(error, request_id, skip_frames=1)
        if deadline.passed():
            self.timed_out = True
            result = timed_out_envelope(request_id, spec.timeout_seconds)
            logger.warning("%s %s: [ERROR] Sandbox.Timedout: %s", spec.name, request_id, result["errorMessage"])
            return result, True
        if errored:
            logger.warning(
                "%s %s: [ERROR] %s: %s\n%s",
                spec.name,
                request_id,
                result["errorType"],
                result["errorMessage"],
                "".join(result["stackTrace"]),
            )
            return result, True
        try:
            return json_copy(result), False
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
            environment = Environment(self.spec, self.log_group_name, next(self._count))
        environment.load()  # raises InitError; the environment is then never used
        with self._lock:
            self._all.append(environment)
        return environment

    def checkin(self, environment: Environment) -> None:
        with self._lock:
            if not environment.timed_out:
                self._idle.append(environment)
                return
            self._all.remove(environment)
        environment.unload()

    @property
    def environments(self) -> int:
        return len(self._all)

    def unload(self) -> None:
        with self._lock:
            for environment in self._all:
                environment.unload()
            self._all.clear()
            self._idle.clear()

    def drop_idle(self) -> int:
        """Unloads the environments not running now: the next invocation is a cold start. Returns how many."""
        with self._lock:
            dropped = list(self._idle)
            self._idle.clear()
            for environment in dropped:
                environment.unload()
                self._all.remove(environment)
        return len(dropped)
