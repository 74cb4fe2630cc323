"""Run-time parameters from SSM Parameter Store (`/trading-system/<stage>/…`, docs/contracts.md).

Domain code reads them through a `ParameterReader`, a plain callable, so tests pass a dict. The
functions' reader is `common.ssm.ssm_reader` (Powertools Parameters, cached for
`POWERTOOLS_PARAMETERS_MAX_AGE` seconds), so a change such as switching `bus-type` takes effect within
a minute without a redeploy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from trading_core.common.money import to_decimal

# Reads a batch of parameters by short name (without the prefix) and returns short name -> value.
ParameterReader = Callable[[list[str]], dict[str, str]]


def split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_fees(value: str) -> dict[str, Decimal]:
    raw = json.loads(value)
    return {str(venue): to_decimal(rate) for venue, rate in raw.items()}


def single(read: ParameterReader, name: str) -> Callable[[], str]:
    """One parameter, read anew (through the reader's cache) at every call."""
    return lambda: read([name])[name]
