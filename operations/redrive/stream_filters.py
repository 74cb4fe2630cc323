"""An event source mapping's filter patterns (`FilterCriteria`), applied to stream records read again, so a
replayed batch holds the records the mapping would have delivered. Lambda's pattern syntax: nested objects,
lists of alternatives that are exact values or `prefix`, `suffix`, `equals-ignore-case`, `anything-but`,
`exists`, `numeric`, and `$or`; a record matches when any pattern does. Another form raises
`UnsupportedFilter`: the redrive leaves the message rather than guess.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from typing import Any, Final


class UnsupportedFilter(ValueError):
    pass


_MISSING: Final = object()
_NUMERIC: Final[dict[str, Callable[[float, float], bool]]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def passes(filters: Sequence[str], record: dict[str, Any]) -> bool:
    """True if no filter is set or one of the patterns (JSON text) matches the record."""
    if not filters:
        return True
    return any(matches(_pattern(text), record) for text in filters)


def _pattern(text: str) -> dict[str, Any]:
    try:
        pattern = json.loads(text)
    except ValueError as error:
        raise UnsupportedFilter(f"filter pattern {text!r} is not JSON") from error
    if not isinstance(pattern, dict):
        raise UnsupportedFilter(f"filter pattern {text!r} is not an object")
    return pattern


def matches(pattern: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for key, sub in pattern.items():
        if key == "$or":
            if not isinstance(sub, list) or not all(isinstance(p, dict) for p in sub):
                raise UnsupportedFilter(f"$or needs a list of patterns, not {sub!r}")
            if not any(matches(alternative, value) for alternative in sub):
                return False
        elif isinstance(sub, dict):
            if not matches(sub, value.get(key)):
                return False
        elif isinstance(sub, list):
            if not _field_matches(sub, value.get(key, _MISSING)):
                return False
        else:
            raise UnsupportedFilter(f"filter field {key!r}: expected an object or a list, not {sub!r}")
    return True


def _field_matches(alternatives: list[Any], value: Any) -> bool:
    if any(isinstance(rule, dict) and "exists" in rule for rule in alternatives):
        present = value is not _MISSING
        return any(isinstance(rule, dict) and rule.get("exists") is present for rule in alternatives) or (
            present and _any_value(alternatives, value)
        )
    if value is _MISSING:
        return False
    return _any_value(alternatives, value)


def _any_value(alternatives: list[Any], value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(_leaf(rule, item) for rule in alternatives for item in values)


def _leaf(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return bool(rule == value)
    if set(rule) == {"exists"}:
        return False  # decided by _field_matches
    if len(rule) != 1:
        raise UnsupportedFilter(f"filter rule {rule!r}: one operator at a time")
    ((name, argument),) = rule.items()
    if name == "prefix":
        return isinstance(value, str) and value.startswith(str(argument))
    if name == "suffix":
        return isinstance(value, str) and value.endswith(str(argument))
    if name == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == str(argument).lower()
    if name == "anything-but":
        return not _anything_but_excludes(argument, value)
    if name == "numeric":
        return _numeric(argument, value)
    raise UnsupportedFilter(f"filter operator {name!r} is not applied by the redrive")


def _anything_but_excludes(argument: Any, value: Any) -> bool:
    if isinstance(argument, dict):
        if set(argument) == {"prefix"}:
            return isinstance(value, str) and value.startswith(str(argument["prefix"]))
        raise UnsupportedFilter(f"anything-but {argument!r} is not applied by the redrive")
    excluded = argument if isinstance(argument, list) else [argument]
    return value in excluded


def _numeric(argument: Any, value: Any) -> bool:
    if not isinstance(argument, list) or len(argument) % 2:
        raise UnsupportedFilter(f"numeric {argument!r}: expected operator, value pairs")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    for index in range(0, len(argument), 2):
        compare = _NUMERIC.get(argument[index])
        if compare is None:
            raise UnsupportedFilter(f"numeric operator {argument[index]!r}")
        if not compare(number, float(argument[index + 1])):
            return False
    return True
