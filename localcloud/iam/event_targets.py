"""An EventBridge rule starts a state machine as the target's `RoleArn`, as on AWS.

`install()` wraps, once, moto's `StepFunctionsParserBackend.start_execution` (over the local cloud's own
patch): while an EventBridge rule is delivering (`localcloud.iam.sources`), the target's role must allow
`states:StartExecution` on the state machine; else the start raises `TargetRefused`, which the rule's
delivery sends to the target's dead-letter queue with `ERROR_CODE` NO_PERMISSIONS, as EventBridge does (no
retry), and one line is logged. Starts outside a rule's delivery (the API, a function) are not affected here.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any, Final

from localcloud.iam import hook
from localcloud.iam.caller import Caller
from localcloud.iam.sources import SOURCE

logger = logging.getLogger("localcloud.iam")

SESSION: Final = "AWS_Events_Invoke_Targets"
_MARK: Final = "_localcloud_iam_target_role"
_lock = threading.Lock()


class TargetRefused(PermissionError):
    error_type = "NO_PERMISSIONS"


def check_start(state_machine_arn: str) -> None:
    enforcer = hook.active()
    source = SOURCE.get()
    if enforcer is None or source is None or source.service != "events.amazonaws.com":
        return
    role = source.role_for(state_machine_arn)
    if role is None:
        message = f"the target {state_machine_arn} has no RoleArn to start it with"
    else:
        region = state_machine_arn.split(":")[3]
        caller = Caller(session=SESSION, role_arn=role)
        params = {"stateMachineArn": state_machine_arn}
        refusal = enforcer.check(caller, "states", "StartExecution", params, region)
        if refusal is None:
            return
        message = refusal.message  # what the dead-letter message's ERROR_MESSAGE holds (its first 256 characters)
    logger.warning("localcloud IAM: delivery refused: %s cannot start %s: %s", source.what, state_machine_arn, message)
    raise TargetRefused(message)


def install() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    with _lock:
        current = StepFunctionsParserBackend.start_execution
        if getattr(current, _MARK, False):
            return

        @functools.wraps(current)
        def start_execution(self: Any, state_machine_arn: str, *args: Any, **kwargs: Any) -> Any:
            check_start(state_machine_arn)
            return current(self, state_machine_arn, *args, **kwargs)

        setattr(start_execution, _MARK, True)
        StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]
