"""Patch 19: `StartSyncExecution`, which moto 5.2.5 does not implement, run as Step Functions runs it.

`install()` adds `StepFunctionResponse.start_sync_execution` (moto dispatches an action to the handler's
method of that name: in-process and on moto's server) and routes botocore's `sync-states.<region>`
endpoint, where the SDKs send it, to the Step Functions backend (`backend_index.backend_url_patterns`,
`moto.stepfunctions.urls.url_bases`). Against the AWS endpoint (an IP address) a client must not prepend
`sync-` to the host: `AWS_DISABLE_HOST_PREFIX_INJECTION=true` (botocore's setting) or
`Config(inject_host_prefix=False)`.

As on AWS: an EXPRESS state machine only (else `StateMachineTypeNotSupported`), an unknown one is
`StateMachineDoesNotExist`, input that is not JSON `InvalidExecutionInput`; the answer comes when the
execution has ended (`SUCCEEDED` with its `output`, `FAILED` with `error` and `cause`, `TIMED_OUT`), with
an `express:` execution ARN and `billingDetails` as Express bills (100 ms units, 64 MB at least; the local
cloud does not measure memory, so 64). moto's interpreter runs it, its Task states on the caller's thread
(`caller_thread`: a Lambda handler may start one), while the runtime counts it as busy (`wait_idle`).

Express executions are not kept: on AWS their history goes to CloudWatch Logs and `ListExecutions`,
`DescribeExecution` and `GetExecutionHistory` serve Standard ones only. So the execution is not added to
its state machine's executions (the `step_functions_busy` probe does not see it; the runtime's count
does), and `DescribeExecution`/`GetExecutionHistory` of an `express:` ARN answer `ExecutionDoesNotExist`
(moto would say `InvalidArn`).
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import re
import threading
import uuid
from contextlib import nullcontext
from typing import Any, Final

from moto.stepfunctions.exceptions import AWSError

from localcloud.moto_lock import MOTO_LOCK
from localcloud.moto_patches import caller_thread
from localcloud.moto_patches.patching import active_runtime, original, replace

SYNC_URL_BASE: Final = r"https?://sync-states\.(.+)\.amazonaws.com"
BILLED_UNIT_MS: Final = 100
BILLED_MEMORY_MB: Final = 64
_lock = threading.Lock()


class StateMachineTypeNotSupported(AWSError):
    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400


class ExecutionDoesNotExist(AWSError):
    TYPE = "ExecutionDoesNotExist"
    STATUS = 400


def install() -> None:
    from moto import backend_index
    from moto.stepfunctions import urls
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    with _lock:
        if SYNC_URL_BASE not in urls.url_bases:
            urls.url_bases.append(SYNC_URL_BASE)
        if not any(pattern.pattern == SYNC_URL_BASE for _, pattern in backend_index.backend_url_patterns):
            backend_index.backend_url_patterns.append(("stepfunctions", re.compile(SYNC_URL_BASE)))
        if "start_sync_execution" not in StepFunctionResponse.__dict__:
            setattr(StepFunctionResponse, "start_sync_execution", respond)  # noqa: B010 (moto's class)
    replace(StepFunctionsParserBackend, "describe_execution", describe_execution)
    replace(StepFunctionsParserBackend, "get_execution_history", get_execution_history)


def _refuse_express(execution_arn: str) -> None:
    if ":express:" in str(execution_arn):
        raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{execution_arn}'")


def describe_execution(self: Any, execution_arn: str) -> Any:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    _refuse_express(execution_arn)
    return original(StepFunctionsParserBackend, "describe_execution")(self, execution_arn)


def get_execution_history(self: Any, execution_arn: str) -> Any:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    _refuse_express(execution_arn)
    return original(StepFunctionsParserBackend, "get_execution_history")(self, execution_arn)


def respond(self: Any) -> Any:
    """`StepFunctionResponse.start_sync_execution`: the request's parameters, the execution's answer."""
    from moto.core.responses import ActionResult

    answer = start_sync_execution(
        self.stepfunction_backend,
        self._get_param("stateMachineArn"),
        self._get_param("name"),
        self._get_param("input"),
        self._get_param("traceHeader"),
    )
    return ActionResult(answer)


def billing(start: datetime.datetime, stop: datetime.datetime) -> dict[str, int]:
    """Express's billing: the duration rounded up to 100 ms (100 at least), 64 MB."""
    elapsed_ms = (stop - start).total_seconds() * 1000
    units = max(1, math.ceil(elapsed_ms / BILLED_UNIT_MS))
    return {"billedMemoryUsedInMB": BILLED_MEMORY_MB, "billedDurationInMilliseconds": units * BILLED_UNIT_MS}


def start_sync_execution(
    backend: Any, state_machine_arn: str, name: str | None, execution_input: str | None, trace_header: str | None
) -> dict[str, Any]:
    from moto.stepfunctions.exceptions import InvalidExecutionInput
    from moto.stepfunctions.parser.api import StateMachineType
    from moto.stepfunctions.parser.backend.execution import SyncExecution
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    if not isinstance(backend, StepFunctionsParserBackend):
        raise StateMachineTypeNotSupported("StartSyncExecution runs only with moto's executing backend")
    state_machine = backend.describe_state_machine(state_machine_arn)  # StateMachineDoesNotExist, InvalidArn
    if state_machine.type != "EXPRESS":
        raise StateMachineTypeNotSupported("This operation is not supported by this type of state machine")
    if name:
        backend._validate_name(name)
    text = "{}" if execution_input is None else execution_input
    try:
        json.loads(text)
    except ValueError as error:
        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{error}'") from None
    # a snapshot of the definition, as `start_execution` takes it (neither the executions nor the backend copied)
    snapshot: Any = copy.deepcopy(state_machine, {id(state_machine.executions): [], id(state_machine.backend): backend})
    name = name or str(uuid.uuid4())
    arn = (
        f"arn:{backend.partition}:states:{backend.region_name}:{backend.account_id}:express:"
        f"{state_machine.name}:{name}:{uuid.uuid4()}"
    )
    execution = SyncExecution(
        name=name,
        sm_type=StateMachineType.EXPRESS,  # moto's state machines all say STANDARD there
        role_arn=snapshot.roleArn,
        exec_arn=arn,
        account_id=backend.account_id,
        region_name=backend.region_name,
        state_machine=snapshot,
        start_date=datetime.datetime.now(tz=datetime.UTC),
        cloud_watch_logging_session=None,
        input_data=text,
        trace_header=trace_header,
        activity_store={},
    )
    _run(execution)
    stop: datetime.datetime = execution.stop_date or datetime.datetime.now(tz=datetime.UTC)
    answer = {key: value for key, value in execution.to_start_sync_execution_output().items() if value is not None}
    answer["status"] = str(answer["status"].value if hasattr(answer["status"], "value") else answer["status"])
    answer["billingDetails"] = billing(execution.start_date, stop)
    return answer


def _run(execution: Any) -> None:
    """Runs the execution to its end: moto's interpreter on a thread of its own, its tasks on this one."""
    from moto.stepfunctions.parser.api import ExecutionStatus, SyncExecutionStatus

    server = caller_thread.CallerThread()
    worker = execution._get_start_execution_worker()
    execution.exec_worker = worker
    execution.exec_status = ExecutionStatus.RUNNING

    def interpret() -> None:
        try:
            worker._execution_logic()
        finally:
            server.finish()

    runtime = active_runtime()
    with (
        caller_thread.serving(execution.exec_arn, server),
        runtime.activity.busy() if runtime is not None else nullcontext(),
        MOTO_LOCK.suspended(),
    ):
        thread = threading.Thread(target=interpret, name=f"sync-execution {execution.name}", daemon=True)
        thread.start()
        server.serve()
        thread.join()
    if execution.sync_execution_status is None:  # the interpreter itself failed (its Program catches the rest)
        execution.sync_execution_status = SyncExecutionStatus.FAILED
        execution.error, execution.cause = "States.Runtime", "the local interpreter failed"
        execution.stop_date = datetime.datetime.now(tz=datetime.UTC)
