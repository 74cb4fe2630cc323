"""Each function's environment as a typed model, read and checked once, at the first invocation.

The constructs set the variables (docs/contracts.md "Functions"); a handler's composition root calls
`load(<its model>)`, so a missing or malformed variable fails that invocation with a message naming
the variable, instead of a `KeyError` somewhere later. Frozen dataclasses rather than pydantic: the
order path imports nothing heavy (docs/architecture.md §9).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from trading_core.contracts import (
    DEFAULT_MARKET_DATA_PROVIDER,
    EVENT_BUS_ENV,
    HISTORY_LOOKUP_FUNCTION_ENV,
    IDEMPOTENCY_TABLE_ENV,
    MARKET_DATA_BUCKET_ENV,
    MARKET_DATA_PROVIDER_ENV,
    MARKET_DATA_PROVIDERS,
    MARKET_DATA_TABLE_ENV,
    ORDERS_TOPIC_ENV,
    PARAMETER_PREFIX_ENV,
    TICKER_LOOKUP_FUNCTION_ENV,
    TICKER_MAP_WORKFLOW_ENV,
    TRADES_BUCKET_ENV,
    TRADES_TABLE_ENV,
)

Model = TypeVar("Model")

_VARIABLE: Final = "variable"
_PARSE: Final = "parse"
_DEFAULT: Final = "default"


class InvalidEnvironment(RuntimeError):
    """Variables of a function's environment are missing or malformed; the message names each one."""

    def __init__(self, model: str, problems: list[str]) -> None:
        super().__init__(f"{model}: " + "; ".join(problems) + " (see docs/contracts.md)")
        self.problems = problems


class InvalidParameter(ValueError):
    """A run-time SSM parameter holds a value outside its allowed set: a configuration error, reported with
    the parameter and the values it may take. (Deployed parameters have an AllowedPattern, so SSM refuses
    such a value; this catches one written around it, e.g. in the local cloud or a hand-made stage.)"""

    def __init__(self, parameter: str, value: str, allowed: Sequence[str]) -> None:
        super().__init__(
            f"configuration error: SSM parameter {parameter} is {value!r}; allowed values: {', '.join(allowed)}"
        )
        self.parameter = parameter
        self.value = value
        self.allowed = tuple(allowed)


def allowed_value(parameter: str, value: str, allowed: Sequence[str]) -> str:
    """`value` if it is one of `allowed`, else InvalidParameter naming the parameter and the allowed values."""
    if value not in allowed:
        raise InvalidParameter(parameter, value, allowed)
    return value


def _text(value: str) -> str:
    return value


def _parameter_prefix(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("must start with '/'")
    return value.rstrip("/")


def _one_of(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        normalized = value.strip().lower()
        if normalized not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return normalized

    return parse


def variable(name: str, parse: Callable[[str], Any] = _text, default: str | None = None) -> Any:
    """A field read from the variable `name`; required (non-empty) unless it has a default."""
    return dataclasses.field(metadata={_VARIABLE: name, _PARSE: parse, _DEFAULT: default})


def load(model: type[Model], environ: Mapping[str, str] | None = None) -> Model:
    """The model's fields from the environment; every problem is reported at once."""
    source = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: list[str] = []
    for field in dataclasses.fields(model):  # type: ignore[arg-type]
        name = field.metadata[_VARIABLE]
        raw = source.get(name, "").strip() or field.metadata[_DEFAULT]
        if raw is None:
            problems.append(f"environment variable {name} is not set")
            continue
        try:
            values[field.name] = field.metadata[_PARSE](raw)
        except ValueError as error:
            problems.append(f"environment variable {name}={raw!r} {error}")
    if problems:
        raise InvalidEnvironment(model.__name__, problems)
    return model(**values)


@dataclass(frozen=True, kw_only=True)
class OrderRouterEnvironment:
    trades_table: str = variable(TRADES_TABLE_ENV)
    idempotency_table: str = variable(IDEMPOTENCY_TABLE_ENV)
    parameter_prefix: str = variable(PARAMETER_PREFIX_ENV, _parameter_prefix)
    event_bus: str = variable(EVENT_BUS_ENV)
    orders_topic: str = variable(ORDERS_TOPIC_ENV)
    market_data_table: str = variable(MARKET_DATA_TABLE_ENV)
    ticker_map_workflow: str = variable(TICKER_MAP_WORKFLOW_ENV)
    ticker_lookup_function: str = variable(TICKER_LOOKUP_FUNCTION_ENV)


@dataclass(frozen=True, kw_only=True)
class PoolEnvironment:
    """The dark pool's and the lit pool's."""

    parameter_prefix: str = variable(PARAMETER_PREFIX_ENV, _parameter_prefix)
    event_bus: str = variable(EVENT_BUS_ENV)
    orders_topic: str = variable(ORDERS_TOPIC_ENV)


@dataclass(frozen=True, kw_only=True)
class OrderBookEnvironment:
    """The order book reads the resting orders and market prices, publishes marketable orders."""

    trades_table: str = variable(TRADES_TABLE_ENV)
    market_data_table: str = variable(MARKET_DATA_TABLE_ENV)
    parameter_prefix: str = variable(PARAMETER_PREFIX_ENV, _parameter_prefix)
    event_bus: str = variable(EVENT_BUS_ENV)
    orders_topic: str = variable(ORDERS_TOPIC_ENV)


@dataclass(frozen=True, kw_only=True)
class TradeArchiverEnvironment:
    """The archiver writes settled objects to the trades bucket and announces them on the bus."""

    trades_bucket: str = variable(TRADES_BUCKET_ENV)
    parameter_prefix: str = variable(PARAMETER_PREFIX_ENV, _parameter_prefix)
    event_bus: str = variable(EVENT_BUS_ENV)
    orders_topic: str = variable(ORDERS_TOPIC_ENV)


@dataclass(frozen=True, kw_only=True)
class DataApiEnvironment:
    """The data API reads TradesStore, the MarketData table for market prices, and invokes the historical-data
    function for the closes a portfolio lacks."""

    trades_table: str = variable(TRADES_TABLE_ENV)
    market_data_table: str = variable(MARKET_DATA_TABLE_ENV)
    history_lookup_function: str = variable(HISTORY_LOOKUP_FUNCTION_ENV)


@dataclass(frozen=True, kw_only=True)
class TradesTableEnvironment:
    """Functions that only use TradesStore: the post-trade processor, the aggregator, the storage analyzer, the
    customer seeder, the order canceller and the customer accounts."""

    trades_table: str = variable(TRADES_TABLE_ENV)


@dataclass(frozen=True, kw_only=True)
class FundsRaiserEnvironment:
    trades_table: str = variable(TRADES_TABLE_ENV)
    parameter_prefix: str = variable(PARAMETER_PREFIX_ENV, _parameter_prefix)


@dataclass(frozen=True, kw_only=True)
class MarketDataFetchEnvironment:
    """The three fetching functions: quote summary, historical data and the ticker-map fetcher."""

    market_data_table: str = variable(MARKET_DATA_TABLE_ENV)
    market_data_bucket: str = variable(MARKET_DATA_BUCKET_ENV)
    provider: str = variable(
        MARKET_DATA_PROVIDER_ENV, _one_of(*MARKET_DATA_PROVIDERS), default=DEFAULT_MARKET_DATA_PROVIDER
    )


@dataclass(frozen=True, kw_only=True)
class MarketDataApiEnvironment:
    market_data_table: str = variable(MARKET_DATA_TABLE_ENV)


@dataclass(frozen=True, kw_only=True)
class NoDataNotifierEnvironment:
    event_bus: str = variable(EVENT_BUS_ENV)
