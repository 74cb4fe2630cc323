"""Run-time configuration: the SSM String parameters of docs/contracts.md under `/trading-system/<stage>/`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib.config import StageConfig, StageParameters
from trading_core import config as names

PARAMETER_NAMES: Final = (
    names.BUS_TYPE,
    names.DARK_POOL_TICKERS,
    names.DARK_POOLS,
    names.LIT_POOLS,
    names.VENUE_FEES,
    names.ORDER_SPLIT_SIZE,
    names.DARK_POOL_MATCH_PROBABILITY,
    names.MARKET_DATA_INVOKE_MODE,
)


def parameter_values(parameters: StageParameters) -> dict[str, str]:
    """Short name -> the String value a deployment writes (lists comma-joined, fees as a JSON object)."""
    return {
        names.BUS_TYPE: parameters.bus_type,
        names.DARK_POOL_TICKERS: ",".join(parameters.dark_pool_tickers),
        names.DARK_POOLS: ",".join(parameters.dark_pools),
        names.LIT_POOLS: ",".join(parameters.lit_pools),
        names.VENUE_FEES: parameters.venue_fees_json(),
        names.ORDER_SPLIT_SIZE: str(parameters.order_split_size),
        names.DARK_POOL_MATCH_PROBABILITY: parameters.dark_pool_match_probability,
        names.MARKET_DATA_INVOKE_MODE: parameters.market_data_invoke_mode,
    }


@dataclass(frozen=True, kw_only=True)
class ConfigurationProps:
    config: StageConfig


class Configuration(Construct):
    """Creates every parameter with the stage's default; functions are granted read on named ones only."""

    parameters: Mapping[str, ssm.IStringParameter]

    def __init__(self, scope: Construct, id: str, *, props: ConfigurationProps) -> None:
        super().__init__(scope, id)
        values = parameter_values(props.config.parameters)
        created: dict[str, ssm.IStringParameter] = {}
        for short_name in PARAMETER_NAMES:
            created[short_name] = ssm.StringParameter(
                self,
                "".join(part.title() for part in short_name.split("-")),
                parameter_name=f"{props.config.parameter_prefix}/{short_name}",
                string_value=values[short_name],
                tier=ssm.ParameterTier.STANDARD,
                description=f"trading system {props.config.stage}: {short_name}",
            )
        self.parameters = MappingProxyType(created)

    def select(self, short_names: Iterable[str]) -> list[ssm.IStringParameter]:
        return [self.parameters[name] for name in short_names]
