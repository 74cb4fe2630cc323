"""The fault spec of `python -m localcloud --faults SPEC`: which faults, at what rate, on what (`GRAMMAR`).

A spec that does not parse raises `FaultSpecError` naming the item and listing the kinds, so a bad `--faults`
stops the start before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

# Kind → (what it targets, what it does). The hooks that inject them: `localcloud.faults` (package docstring).
KINDS: Final[dict[str, tuple[str, str]]] = {
    "invoke-before": ("function", "the invocation fails before its handler runs (Lambda ServiceException)"),
    "invoke-after": ("function", "the handler ran (its writes stay), then the invocation timed out"),
    "async-delay": ("function", "an asynchronous invocation is delivered 10 to 50 ms late"),
    "async-reorder": ("function", "an asynchronous invocation is delivered after the next one of its function"),
    "async-duplicate": ("function", "an asynchronous invocation is delivered twice"),
    "stream-delay": ("function", "a stream batch is delivered 10 to 50 ms late"),
    "stream-duplicate": ("function", "a stream batch is delivered twice"),
    "events-target": ("rule", "EventBridge's delivery to a target fails: retried per its RetryPolicy, then its DLQ"),
    "dynamodb-throttle": ("table", "ProvisionedThroughputExceededException or ThrottlingException (400)"),
    "dynamodb-conflict": ("table", "TransactWriteItems cancelled with TransactionConflict; a single write's 400"),
    "dynamodb-500": ("table", "InternalServerError (500)"),
    "s3-slowdown": ("bucket", "503 SlowDown"),
    "s3-500": ("bucket", "500 InternalError"),
    "events-partial": ("bus", "PutEvents: an entry fails (FailedEntryCount), the others are put"),
    "sns-partial": ("topic", "PublishBatch: an entry fails (Failed), the others are published"),
}

GRAMMAR: Final = """\
    SPEC   := ITEM ("," ITEM)*
    ITEM   := RATE                        every kind at RATE, on every target
            | KIND "=" RATE               that kind on every target
            | KIND "@" TARGET "=" RATE    that kind on that target (a function, table, bucket, bus, topic or rule)
    RATE   := a decimal number from 0 to 1: the probability that one decision injects the fault
The most specific item wins (KIND@TARGET over KIND over a bare RATE), whatever their order; an item given
twice is an error. Examples: 0.1 (every kind at 10 %); dynamodb-throttle=0.1,invoke-after=0.05;
invoke-before@my-function=0.2,dynamodb-throttle@my-table=1."""

_NAME: Final = re.compile(r"[A-Za-z0-9._\-]{1,256}")
_RATE: Final = re.compile(r"\d+(\.\d*)?|\.\d+")


class FaultSpecError(ValueError):
    """A spec that does not parse; the message names the item and lists the kinds."""


def kinds_help() -> str:
    """The kinds, one a line, for `--help` and for the error of a bad spec."""
    width = max(len(kind) for kind in KINDS)
    return "\n".join(f"  {kind:{width}}  @{target}: {what}" for kind, (target, what) in KINDS.items())


@dataclass(frozen=True)
class FaultSpec:
    text: str
    every: float = 0.0  # a bare RATE
    kinds: dict[str, float] = field(default_factory=dict)
    targets: dict[tuple[str, str], float] = field(default_factory=dict)

    def rate(self, kind: str, target: str) -> float:
        if (kind, target) in self.targets:
            return self.targets[(kind, target)]
        return self.kinds.get(kind, self.every)

    def may_inject(self, kind: str) -> bool:
        """False when no target can get this kind (its hook can skip the work of naming the target)."""
        return self.rate(kind, "") > 0 or any(rate > 0 for (name, _), rate in self.targets.items() if name == kind)

    def describe(self) -> str:
        """The active faults, for the start log."""
        parts = [f"every kind {self.every:g}"] if self.every else []
        parts += [f"{kind} {rate:g}" for kind, rate in self.kinds.items()]
        parts += [f"{kind}@{target} {rate:g}" for (kind, target), rate in self.targets.items()]
        return ", ".join(parts) or "none (every rate is 0)"


def parse(text: str) -> FaultSpec:
    every: float | None = None
    kinds: dict[str, float] = {}
    targets: dict[tuple[str, str], float] = {}
    items = [item.strip() for item in text.split(",")]
    if not text.strip():
        raise FaultSpecError(_message("the spec is empty"))
    for item in items:
        if not item:
            raise FaultSpecError(_message(f"an empty item in {text!r}"))
        key, equals, value = item.rpartition("=")
        if not equals:
            if item.partition("@")[0] in KINDS:
                raise FaultSpecError(_message(f"{item!r}: a kind needs its rate, e.g. {item}=0.1"))
            if every is not None:
                raise FaultSpecError(_message(f"{item!r}: a bare rate is given twice"))
            every = _rate(item, item)
            continue
        kind, at, target = key.strip().partition("@")
        kind, target = kind.strip(), target.strip()
        if kind not in KINDS:
            raise FaultSpecError(_message(f"{item!r}: unknown kind {kind!r}"))
        rate = _rate(value.strip(), item)
        if at:
            if not _NAME.fullmatch(target):
                raise FaultSpecError(_message(f"{item!r}: {target!r} is not a {KINDS[kind][0]} name"))
            if (kind, target) in targets:
                raise FaultSpecError(_message(f"{item!r}: {kind}@{target} is given twice"))
            targets[(kind, target)] = rate
        else:
            if kind in kinds:
                raise FaultSpecError(_message(f"{item!r}: {kind} is given twice"))
            kinds[kind] = rate
    return FaultSpec(text=text, every=every or 0.0, kinds=kinds, targets=targets)


def _rate(value: str, item: str) -> float:
    if not _RATE.fullmatch(value) or not 0 <= float(value) <= 1:
        raise FaultSpecError(_message(f"{item!r}: the rate {value!r} is not a number from 0 to 1"))
    return float(value)


def _message(problem: str) -> str:
    return (
        f"bad fault spec: {problem}. A spec is comma-separated items RATE, KIND=RATE or KIND@TARGET=RATE "
        f"(e.g. 0.1 or dynamodb-throttle=0.1,invoke-after@my-function=0.5), a rate from 0 to 1. Kinds:\n" + kinds_help()
    )
