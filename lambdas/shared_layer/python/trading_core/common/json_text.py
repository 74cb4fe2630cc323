"""Request bodies as JSON with exact numbers: what the order and account calls read their bodies with.

A number with a fraction becomes a `Decimal` from its text (never a float), `NaN`/`Infinity` and a field given
twice are refused (`ValueError`), so a price or an amount means exactly what the client wrote.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate field {name!r}")
        result[name] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def loads_exact(text: str) -> Any:
    """The JSON document of `text`; `ValueError` (or `RecursionError`) when it is not one we accept."""
    return json.loads(text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
