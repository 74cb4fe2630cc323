"""What the policies were used for, recorded while enabled: least-privilege evidence.

- The enforcer reports every (role ARN, action, resource) of a request it allows (`Usage.allowed`: all the
  request's authorizations, once every one of them is allowed).
- A function's resource policy reports every invocation it allows: (function ARN, service principal, source
  ARN) and the ids of the statements that allow it (`Usage.invoked`).

Disabled (the default), reporting costs one attribute read. `enable()` turns it on in this process
(`recording()` for the length of a block, e.g. one scenario, keeping what is recorded beside it);
`LOCALCLOUD_IAM_USAGE=<path>` does when enforcement starts (`from_environment`), and whoever stops the cloud
writes it with `write(path, usage, grants)`: each write appends one run (`{"actions", "permissions",
"grants"}`, the grants as the writer describes them) to the file's `"runs"`, under a file lock, so several
clouds (or processes) can share one file. `load(path)` reads the runs back.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ENVIRONMENT_VARIABLE: Final = "LOCALCLOUD_IAM_USAGE"


@dataclass(frozen=True, order=True)
class ActionUse:
    role_arn: str
    action: str
    resource: str


@dataclass(frozen=True, order=True)
class PermissionUse:
    function_arn: str
    principal: str  # events.amazonaws.com, sns.amazonaws.com, s3.amazonaws.com, apigateway.amazonaws.com
    source_arn: str
    statement_ids: tuple[str, ...]  # the statements (Sid) of the function's policy that allow it


class Usage:
    """The uses recorded so far (each distinct one once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._actions: set[ActionUse] = set()
        self._permissions: set[PermissionUse] = set()

    def allowed(self, role_arn: str, authorizations: Iterable[tuple[str, str]]) -> None:
        uses = [ActionUse(role_arn, action, resource) for action, resource in authorizations]
        if any(use not in self._actions for use in uses):
            with self._lock:
                self._actions.update(uses)

    def invoked(self, function_arn: str, principal: str, source_arn: str | None, statement_ids: Iterable[str]) -> None:
        use = PermissionUse(function_arn, principal, source_arn or "", tuple(sorted(statement_ids)))
        if use not in self._permissions:
            with self._lock:
                self._permissions.add(use)

    def actions(self) -> frozenset[ActionUse]:
        with self._lock:
            return frozenset(self._actions)

    def permissions(self) -> frozenset[PermissionUse]:
        with self._lock:
            return frozenset(self._permissions)

    def merge(self, other: Usage) -> None:
        actions, permissions = other.actions(), other.permissions()
        with self._lock:
            self._actions.update(actions)
            self._permissions.update(permissions)

    def take(self) -> tuple[frozenset[ActionUse], frozenset[PermissionUse]]:
        """What was recorded, forgotten here (the next `take` has only what came after)."""
        with self._lock:
            taken = frozenset(self._actions), frozenset(self._permissions)
            self._actions.clear()
            self._permissions.clear()
        return taken

    def to_json(self) -> dict[str, Any]:
        return run_json(self.actions(), self.permissions())


def run_json(actions: Iterable[ActionUse], permissions: Iterable[PermissionUse]) -> dict[str, Any]:
    return {
        "actions": [[use.role_arn, use.action, use.resource] for use in sorted(actions)],
        "permissions": [
            {
                "function": use.function_arn,
                "principal": use.principal,
                "source": use.source_arn,
                "statements": list(use.statement_ids),
            }
            for use in sorted(permissions)
        ],
    }


def actions_of(run: Mapping[str, Any]) -> frozenset[ActionUse]:
    return frozenset(ActionUse(*map(str, entry)) for entry in run.get("actions", []))


def permissions_of(run: Mapping[str, Any]) -> frozenset[PermissionUse]:
    return frozenset(
        PermissionUse(str(e["function"]), str(e["principal"]), str(e["source"]), tuple(map(str, e["statements"])))
        for e in run.get("permissions", [])
    )


class _Active:
    usage: Usage | None = None


def active() -> Usage | None:
    return _Active.usage


def enable(usage: Usage | None = None) -> Usage:
    """Records from now on into `usage` (a new one if None); returns it."""
    _Active.usage = usage or Usage()
    return _Active.usage


def disable() -> None:
    _Active.usage = None


@contextmanager
def recording() -> Iterator[Usage]:
    """Records into a new `Usage` while in the block (what one scenario uses); afterwards what it recorded is
    also the recorder's that was active before, if any, which records again."""
    previous = _Active.usage
    current = enable()
    try:
        yield current
    finally:
        _Active.usage = previous
        if previous is not None:
            previous.merge(current)


def from_environment() -> Usage | None:
    """Enables recording when `LOCALCLOUD_IAM_USAGE` is set (keeps recording into what is active)."""
    if not os.environ.get(ENVIRONMENT_VARIABLE):
        return None
    return _Active.usage or enable()


def write(path: str | Path, usage: Usage, grants: Mapping[str, Any] | None = None) -> None:
    """Appends what `usage` recorded (taking it) and `grants` as one run to the JSON file at `path`."""
    actions, permissions = usage.take()
    run = {**run_json(actions, permissions), "grants": dict(grants or {})}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.with_name(target.name + ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        runs = load(target) if target.exists() and target.stat().st_size else []
        runs.append(run)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(json.dumps({"runs": runs}, indent=1) + "\n")
        temporary.replace(target)


def load(path: str | Path) -> list[dict[str, Any]]:
    data = json.loads(Path(path).read_text())
    return list(data.get("runs", []))
