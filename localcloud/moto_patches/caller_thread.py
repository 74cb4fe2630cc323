"""A synchronous execution's Task states run on the thread that started it (the caller's thread).

moto's interpreter runs an execution on threads of its own (the program's worker, one per Task state, a
Parallel branch, a Map iteration). A synchronous start waits for the end, and when a Lambda handler
made it, that thread holds the runtime's serialization lock (`LambdaRuntime`, `serialize=True`): a Lambda
task invoked on moto's threads would wait for that lock forever. So while a synchronous execution runs,
its caller's thread serves it (`CallerThread.serve`) and every Task state of it (wrapped once by `install()`,
`localcloud.task_states`) is handed to that thread, with the context of
the thread that evaluates it (its IAM caller: the state machine's role, `localcloud.iam.state_machines`), and
run there one at a time; the interpreter (Choice, Pass, Wait, Retry, Catch, timeouts) stays on moto's
threads. A nested synchronous invocation on the same thread re-enters the lock, as a handler's own
synchronous Invoke does. Tasks of Parallel branches and Map iterations therefore run one after the other.
A task handed over after its execution ended (a state that timed out while its task ran on) runs on its own
thread. A `.waitForTaskToken` task would hold the caller's thread until its token comes: Express state
machines do not support that pattern on AWS either.
"""

from __future__ import annotations

import contextvars
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from localcloud.task_states import wrap_task_evaluation

_MARK: Final = "_localcloud_caller_thread"
_lock = threading.Lock()
_serving: dict[str, CallerThread] = {}  # execution ARN → the thread serving its tasks


@dataclass
class _Job:
    context: contextvars.Context
    work: Callable[[], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.context.run(self.work)
        except BaseException as error:  # handed back to the waiting thread, which raises it
            self.error = error
        finally:
            self.done.set()


class CallerThread:
    """The thread that created it, lent to other threads' work until `finish()`."""

    def __init__(self) -> None:
        self.ident = threading.get_ident()
        self._cond = threading.Condition()
        self._jobs: deque[_Job] = deque()
        self._finished = False

    def run(self, work: Callable[[], Any]) -> Any:
        """`work()` on the caller's thread (directly when already on it, or once the caller stopped serving)."""
        if threading.get_ident() == self.ident:
            return work()
        job = _Job(contextvars.copy_context(), work)
        with self._cond:
            if self._finished:
                return job.context.run(work)
            self._jobs.append(job)
            self._cond.notify_all()
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def serve(self) -> None:
        """Runs the jobs handed over, in order, until `finish()` was called and none is left."""
        while True:
            with self._cond:
                while not self._jobs and not self._finished:
                    self._cond.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
            job.run()

    def finish(self) -> None:
        with self._cond:
            self._finished = True
            self._cond.notify_all()


@contextmanager
def serving(execution_arn: str, thread: CallerThread) -> Iterator[None]:
    """The execution's Task states go to `thread` while the block runs."""
    with _lock:
        _serving[execution_arn] = thread
    try:
        yield
    finally:
        with _lock:
            _serving.pop(execution_arn, None)


def _server_for(env: Any) -> CallerThread | None:
    if not _serving:
        return None
    try:
        arn = str(env.states.context_object.context_object_data["Execution"]["Id"])
    except (AttributeError, KeyError, TypeError):
        return None
    return _serving.get(arn)


def _hand_over(env: Any, evaluate: Callable[[], Any]) -> Any:
    server = _server_for(env)
    return evaluate() if server is None else server.run(evaluate)


def install() -> None:
    wrap_task_evaluation(_MARK, _hand_over)
