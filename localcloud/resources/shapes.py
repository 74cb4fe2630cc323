"""CloudFormation's property shapes in the API shapes boto3 takes, and CloudFormation's generated names."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# `Tags` as templates write them: a list of {Key, Value}, or a map for a few types.
Tags = list[dict[str, Any]] | dict[str, Any]


def physical_name(stack: str, logical_id: str, *, max_length: int = 64, lower: bool = False) -> str:
    """CloudFormation's `<stack>-<logicalId>-<SUFFIX>` for unnamed resources (deterministic here)."""
    suffix = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()[:12].upper()
    base = f"{stack}-{logical_id}"[: max_length - len(suffix) - 1]
    name = f"{base}-{suffix}"
    return name.lower() if lower else name


def tags(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict):
        return [{"Key": key, "Value": str(item)} for key, item in value.items()]
    return [{"Key": str(tag["Key"]), "Value": str(tag["Value"])} for tag in value or []]


def tag_map(value: Any) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags(value)}


def json_text(value: Any) -> str:
    """A policy or pattern as the API wants it: JSON text (templates may hold either)."""
    return value if isinstance(value, str) else json.dumps(value)


def flag_text(value: Any) -> str:
    """An attribute value of SQS and SNS: booleans as `true`/`false`, the rest as text."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def present(values: Mapping[str, object], *keys: str) -> dict[str, Any]:
    """The `keys` that `values` has, not None: the optional properties passed through as they are."""
    return {key: values[key] for key in keys if values.get(key) is not None}
