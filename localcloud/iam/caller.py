"""Who is making the AWS requests of this thread right now: set around each function invocation by the
runtime, and around an API Gateway integration that assumes its `Credentials` role.

A context variable, so a nested synchronous invocation (function A invokes B on the same thread) is B
while B runs and A again after; threads start without a caller (the local cloud's own requests, the AWS
endpoint's, moto's internal ones are not a principal's and are not evaluated).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    session: str  # the role session's name: the function's name on Lambda
    function_arn: str | None = None  # a function: its execution role is looked up at each request
    role_arn: str | None = None  # a role assumed directly (an integration's credentials)


CALLER: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("localcloud_iam_caller", default=None)


@contextmanager
def calling(caller: Caller) -> Iterator[None]:
    token = CALLER.set(caller)
    try:
        yield
    finally:
        CALLER.reset(token)


def function_caller(name: str, arn: str) -> Caller:
    return Caller(session=name, function_arn=arn)
