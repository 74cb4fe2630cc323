"""What the deployer registers with the runtime, and how callers name a function.

`name_or_arn` is a function name, a function ARN (a qualifier such as `:$LATEST` is accepted) or a partial
ARN (`123456789012:function:name`). A function that was not registered raises `FunctionNotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_ASYNC_RETRIES: Final = 2


class FunctionNotFound(LookupError):
    """The function is not registered with the local runtime."""


@dataclass(frozen=True, kw_only=True)
class FunctionSpec:
    name: str  # physical FunctionName
    arn: str
    code_dir: Path  # the app's source folder the asset was copied from, e.g. <app>/functions/<name>
    handler: str  # the template's Handler, e.g. "handler.lambda_handler"
    environment: dict[str, str]  # the template's resolved Environment.Variables
    layer_dirs: tuple[Path, ...] = ()  # each one's python/ goes on sys.path
    timeout_seconds: float = 3
    memory_mb: int = 128


@dataclass(frozen=True)
class AsyncConfig:
    """A function's event invoke config: retries of a failed asynchronous invocation, then where it goes."""

    max_retries: int = DEFAULT_ASYNC_RETRIES
    on_failure_arn: str | None = None


def function_name_of(name_or_arn: str) -> str:
    """The function name in a name, a name with a qualifier, an ARN or a partial ARN."""
    parts = name_or_arn.split(":")
    if name_or_arn.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":  # 123456789012:function:name[:qualifier]
        return parts[2]
    return parts[0]
