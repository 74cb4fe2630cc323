"""Stage settings from the `cdk.json` context (`stages.<stage>`), parsed and checked once into typed values."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from trading_core import contracts

SYSTEM_NAME: Final = "trading-system"
MARKET_DATA_PROVIDER_CONTEXT: Final = "marketDataProvider"
"""The stage's key, and the top-level context key that overrides it (the local cloud sets `offline`)."""

_RETENTION: Final[Mapping[int, logs.RetentionDays]] = MappingProxyType(
    {
        1: logs.RetentionDays.ONE_DAY,
        3: logs.RetentionDays.THREE_DAYS,
        5: logs.RetentionDays.FIVE_DAYS,
        7: logs.RetentionDays.ONE_WEEK,
        14: logs.RetentionDays.TWO_WEEKS,
        30: logs.RetentionDays.ONE_MONTH,
        60: logs.RetentionDays.TWO_MONTHS,
        90: logs.RetentionDays.THREE_MONTHS,
        120: logs.RetentionDays.FOUR_MONTHS,
        150: logs.RetentionDays.FIVE_MONTHS,
        180: logs.RetentionDays.SIX_MONTHS,
        365: logs.RetentionDays.ONE_YEAR,
        400: logs.RetentionDays.THIRTEEN_MONTHS,
        545: logs.RetentionDays.EIGHTEEN_MONTHS,
        731: logs.RetentionDays.TWO_YEARS,
        1827: logs.RetentionDays.FIVE_YEARS,
        3653: logs.RetentionDays.TEN_YEARS,
    }
)
_REMOVAL: Final[Mapping[str, cdk.RemovalPolicy]] = MappingProxyType(
    {"destroy": cdk.RemovalPolicy.DESTROY, "retain": cdk.RemovalPolicy.RETAIN, "snapshot": cdk.RemovalPolicy.SNAPSHOT}
)


class ConfigError(ValueError):
    """The cdk.json context does not describe a usable stage."""


@dataclass(frozen=True, kw_only=True)
class ApiThrottle:
    rate_limit: float
    burst_limit: int


@dataclass(frozen=True, kw_only=True)
class StageParameters:
    """Defaults of the run-time SSM parameters (docs/contracts.md)."""

    bus_type: str
    dark_pool_tickers: tuple[str, ...]
    dark_pools: tuple[str, ...]
    lit_pools: tuple[str, ...]
    venue_fees: Mapping[str, str]
    order_split_size: int
    dark_pool_match_probability: str
    market_data_invoke_mode: str

    @classmethod
    def from_context(cls, raw: Mapping[str, Any]) -> StageParameters:
        key = contracts.PARAMETER_CONTEXT_KEYS
        return cls(
            bus_type=str(raw[key[contracts.BUS_TYPE_PARAMETER]]),
            dark_pool_tickers=tuple(str(t) for t in raw[key[contracts.DARK_POOL_TICKERS_PARAMETER]]),
            dark_pools=tuple(str(v) for v in raw[key[contracts.DARK_POOLS_PARAMETER]]),
            lit_pools=tuple(str(v) for v in raw[key[contracts.LIT_POOLS_PARAMETER]]),
            venue_fees=MappingProxyType({str(k): str(v) for k, v in raw[key[contracts.VENUE_FEES_PARAMETER]].items()}),
            order_split_size=int(raw[key[contracts.ORDER_SPLIT_SIZE_PARAMETER]]),
            dark_pool_match_probability=str(raw[key[contracts.DARK_POOL_MATCH_PROBABILITY_PARAMETER]]),
            market_data_invoke_mode=str(raw[key[contracts.MARKET_DATA_INVOKE_MODE_PARAMETER]]),
        )

    def venue_fees_json(self) -> str:
        return json.dumps(dict(self.venue_fees), separators=(",", ":"))


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    """Everything that differs between stages; every resource name and SSM path carries `stage`."""

    stage: str
    region: str
    removal_policy_name: str
    log_retention_days: int
    api_throttle: ApiThrottle
    api_quota_per_day: int
    alarms: bool
    powertools_layer_version: int
    parameters: StageParameters
    market_data_provider: str = contracts.DEFAULT_MARKET_DATA_PROVIDER
    """`MARKET_DATA_PROVIDER` of the market-data functions (docs/market-data.md): `yfinance` or `offline`."""

    @classmethod
    def from_context(cls, stage: str, stages: Mapping[str, Any]) -> StageConfig:
        if stage not in stages:
            raise ConfigError(f"unknown stage {stage!r}; cdk.json context 'stages' defines {sorted(stages)}")
        raw = stages[stage]
        try:
            config = cls(
                stage=stage,
                region=str(raw["region"]),
                removal_policy_name=str(raw["removalPolicy"]).lower(),
                log_retention_days=int(raw["logRetentionDays"]),
                api_throttle=ApiThrottle(
                    rate_limit=float(raw["apiThrottle"]["rateLimit"]),
                    burst_limit=int(raw["apiThrottle"]["burstLimit"]),
                ),
                api_quota_per_day=int(raw["apiQuotaPerDay"]),
                alarms=_as_bool(raw.get("alarms", False)),
                powertools_layer_version=int(raw["powertoolsLayerVersion"]),
                parameters=StageParameters.from_context(raw["parameters"]),
                market_data_provider=str(raw.get(MARKET_DATA_PROVIDER_CONTEXT, contracts.DEFAULT_MARKET_DATA_PROVIDER))
                .strip()
                .lower(),
            )
        except KeyError as missing:
            raise ConfigError(f"stage {stage!r} lacks setting {missing}") from None
        if config.removal_policy_name not in _REMOVAL:
            raise ConfigError(f"stage {stage!r}: removalPolicy must be one of {sorted(_REMOVAL)}")
        if config.log_retention_days not in _RETENTION:
            raise ConfigError(f"stage {stage!r}: logRetentionDays must be one of {sorted(_RETENTION)}")
        if config.market_data_provider not in contracts.MARKET_DATA_PROVIDERS:
            providers = sorted(contracts.MARKET_DATA_PROVIDERS)
            raise ConfigError(f"stage {stage!r}: marketDataProvider must be one of {providers}")
        if config.parameters.market_data_invoke_mode not in contracts.INVOKE_MODES:
            modes = list(contracts.INVOKE_MODES)
            raise ConfigError(f"stage {stage!r}: parameters.marketDataInvokeMode must be one of {modes}")
        return config

    def with_market_data_provider(self, provider: object) -> StageConfig:
        """This config with the provider overridden (context `marketDataProvider`), unchanged for None."""
        if provider is None:
            return self
        name = str(provider).strip().lower()
        if name not in contracts.MARKET_DATA_PROVIDERS:
            raise ConfigError(f"context marketDataProvider must be one of {sorted(contracts.MARKET_DATA_PROVIDERS)}")
        return dataclasses.replace(self, market_data_provider=name)

    @property
    def prefix(self) -> str:
        """`trading-system-<stage>`: the prefix of every physical resource name."""
        return f"{SYSTEM_NAME}-{self.stage}"

    @property
    def parameter_prefix(self) -> str:
        """`/trading-system/<stage>`: the SSM path of the stage's parameters."""
        return f"/{SYSTEM_NAME}/{self.stage}"

    def resource_name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    @property
    def removal_policy(self) -> cdk.RemovalPolicy:
        return _REMOVAL[self.removal_policy_name]

    @property
    def destroy_on_removal(self) -> bool:
        return self.removal_policy_name == "destroy"

    @property
    def log_retention(self) -> logs.RetentionDays:
        return _RETENTION[self.log_retention_days]


def _as_bool(value: object) -> bool:
    """Context from `-c key=value` arrives as a string."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def as_bool(value: object, *, default: bool) -> bool:
    return default if value is None else _as_bool(value)
