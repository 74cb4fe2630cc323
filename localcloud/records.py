"""What deploying a template produces, and the error when the local cloud cannot deploy it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DeployError(RuntimeError):
    """A template the local cloud cannot deploy; the message names the stack, resource and type."""


@dataclass
class DeployedResource:
    logical_id: str
    type: str
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None  # why nothing was created; `Fn::GetAtt` on it is an error


@dataclass
class StackResult:
    name: str
    resources: dict[str, DeployedResource]
    outputs: dict[str, Any]
    exports: dict[str, Any]
    seconds: float
    notes: list[str] = field(default_factory=list)
