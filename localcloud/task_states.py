"""Around every Task state of moto's Step Functions interpreter: `StateTask._eval_execution` and each subclass's own
(Lambda, service integrations, activities) wrapped once per purpose, so that both the IAM caller of a task
(`localcloud.iam.state_machines`) and the thread a synchronous execution's tasks run on
(`localcloud.moto_patches.caller_thread`) are set in one place, whichever order they are installed in."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

Around = Callable[[Any, Callable[[], Any]], Any]
"""`around(env, evaluate)`: the task's environment, and the evaluation to run (or hand over) and answer."""

_lock = threading.Lock()


def wrap_task_evaluation(mark: str, around: Around) -> None:
    """Wraps each Task state's evaluation with `around`, once for `mark` (installing again changes nothing)."""
    # the task modules define the subclasses: imported so that every one exists before it is wrapped
    import moto.stepfunctions.parser.asl.parse.preprocessor  # noqa: F401
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask

    with _lock:
        for owner in _subclasses(StateTask):
            current = owner.__dict__.get("_eval_execution")
            if current is not None and not getattr(current, mark, False):
                setattr(owner, "_eval_execution", _wrapped(current, mark, around))  # noqa: B010 (moto's class)


def _wrapped(current: Callable[[Any, Any], Any], mark: str, around: Around) -> Callable[[Any, Any], Any]:
    @functools.wraps(current)
    def evaluate(self: Any, env: Any) -> Any:
        return around(env, lambda: current(self, env))

    setattr(evaluate, mark, True)
    return evaluate


def _subclasses(root: type) -> Iterator[type]:
    yield root
    children: list[type] = root.__subclasses__()
    for child in children:
        yield from _subclasses(child)
