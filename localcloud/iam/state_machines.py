"""Step Functions tasks call their services as the state machine's role, as on AWS.

`install()` wraps, once, `_eval_execution` of moto's task states (`StateTask` and every subclass that
defines it: Lambda, service integrations, activities), so the requests a task makes (the Lambda invoke,
`events:putEvents`, ...) run with the execution's role as their caller (`localcloud.iam.caller`), on
whichever thread moto evaluates the task (a task with a timeout, a Map iteration run on their own thread).
A refusal is the service's error, which the task fails with (`Lambda.AccessDeniedException`, ...).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from typing import Any, Final

from localcloud.iam.caller import Caller, calling

_MARK: Final = "_localcloud_iam_role"
_lock = threading.Lock()


def _subclasses(root: type) -> Iterator[type]:
    yield root
    children: list[type] = root.__subclasses__()
    for child in children:
        yield from _subclasses(child)


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


def _wrap(owner: type) -> None:
    current = owner.__dict__["_eval_execution"]
    if getattr(current, _MARK, False):
        return

    @functools.wraps(current)
    def evaluate(self: Any, env: Any) -> Any:
        caller = _caller(env)
        if caller is None:
            return current(self, env)
        with calling(caller):
            return current(self, env)

    setattr(evaluate, _MARK, True)
    setattr(owner, "_eval_execution", evaluate)  # noqa: B010 (a class of moto's, typed as a plain type)


def install() -> None:
    # the task modules define the subclasses: imported so that every one exists before it is wrapped
    import moto.stepfunctions.parser.asl.parse.preprocessor  # noqa: F401
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask

    with _lock:
        for owner in _subclasses(StateTask):
            if "_eval_execution" in owner.__dict__:
                _wrap(owner)
