"""A failed asynchronous invocation's record (an on-failure destination's message), replayed by invoking the
function with the record's `requestPayload`, synchronously (`invoke`)."""

from __future__ import annotations

from operations.redrive.invoke import Outcome, function_outcome, invoke
from operations.redrive.parked import AsyncFailure
from operations.redrive.stage import Clients


def replay(failure: AsyncFailure, clients: Clients) -> Outcome:
    function = failure.function_arn.removesuffix(":$LATEST")  # a version or alias it names is kept
    return function_outcome(function, invoke(clients.lambda_, function, failure.payload))
