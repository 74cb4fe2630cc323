"""A statement's `Condition` block, compiled: the operators the app's templates use, and only those.

`SUPPORTED` lists them (the templates' resource policies use `Bool` for `aws:SecureTransport`,
`ArnEquals`/`ArnLike` for `aws:SourceArn` and `StringEquals` for `aws:SourceAccount`). Any other operator
raises `UnsupportedCondition` when the document is compiled, so a policy the local cloud cannot judge stops
the start instead of being judged wrongly. Semantics as IAM's: every operator of the block must hold, every
key of an operator, and a key holds when its request value equals one of the listed values; a key absent
from the request fails the condition. Key names are case-insensitive (`AWS:SourceArn` is `aws:SourceArn`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from localcloud.iam.patterns import Matcher, arn_like

# The request's condition keys, names lower-cased.
RequestContext = Mapping[str, str]
Condition = Callable[[RequestContext], bool]


class UnsupportedCondition(ValueError):
    """A condition operator the local cloud does not evaluate; the message names it."""

    def __init__(self, operator: str) -> None:
        super().__init__(
            f"condition operator {operator} is not evaluated by the local cloud (supported: {', '.join(SUPPORTED)}); "
            "extend localcloud/iam/conditions.py"
        )
        self.operator = operator


def _equals(value: str) -> Matcher:
    return lambda text: text == value


def _bool(value: str) -> Matcher:
    folded = value.casefold()
    return lambda text: text.casefold() == folded


SUPPORTED: Final[dict[str, Callable[[str], Matcher]]] = {
    "StringEquals": _equals,
    "ArnEquals": arn_like,  # ArnEquals and ArnLike are the same test in IAM
    "ArnLike": arn_like,
    "Bool": _bool,
}


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def compile_condition(block: Mapping[str, Any] | None) -> Condition | None:
    """None for no condition; raises `UnsupportedCondition` for an operator outside `SUPPORTED`."""
    if not block:
        return None
    tests: list[tuple[str, tuple[Matcher, ...]]] = []
    for operator, keys in block.items():
        factory = SUPPORTED.get(operator)
        if factory is None:
            raise UnsupportedCondition(operator)
        if not isinstance(keys, Mapping):
            raise ValueError(f"condition {operator} must map keys to values")
        for key, value in keys.items():
            tests.append((str(key).lower(), tuple(factory(item) for item in _values(value))))

    def holds(context: RequestContext) -> bool:
        for key, matchers in tests:
            value = context.get(key)
            if value is None or not any(matcher(value) for matcher in matchers):
                return False
        return True

    return holds
