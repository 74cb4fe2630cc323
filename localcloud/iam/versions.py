"""A counter every IAM write bumps, so policies compiled for a version are never used after a change.

`install()` wraps, once, each method of moto's `IAMBackend` that changes state (its name starts with a
write verb: put, delete, attach, detach, create, update, set, add, remove, tag, untag): in-process calls and
the AWS endpoint's (`aws iam put-role-policy`) both go through the backend. Reads are never counted.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from typing import Any, Final

WRITE_VERBS: Final = ("put_", "delete_", "attach_", "detach_", "create_", "update_", "set_", "add_", "remove_")
WRITE_VERBS_EXACT: Final = ("tag_role", "untag_role")
_MARK: Final = "_localcloud_iam_version"

_counter = itertools.count(1)
_version = 0
_lock = threading.Lock()


def current() -> int:
    return _version


def bump() -> None:
    global _version
    with _lock:
        _version = next(_counter)


def _counted(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def write(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        finally:
            bump()

    setattr(write, _MARK, True)
    return write


def install() -> None:
    from moto.iam.models import IAMBackend

    for name, member in list(vars(IAMBackend).items()):
        writes = name.startswith(WRITE_VERBS) or name in WRITE_VERBS_EXACT
        if writes and callable(member) and not getattr(member, _MARK, False):
            setattr(IAMBackend, name, _counted(member))
