"""Stage settings from the `cdk.json` context (`stages.<stage>`), parsed and checked once into typed values.

Every rule a deployment depends on is checked here, at synth, so a bad stage fails `cdk synth` with
the field's name instead of deploying a system that fails while running (docs/architecture.md §6).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final, NoReturn

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from trading_core import contracts

SYSTEM_NAME: Final = "trading-system"
MARKET_DATA_PROVIDER_CONTEXT: Final = "marketDataProvider"
"""The stage's key, and the top-level context key that overrides it (the local cloud sets `offline`)."""
ALARM_EMAIL_CONTEXT: Final = "alarmEmail"
"""The stage's key, and the top-level context key that overrides it (`cdk deploy -c alarmEmail=…`)."""
EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STAGE_NAME: Final = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
"""Stage names go into bucket names: lower case, short."""
REGION: Final = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
ACCOUNT: Final = re.compile(r"^\d{12}$")
VENUE: Final = re.compile(r"^[A-Z0-9]{1,10}$")
"""Venue codes travel comma-joined in `dark-pools` and `lit-pools`, and are keys of `venue-fees`."""
ORDER_TICKER: Final = re.compile(contracts.ORDER_TICKER_PATTERN)
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})

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
    {
        "destroy": cdk.RemovalPolicy.DESTROY,
        # Kept on delete and on replacement, removed when the stack's first creation rolls back: a failed first
        # deployment leaves no named table, bucket, log group or queue behind to fail the next one.
        "retain-on-update-or-delete": cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        "snapshot": cdk.RemovalPolicy.SNAPSHOT,
    }
)
_REFUSED_REMOVAL: Final = {
    "retain": "is refused: a first deployment that rolls back would leave the stage's named resources behind, and "
    "the next one would fail with 'already exists'; use retain-on-update-or-delete"
}


class ConfigError(ValueError):
    """The cdk.json context does not describe a usable stage; the message names the field."""


@dataclass(frozen=True)
class _Fields:
    """Reads the fields of one cdk.json object; every error names the field by its path in the stage."""

    stage: str
    raw: Mapping[str, Any]
    path: str = ""

    def fail(self, key: str, problem: str) -> NoReturn:
        raise ConfigError(f"stage {self.stage!r}: {self.path}{key} {problem}")

    def get(self, key: str, default: Any = ...) -> Any:
        if key in self.raw:
            return self.raw[key]
        if default is ...:
            raise ConfigError(f"stage {self.stage!r} lacks setting '{self.path}{key}'")
        return default

    def nested(self, key: str) -> _Fields:
        value = self.get(key)
        if not isinstance(value, Mapping):
            self.fail(key, "must be an object")
        return _Fields(self.stage, value, f"{self.path}{key}.")

    def one_of(self, key: str, allowed: Sequence[str], default: Any = ..., *, lower: bool = False) -> str:
        value = self.get(key, default)
        if lower and isinstance(value, str):
            value = value.strip().lower()
        if value not in allowed:
            self.fail(key, f"must be one of {list(allowed)}")
        return str(value)

    def integer(self, key: str, *, low: int, high: int | None = None) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
            self.fail(key, "must be a whole number")
        number = int(value)
        if number < low or (high is not None and number > high):
            self.fail(key, f"must be between {low} and {high}" if high is not None else f"must be at least {low}")
        return number

    def decimal(self, key: str, value: Any) -> Decimal:
        """A decimal given as a string or a number (never a boolean)."""
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(key, f"must be a decimal, not {value!r}")
        if not number.is_finite():
            self.fail(key, f"must be a decimal, not {value!r}")
        return number

    def boolean(self, key: str, default: bool) -> bool:
        """JSON true/false, or the strings `-c key=value` gives."""
        value = self.get(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.fail(key, f"must be true or false, not {value!r}")

    def strings(self, key: str, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
        """A non-empty list (its SSM parameter holds it comma-joined, and SSM refuses an empty value)."""
        value = self.get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(key, "must be a list of strings")
        if not value:
            self.fail(key, "must not be empty")
        if bad := [item for item in value if not pattern.match(item)]:
            self.fail(key, f"has {bad}, which are not {what} ({pattern.pattern})")
        if len(set(value)) != len(value):
            self.fail(key, f"lists {sorted({item for item in value if value.count(item) > 1})} more than once")
        return tuple(value)


@dataclass(frozen=True, kw_only=True)
class ApiThrottle:
    rate_limit: float
    burst_limit: int


@dataclass(frozen=True, kw_only=True)
class StageParameters:
    """Defaults of the run-time SSM parameters (docs/contracts.md), checked as the functions will read them."""

    bus_type: str
    dark_pool_tickers: tuple[str, ...]
    dark_pools: tuple[str, ...]
    lit_pools: tuple[str, ...]
    venue_fees: Mapping[str, str]
    order_split_size: int
    dark_pool_match_probability: str
    market_data_invoke_mode: str
    market_close_time: str
    auto_top_up: str

    @classmethod
    def from_context(cls, fields: _Fields) -> StageParameters:
        key = contracts.PARAMETER_CONTEXT_KEYS
        pools = {
            key[name]: fields.strings(key[name], VENUE, "venue codes")
            for name in (contracts.DARK_POOLS_PARAMETER, contracts.LIT_POOLS_PARAMETER)
        }
        dark_pools, lit_pools = pools.values()
        if both := sorted(set(dark_pools) & set(lit_pools)):
            fields.fail(key[contracts.LIT_POOLS_PARAMETER], f"repeats {both}, which are dark pools")
        probability_key = key[contracts.DARK_POOL_MATCH_PROBABILITY_PARAMETER]
        probability = fields.get(probability_key)
        if not 0 <= fields.decimal(probability_key, probability) <= 1:
            fields.fail(probability_key, f"must be between 0 and 1, not {probability!r}")
        return cls(
            bus_type=fields.one_of(key[contracts.BUS_TYPE_PARAMETER], contracts.BUS_TYPES),
            dark_pool_tickers=fields.strings(key[contracts.DARK_POOL_TICKERS_PARAMETER], ORDER_TICKER, "order tickers"),
            dark_pools=dark_pools,
            lit_pools=lit_pools,
            venue_fees=_venue_fees(fields, key[contracts.VENUE_FEES_PARAMETER], pools),
            order_split_size=fields.integer(
                key[contracts.ORDER_SPLIT_SIZE_PARAMETER], low=1, high=contracts.MAX_ORDER_QUANTITY
            ),
            dark_pool_match_probability=str(probability),
            market_data_invoke_mode=fields.one_of(
                key[contracts.MARKET_DATA_INVOKE_MODE_PARAMETER], contracts.INVOKE_MODES
            ),
            market_close_time=_close_time(fields, key[contracts.MARKET_CLOSE_TIME_PARAMETER]),
            auto_top_up=fields.one_of(key[contracts.AUTO_TOP_UP_PARAMETER], contracts.AUTO_TOP_UP_VALUES),
        )

    def venue_fees_json(self) -> str:
        return json.dumps(dict(self.venue_fees), separators=(",", ":"))


def _close_time(fields: _Fields, key: str) -> str:
    """`HH:MM` in UTC, as `market.session` reads it."""
    value = fields.get(key)
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        fields.fail(key, f"must be a time HH:MM (UTC), not {value!r}")
    return str(value)


def _venue_fees(fields: _Fields, key: str, pools: Mapping[str, tuple[str, ...]]) -> Mapping[str, str]:
    """Exactly one fee rate per venue of the pools (key -> venues): a fraction of the notional, in [0, 1)."""
    fees = fields.get(key)
    if not isinstance(fees, Mapping):
        fields.fail(key, "must be an object of venue -> fee rate")
    lists = " and ".join(f"{fields.path}{pool}" for pool in pools)
    venues = [venue for pool in pools.values() for venue in pool]
    if missing := [venue for venue in venues if venue not in fees]:
        fields.fail(key, f"has no fee for {missing} (venues of {lists})")
    if unknown := sorted(set(fees) - set(venues)):
        fields.fail(key, f"names {unknown}, which are not venues of {lists}")
    for venue, rate in fees.items():
        if not 0 <= fields.decimal(f"{key}.{venue}", rate) < 1:
            fields.fail(f"{key}.{venue}", f"must be a fraction of the notional in [0, 1), not {rate!r}")
    return MappingProxyType({str(venue): str(rate) for venue, rate in fees.items()})


def _removal_policy(fields: _Fields) -> str:
    value = fields.get("removalPolicy")
    if isinstance(value, str) and value.strip().lower() in _REFUSED_REMOVAL:
        fields.fail("removalPolicy", f"{value!r} {_REFUSED_REMOVAL[value.strip().lower()]}")
    return fields.one_of("removalPolicy", sorted(_REMOVAL), lower=True)


def _email(stage: str, value: object, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not EMAIL.match(value.strip()):
        raise ConfigError(f"stage {stage!r}: {where} must be an email address, not {value!r}")
    return value.strip()


def _retention(fields: _Fields) -> int:
    days = fields.integer("logRetentionDays", low=1)
    if days not in _RETENTION:
        fields.fail("logRetentionDays", f"must be one of {sorted(_RETENTION)}")
    return days


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    """Everything that differs between stages; every resource name and SSM path carries `stage`."""

    stage: str
    account: str | None
    """The stage's AWS account when `cdk.json` pins one, else None: the environment's (`stacks.app_builder`)."""
    region: str | None
    """The stage's region when `cdk.json` pins one, else None: the environment's (`stacks.app_builder`)."""
    removal_policy_name: str
    log_retention_days: int
    api_throttle: ApiThrottle
    api_quota_per_day: int
    alarms: bool
    seed_demo_customers: bool
    """Seed the original's twelve demo customers with 1,000,000.00 each at deploy time (dev; never prod)."""
    alarm_email: str | None
    """Where the stage's alarm topic mails its alarms (an email subscription, confirmed by its owner), or None."""
    parameters: StageParameters
    market_data_provider: str = contracts.DEFAULT_MARKET_DATA_PROVIDER
    """`MARKET_DATA_PROVIDER` of the market-data functions (docs/market-data.md): `yfinance` or `offline`."""

    @classmethod
    def from_context(cls, stage: str, stages: Mapping[str, Any]) -> StageConfig:
        if stage not in stages:
            raise ConfigError(f"unknown stage {stage!r}; cdk.json context 'stages' defines {sorted(stages)}")
        if not STAGE_NAME.match(stage):
            raise ConfigError(f"stage {stage!r}: the name must match {STAGE_NAME.pattern} (it is part of bucket names)")
        raw = stages[stage]
        if not isinstance(raw, Mapping):
            raise ConfigError(f"stage {stage!r} must be an object")
        fields = _Fields(stage, raw)
        region = fields.get("region", None)
        if region is not None and (not isinstance(region, str) or not REGION.match(region)):
            fields.fail("region", f"must be an AWS region such as us-east-1, not {region!r}")
        account = fields.get("account", None)
        if account is not None and (not isinstance(account, str) or not ACCOUNT.match(account)):
            fields.fail("account", f"must be a 12-digit AWS account id (a string), not {account!r}")
        throttle = fields.nested("apiThrottle")
        rate_limit = throttle.decimal("rateLimit", throttle.get("rateLimit"))
        if rate_limit <= 0:
            throttle.fail("rateLimit", "must be positive")
        return cls(
            stage=stage,
            account=account,
            region=region,
            removal_policy_name=_removal_policy(fields),
            log_retention_days=_retention(fields),
            api_throttle=ApiThrottle(rate_limit=float(rate_limit), burst_limit=throttle.integer("burstLimit", low=1)),
            api_quota_per_day=fields.integer("apiQuotaPerDay", low=1),
            alarms=fields.boolean("alarms", default=False),
            seed_demo_customers=fields.boolean("seedDemoCustomers", default=False),
            alarm_email=_email(fields.stage, fields.get(ALARM_EMAIL_CONTEXT, None), ALARM_EMAIL_CONTEXT),
            parameters=StageParameters.from_context(fields.nested("parameters")),
            market_data_provider=fields.one_of(
                MARKET_DATA_PROVIDER_CONTEXT,
                contracts.MARKET_DATA_PROVIDERS,
                contracts.DEFAULT_MARKET_DATA_PROVIDER,
                lower=True,
            ),
        )

    def with_alarm_email(self, email: object) -> StageConfig:
        """This config with the alarm email overridden (context `alarmEmail`), unchanged for None."""
        if email is None:
            return self
        return dataclasses.replace(self, alarm_email=_email(self.stage, email, f"context {ALARM_EMAIL_CONTEXT}"))

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
    def metrics_namespace(self) -> str:
        """`TradingSystem/<stage>`: the functions' metrics (POWERTOOLS_METRICS_NAMESPACE) and the dashboard's."""
        return f"{contracts.METRICS_NAMESPACE}/{self.stage}"

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


def as_bool(value: object, *, default: bool) -> bool:
    """A context flag such as `nag`: `-c key=value` gives a string."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)
