"""Patch 10, and the probe through which `wait_idle` waits for Step Functions executions.

10. `stepfunctions.parser.models.StepFunctionsParserBackend.start_execution(self, state_machine_arn,
   name=None, execution_input=None, trace_header=None)`: an execution started without a name gets a UUID,
   as Step Functions names it; moto's executing backend names it `None`, so every such execution had the
   same ARN and the second one after the first finished was refused with ExecutionAlreadyExists
   (EventBridge targets, API Gateway integrations and StartExecution calls without a name all start such
   executions).

Not a patch, a reader: `step_functions_busy()` is the activity probe (`runtime.activity.add_probe`, added by
`apply`). moto runs an execution (only with `mock_aws(config={"stepfunctions": {"execute_state_machine":
True}})`) in a thread of its own, with its Lambda tasks calling the Invoke API (patches 1-2 run them
in-process; while one runs, the runtime counts it). The probe reports work while an execution of moto's
executing backend (`stepfunctions_parser_backends`, any account and region) is RUNNING, unless it is parked
on a task token: an execution with a callback endpoint (a `.waitForTaskToken` task, an activity task) that
has not yet received its outcome counts as idle, or a test that waits for the system to settle before
sending the token would wait forever. Whatever sends the token later (a function, the test) makes it busy
again until it ends or parks anew. Limitation: a Parallel or Map state with one branch parked counts as idle
while its other branches are between Lambda tasks (in a Pass, Choice or Wait state); their Lambda
invocations themselves are counted. The backend moto's CloudFormation and the non-executing configuration
use is not probed (its executions stay RUNNING forever), nor are synchronous Express executions (patch 19:
not kept in their state machine, they count as busy through the runtime's activity while they run).
"""

from __future__ import annotations

import uuid
from typing import Any

from localcloud.moto_lock import MOTO_LOCK
from localcloud.moto_patches.patching import original, replace


def install() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    replace(StepFunctionsParserBackend, "start_execution", start_execution_named)


def start_execution_named(
    self: Any, state_machine_arn: str, name: Any = None, execution_input: Any = None, trace_header: Any = None
) -> Any:
    """Patch 10: a missing execution name becomes a UUID, as in Step Functions."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    start = original(StepFunctionsParserBackend, "start_execution")
    return start(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)


def parked_on_task_token(execution: Any) -> bool:
    """A RUNNING execution waiting for SendTaskSuccess/Failure: a callback endpoint with no outcome yet."""
    worker = getattr(execution, "exec_worker", None)
    env = getattr(worker, "env", None)
    pool = getattr(getattr(env, "callback_pool_manager", None), "_pool", None)
    if not pool:
        return False
    return any(not endpoint._notify_event.is_set() for endpoint in list(pool.values()))


def step_functions_busy() -> bool:
    """True while an execution of moto's executing backend runs and is not parked on a task token.

    moto registers a task token just before it invokes the task's Lambda, so an execution counts as
    parked (idle) for that short moment too: wait for the token's Lambda call itself when it matters.
    """
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    with MOTO_LOCK:
        for regions in list(dict.values(stepfunctions_parser_backends)):
            for backend in list(dict.values(regions)):
                for state_machine in list(backend.state_machines):
                    for execution in list(state_machine.executions):
                        # The executing backend's executions (moto types them as the base backend's).
                        if (
                            isinstance(execution, Execution)
                            and execution.exec_status == ExecutionStatus.RUNNING
                            and not parked_on_task_token(execution)
                        ):
                            return True
    return False
