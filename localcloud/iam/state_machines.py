"""Step Functions tasks call their services as the state machine's role, as on AWS.

`install()` wraps, once, the evaluation of moto's task states (`localcloud.task_states`: Lambda, service
integrations, activities), so the requests a task makes (the Lambda invoke,
`events:putEvents`, ...) run with the execution's role as their caller (`localcloud.iam.caller`), on
whichever thread moto evaluates the task (a task with a timeout, a Map iteration run on their own thread).
A refusal is the service's error, which the task fails with (`Lambda.AccessDeniedException`, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from localcloud.iam.caller import Caller, calling
from localcloud.task_states import wrap_task_evaluation

_MARK: Final = "_localcloud_iam_role"


def _caller(env: Any) -> Caller | None:
    details = getattr(env, "aws_execution_details", None)
    role = getattr(details, "role_arn", None)
    if not role:
        return None
    try:
        session = str(env.states.context_object.context_object_data["Execution"]["Name"])
    except (AttributeError, KeyError, TypeError):
        session = "states"
    return Caller(session=session, role_arn=str(role))


def _as_role(env: Any, evaluate: Callable[[], Any]) -> Any:
    caller = _caller(env)
    if caller is None:
        return evaluate()
    with calling(caller):
        return evaluate()


def install() -> None:
    wrap_task_evaluation(_MARK, _as_role)
