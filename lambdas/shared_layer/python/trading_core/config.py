"""Run-time configuration from SSM Parameter Store (`/trading-system/<stage>/…`, docs/contracts.md).

Reads go through Powertools Parameters, which caches each value for `POWERTOOLS_PARAMETERS_MAX_AGE`
seconds (the functions set 30; Powertools' own default is 300), so a change such as switching
`bus-type` takes effect within a minute without a redeploy, and a warm function makes one
`GetParameters` call per cache period.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from trading_core.money import to_decimal

BUS_TYPE: Final = "bus-type"
DARK_POOL_TICKERS: Final = "dark-pool-tickers-list"
DARK_POOLS: Final = "dark-pools"
LIT_POOLS: Final = "lit-pools"
VENUE_FEES: Final = "venue-fees"
ORDER_SPLIT_SIZE: Final = "order-split-size"
DARK_POOL_MATCH_PROBABILITY: Final = "dark-pool-match-probability"
MARKET_DATA_INVOKE_MODE: Final = "market-data-invoke-mode"

# Reads a batch of parameters by short name (without the prefix) and returns short name -> value.
ParameterReader = Callable[[list[str]], dict[str, str]]


def ssm_reader(prefix: str | None = None) -> ParameterReader:
    """A reader over Powertools' cached `get_parameters_by_name` (one GetParameters call per batch)."""
    from aws_lambda_powertools.utilities import parameters

    base = (prefix or os.environ["PARAMETER_PREFIX"]).rstrip("/")

    def read(names: list[str]) -> dict[str, str]:
        values = parameters.get_parameters_by_name(parameters={f"{base}/{name}": {} for name in names})
        return {name: str(values[f"{base}/{name}"]) for name in names}

    return read


def split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_fees(value: str) -> dict[str, Decimal]:
    raw = json.loads(value)
    return {str(venue): to_decimal(rate) for venue, rate in raw.items()}


@dataclass(frozen=True, kw_only=True)
class RouterConfig:
    split_size: int
    dark_pool_tickers: frozenset[str]
    venue_fees: Mapping[str, Decimal]

    @classmethod
    def load(cls, read: ParameterReader) -> RouterConfig:
        values = read([ORDER_SPLIT_SIZE, DARK_POOL_TICKERS, VENUE_FEES])
        return cls(
            split_size=int(values[ORDER_SPLIT_SIZE]),
            dark_pool_tickers=frozenset(split_list(values[DARK_POOL_TICKERS])),
            venue_fees=parse_fees(values[VENUE_FEES]),
        )


@dataclass(frozen=True, kw_only=True)
class VenueConfig:
    """The venues of one pool type and the fee rate of every venue."""

    venues: tuple[str, ...]
    venue_fees: Mapping[str, Decimal]
    match_probability: Decimal = Decimal(1)

    @classmethod
    def load_dark(cls, read: ParameterReader) -> VenueConfig:
        values = read([DARK_POOLS, VENUE_FEES, DARK_POOL_MATCH_PROBABILITY])
        return cls(
            venues=split_list(values[DARK_POOLS]),
            venue_fees=parse_fees(values[VENUE_FEES]),
            match_probability=to_decimal(values[DARK_POOL_MATCH_PROBABILITY]),
        )

    @classmethod
    def load_lit(cls, read: ParameterReader) -> VenueConfig:
        values = read([LIT_POOLS, VENUE_FEES])
        return cls(venues=split_list(values[LIT_POOLS]), venue_fees=parse_fees(values[VENUE_FEES]))


def bus_type_reader(read: ParameterReader) -> Callable[[], str]:
    return lambda: read([BUS_TYPE])[BUS_TYPE]
