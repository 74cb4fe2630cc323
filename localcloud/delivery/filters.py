"""An event source mapping's filter criteria, compiled once into a matcher of stream records.

`filters`: each a pattern dict, or `{"Pattern": "<json>"}`, or the JSON text; a record is delivered if any
pattern matches; no filter delivers everything. Pattern forms: nested objects, lists of alternatives with
exact values (string, number, boolean, null), `prefix`, `suffix`, `equals-ignore-case`, `anything-but`
(value, list, or `{"prefix": ...}`), `exists`, `numeric` and `$or`; any other form is rejected when the
mapping is added (`UnsupportedPattern`, a ValueError), not silently ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Final

Matcher = Callable[[dict[str, Any]], bool]
_MISSING: Final = object()


class UnsupportedPattern(ValueError):
    pass


def compile_filters(filters: Sequence[Any]) -> Matcher:
    """One matcher for the mapping's FilterCriteria (any pattern matches; none at all matches everything)."""
    patterns = [compile_pattern(_pattern_of(entry)) for entry in filters]
    if not patterns:
        return lambda record: True
    return lambda record: any(pattern(record) for pattern in patterns)


def _pattern_of(entry: Any) -> dict[str, Any]:
    if isinstance(entry, str):
        entry = json.loads(entry)
    if isinstance(entry, dict) and set(entry) == {"Pattern"} and isinstance(entry["Pattern"], str):
        entry = json.loads(entry["Pattern"])
    if not isinstance(entry, dict):
        raise UnsupportedPattern(f"a filter pattern must be a JSON object, not {entry!r}")
    return entry


def compile_pattern(pattern: dict[str, Any]) -> Matcher:
    checks: list[Matcher] = []
    for key, sub in pattern.items():
        if key == "$or":
            if not isinstance(sub, list) or len(sub) < 2:
                raise UnsupportedPattern(f"$or needs a list of at least two patterns, not {sub!r}")
            checks.append(_any_of([compile_pattern(_pattern_of(alternative)) for alternative in sub]))
        elif isinstance(sub, dict):
            checks.append(_nested(key, compile_pattern(sub)))
        elif isinstance(sub, list):
            checks.append(_field(key, _compile_leaf(key, sub)))
        else:
            raise UnsupportedPattern(f"pattern field {key!r}: expected an object or a list, not {sub!r}")
    return lambda value: isinstance(value, dict) and all(check(value) for check in checks)


def _any_of(alternatives: list[Matcher]) -> Matcher:
    return lambda value: any(alternative(value) for alternative in alternatives)


def _nested(key: str, nested: Matcher) -> Matcher:
    return lambda value: isinstance(value.get(key), dict) and nested(value[key])


def _field(key: str, leaf: Callable[[Any], bool]) -> Matcher:
    return lambda value: leaf(value.get(key, _MISSING))


def _compile_leaf(key: str, alternatives: list[Any]) -> Callable[[Any], bool]:
    if not alternatives:
        raise UnsupportedPattern(f"pattern field {key!r}: an empty list matches nothing")
    matchers = [_compile_alternative(key, alternative) for alternative in alternatives]
    exists_only = [m for m, a in zip(matchers, alternatives, strict=True) if isinstance(a, dict) and "exists" in a]

    def leaf(value: Any) -> bool:
        if value is _MISSING:
            return any(m(_MISSING) for m in exists_only)
        values = value if isinstance(value, list) else [value]
        return any(m(v) for m in matchers for v in values)

    return leaf


def _same_scalar(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool) or expected is None or value is None:
        return expected is value or (type(expected) is type(value) and expected == value)
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return float(expected) == float(value)
    return type(expected) is type(value) and expected == value


def _compile_alternative(key: str, alternative: Any) -> Callable[[Any], bool]:
    if alternative is None or isinstance(alternative, str | int | float | bool):
        return lambda value: value is not _MISSING and _same_scalar(alternative, value)
    if not isinstance(alternative, dict) or len(alternative) != 1:
        raise UnsupportedPattern(f"pattern field {key!r}: unsupported alternative {alternative!r}")
    ((operator, operand),) = alternative.items()
    if operator == "prefix" and isinstance(operand, str):
        return lambda value: isinstance(value, str) and value.startswith(operand)
    if operator == "suffix" and isinstance(operand, str):
        return lambda value: isinstance(value, str) and value.endswith(operand)
    if operator == "equals-ignore-case" and isinstance(operand, str):
        return lambda value: isinstance(value, str) and value.casefold() == operand.casefold()
    if operator == "exists" and isinstance(operand, bool):
        return lambda value: (value is not _MISSING) is operand
    if operator == "anything-but":
        if isinstance(operand, dict) and set(operand) == {"prefix"} and isinstance(operand["prefix"], str):
            prefix = operand["prefix"]
            return lambda value: isinstance(value, str) and not value.startswith(prefix)
        excluded = operand if isinstance(operand, list) else [operand]
        if not all(e is None or isinstance(e, str | int | float | bool) for e in excluded):
            raise UnsupportedPattern(f"pattern field {key!r}: unsupported anything-but {operand!r}")
        return lambda value: value is not _MISSING and not any(_same_scalar(e, value) for e in excluded)
    if operator == "numeric" and isinstance(operand, list):
        return _compile_numeric(key, operand)
    raise UnsupportedPattern(f"pattern field {key!r}: unsupported filter form {alternative!r}")


_COMPARISONS: Final[dict[str, Callable[[float, float], bool]]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compile_numeric(key: str, operand: list[Any]) -> Callable[[Any], bool]:
    if len(operand) not in (2, 4):
        raise UnsupportedPattern(f"pattern field {key!r}: unsupported numeric {operand!r}")
    conditions = []
    for index in range(0, len(operand), 2):
        operator, bound = operand[index], operand[index + 1]
        if operator not in _COMPARISONS or isinstance(bound, bool) or not isinstance(bound, int | float):
            raise UnsupportedPattern(f"pattern field {key!r}: unsupported numeric {operand!r}")
        conditions.append((_COMPARISONS[operator], float(bound)))

    def numeric(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return all(compare(float(value), bound) for compare, bound in conditions)

    return numeric
