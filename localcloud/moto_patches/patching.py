"""What every patch shares: moto's original functions, and the runtime and delivery they route to.

The routing patches fall back to moto's own code while no runtime is active or after `runtime.close()`
(`active_runtime()` is None), so other moto users in the same process are unaffected.
"""

from __future__ import annotations

from typing import Any

from localcloud.delivery.streams import Delivery
from localcloud.lambda_runtime.runtime import LambdaRuntime

ORIGINALS: dict[str, Any] = {}


class _Active:
    runtime: LambdaRuntime | None = None
    delivery: Delivery | None = None


def activate(runtime: LambdaRuntime, delivery: Delivery) -> None:
    """Routes the patched triggers to these (a later call replaces them)."""
    _Active.runtime = runtime
    _Active.delivery = delivery


def active_runtime() -> LambdaRuntime | None:
    runtime = _Active.runtime
    return None if runtime is None or runtime.closed else runtime


def active_delivery() -> Delivery | None:
    return _Active.delivery if active_runtime() is not None else None


def _key(owner: Any, name: str) -> str:
    return f"{getattr(owner, '__module__', '')}.{getattr(owner, '__qualname__', owner.__name__)}.{name}"


def replace(owner: Any, name: str, replacement: Any) -> None:
    """Sets `owner.name` to `replacement`, keeping moto's original (once: a second call does nothing)."""
    key = _key(owner, name)
    if key in ORIGINALS:
        return
    ORIGINALS[key] = getattr(owner, name)
    setattr(owner, name, replacement)


def original(owner: Any, name: str) -> Any:
    """moto's own `owner.name`, as it was before `replace` (KeyError if it was not replaced)."""
    return ORIGINALS[_key(owner, name)]
