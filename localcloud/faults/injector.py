"""The decisions: whether one request, invocation or delivery gets a fault, and the count of those that did.

A decision is a pure function of the seed, the kind, the target and the decision's number among that
(kind, target)'s decisions (a per-pair counter): the BLAKE2b hash of the four, read as a number in [0, 1),
below the spec's rate injects. So a run replayed with the same seed and the same work gets the same faults
(and the n-th PutItem on a table is faulted or not whatever the other tables do). A fault's further choices
(which error code, how long a delay) are hashes of the same four and a salt.

Each injected fault is counted per kind and target and logged as one warning on `localcloud.faults`; the
retries that AWS's behaviour makes meanwhile are counted per hop (`retried`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from localcloud.faults.spec import FaultSpec

logger = logging.getLogger("localcloud.faults")

T = TypeVar("T")


def unit(seed: int, kind: str, target: str, number: int, salt: str = "") -> float:
    """A number in [0, 1) that only these values decide."""
    text = f"{seed}\x00{kind}\x00{target}\x00{number}\x00{salt}".encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") / 2**64


@dataclass(frozen=True)
class Fault:
    kind: str
    target: str
    number: int  # this decision's number among the decisions of (kind, target), from 0
    seed: int

    def draw(self, salt: str) -> float:
        return unit(self.seed, self.kind, self.target, self.number, salt)

    def choice(self, salt: str, options: Sequence[T]) -> T:
        return options[int(self.draw(salt) * len(options))]


class Injector:
    def __init__(self, spec: FaultSpec, seed: int = 0) -> None:
        self.spec = spec
        self.seed = seed
        self._lock = threading.Lock()
        self._decisions: dict[tuple[str, str], int] = defaultdict(int)
        self._counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._retries: dict[str, int] = defaultdict(int)

    def decide(self, kind: str, target: str) -> Fault | None:
        """The fault this decision injects, or None; the hook calls `record` once it has injected it."""
        rate = self.spec.rate(kind, target)
        if rate <= 0:
            return None
        with self._lock:
            number = self._decisions[(kind, target)]
            self._decisions[(kind, target)] = number + 1
        if unit(self.seed, kind, target, number) >= rate:
            return None
        return Fault(kind, target, number, self.seed)

    def retried(self, hop: str) -> None:
        """One retry of an SDK request, an asynchronous invocation, a stream batch or a rule's delivery."""
        with self._lock:
            self._retries[hop] += 1

    def retries(self) -> dict[str, int]:
        """{hop: retries} while this injector was active, whatever failed (a fault or the handler)."""
        with self._lock:
            return dict(sorted(self._retries.items()))

    def record(self, fault: Fault, detail: str) -> None:
        with self._lock:
            self._counts[fault.kind][fault.target] += 1
        logger.warning("localcloud fault %s@%s #%d: %s", fault.kind, fault.target, fault.number, detail)

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {target: faults injected}}, kinds and targets sorted."""
        with self._lock:
            return {kind: dict(sorted(targets.items())) for kind, targets in sorted(self._counts.items()) if targets}

    def summary(self) -> str:
        counts = self.counts()
        if not counts:
            return "no faults injected"
        total = sum(sum(targets.values()) for targets in counts.values())
        kinds = "; ".join(
            f"{kind} {sum(targets.values())} ({', '.join(f'{target} {n}' for target, n in targets.items())})"
            for kind, targets in counts.items()
        )
        return f"{total} faults injected: {kinds}"
