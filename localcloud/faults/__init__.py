"""Fault injection in the local cloud: AWS's transient failures, on purpose, deterministic from a seed.

Off by default. `python -m localcloud --faults SPEC [--faults-seed N]` (`make run FAULTS=… FAULTS_SEED=…`) or
`Settings(faults=…, faults_seed=…)` turns it on once the stacks are deployed (the deployment itself is never
faulted). The spec (`spec`: a rate per kind, or per kind and target) says how often; each decision is a hash
of the seed, the kind, the target and a counter (`injector`), so a replay with the same seed and work gets the
same faults. Every injected fault is one warning on the `localcloud.faults` logger and is counted:
`counts()` gives `{kind: {target: n}}`, and the local cloud prints the totals when it stops.

What follows a fault is AWS's own behaviour, from the templates and the SDK, not the fault's:
- SDK faults (`sdk`, at moto's in-process request stub, patch 16): only requests a function makes (the
  `localcloud.iam.caller` of the thread is a function), answered as the service answers them, so botocore's
  retry handler sees them (a throttle or a 500 is retried by the function's SDK; a partial batch is the
  function's to re-send): `dynamodb` (throttling, TransactionConflict, 500), `s3` (503 SlowDown, 500),
  `put_events` and `publish_batch` (entries failed, the others really put or published).
- Invocation faults (`invocations`, in `LambdaRuntime`): `invoke-before` fails an invocation before its
  handler (an errored result; the Invoke API answers its 500 ServiceException); `invoke-after` lets the
  handler run, then reports Lambda's timeout. Asynchronous retries, on-failure destinations, stream retries,
  bisection and Step Functions' Retry then act as configured.
- Delivery faults (`deliveries`): asynchronous invocations (EventBridge, SNS and S3 reach functions that way)
  delayed, held back behind the next one, or delivered twice; stream batches delayed or delivered twice (a
  stream keeps its records in order per shard, so reordering them is not a fault AWS has); `event_targets`:
  EventBridge failing to deliver to a rule's target, retried as its RetryPolicy says, then dead-lettered.
"""

from __future__ import annotations

import threading

from localcloud.faults.injector import Fault, Injector
from localcloud.faults.spec import KINDS, FaultSpec, FaultSpecError, parse

__all__ = [
    "KINDS",
    "Fault",
    "FaultSpec",
    "FaultSpecError",
    "Injector",
    "activate",
    "active",
    "counts",
    "deactivate",
    "decide",
    "parse",
    "retried",
]

_lock = threading.Lock()


class _State:
    active: Injector | None = None
    last: Injector | None = None  # the one whose counts `counts()` gives after `deactivate`


def activate(spec: FaultSpec | str, seed: int = 0) -> Injector:
    """Injects faults from now on (a later call replaces the injector and its counts)."""
    injector = Injector(parse(spec) if isinstance(spec, str) else spec, seed)
    with _lock:
        _State.active = _State.last = injector
    return injector


def deactivate() -> None:
    with _lock:
        _State.active = None


def active() -> Injector | None:
    return _State.active


def decide(kind: str, target: str) -> Fault | None:
    """The active injector's decision; None while no faults are active."""
    injector = _State.active
    return None if injector is None else injector.decide(kind, target)


def record(fault: Fault, detail: str) -> None:
    injector = _State.active or _State.last
    if injector is not None:
        injector.record(fault, detail)


def retried(hop: str) -> None:
    """Counts one retry on `hop` while faults are active (the retry sites call it: SDK requests, asynchronous
    invocations, stream batches, rule targets)."""
    injector = _State.active
    if injector is not None:
        injector.retried(hop)


def counts() -> dict[str, dict[str, int]]:
    """{kind: {target: n}} of the active injector, or of the last one after `deactivate` ({} if none)."""
    injector = _State.active or _State.last
    return {} if injector is None else injector.counts()
