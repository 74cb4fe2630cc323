"""IAM wildcard patterns (`*` any run of characters, `?` one character) compiled once per distinct text.

Actions match case-insensitively (`dynamodb:putitem` is `dynamodb:PutItem`); resources and string
conditions case-sensitively. ARN conditions (`ArnLike`, `ArnEquals`) match each of the six colon-separated
parts on its own, so a wildcard never spans a colon there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

Matcher = Callable[[str], bool]


def _regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), flags | re.DOTALL)


@functools.lru_cache(maxsize=4096)
def wildcard(pattern: str, *, ignore_case: bool = False) -> Matcher:
    """A matcher of the whole text; a pattern without wildcards is a plain comparison."""
    if "*" not in pattern and "?" not in pattern:
        if ignore_case:
            folded = pattern.casefold()
            return lambda text: text.casefold() == folded
        return lambda text: text == pattern
    if pattern == "*":
        return lambda text: True
    regex = _regex(pattern, re.IGNORECASE if ignore_case else 0)
    return lambda text: regex.fullmatch(text) is not None


@functools.lru_cache(maxsize=1024)
def arn_like(pattern: str) -> Matcher:
    """`ArnLike`/`ArnEquals`: each of the six parts against the pattern's part; a non-ARN text never matches."""
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return wildcard(pattern)
    matchers = tuple(wildcard(part) for part in parts)

    def match(text: str) -> bool:
        values = text.split(":", 5)
        return len(values) == 6 and all(matcher(value) for matcher, value in zip(matchers, values, strict=True))

    return match
