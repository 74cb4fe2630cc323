"""A replay's outcome, and the synchronous invocation every replay to a function makes.

A replay invokes synchronously (`RequestResponse`), not as the bus or the stream did: the redrive must know
whether the function took the message before deleting it. An asynchronous invoke would be accepted whatever
the function then does, and a failure would go through the function's retries to its on-failure queue (on AWS
minutes later), leaving the operator to look again. Every consumer is idempotent (docs/architecture.md §11), so
a replay of something that had in fact succeeded changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

ERROR_SHOWN: Final = 300
"""A function's error is cut there in the report (its log has all of it)."""


@dataclass(frozen=True)
class Outcome:
    replayed: bool
    note: str


def replayed(note: str) -> Outcome:
    return Outcome(True, note)


def still_failing(note: str) -> Outcome:
    return Outcome(False, note)


def refusal(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', '')}".rstrip(": ")
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Invocation:
    errored: bool
    payload: Any
    refused: str | None = None


def invoke(lambda_: Any, function: str, payload: Any) -> Invocation:
    """The function's answer to `payload`, or why the invoke was refused."""
    try:
        response = lambda_.invoke(
            FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
        )
    except (ClientError, BotoCoreError) as error:
        return Invocation(errored=True, payload=None, refused=refusal(error))
    raw = response["Payload"].read()
    try:
        answer = json.loads(raw) if raw else None
    except ValueError:
        answer = raw.decode(errors="replace")
    return Invocation(errored=bool(response.get("FunctionError")), payload=answer)


def short_name(function: str) -> str:
    """A function's name from its name or (qualified) ARN."""
    return function.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in function else function


def function_outcome(function: str, invocation: Invocation, *, batch: bool = False) -> Outcome:
    """Replayed when the function answered without an error (and, for a batch, reported no item failure)."""
    name = short_name(function)
    if invocation.refused is not None:
        return still_failing(f"invoke of {name} refused: {invocation.refused}")
    answer = invocation.payload
    if invocation.errored:
        if isinstance(answer, dict):
            error = f"{answer.get('errorType', 'Error')}: {answer.get('errorMessage', '')}".rstrip(": ")
        else:
            error = str(answer)
        return still_failing(f"{name} failed: {error if len(error) <= ERROR_SHOWN else error[:ERROR_SHOWN] + '…'}")
    if batch and isinstance(answer, dict) and answer.get("batchItemFailures"):
        failed = [str(item.get("itemIdentifier")) for item in answer["batchItemFailures"] if isinstance(item, dict)]
        return still_failing(f"{name} reported {len(failed)} failed record(s): {', '.join(failed)}")
    return replayed(f"{name} answered")
