"""The run-time SSM parameters (`String`, under `/trading-system/<stage>/`), created with the stage's defaults.

The functions read them while running (`trading_core`), so a value can change without a redeploy;
cdk.json only holds what a deployment writes first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib.stage_config import StageConfig, StageParameters
from trading_core import contracts


def parameter_values(parameters: StageParameters) -> dict[str, str]:
    """Parameter name -> the String value a deployment writes (lists comma-joined, fees as a JSON object)."""
    return {
        contracts.BUS_TYPE_PARAMETER: parameters.bus_type,
        contracts.DARK_POOL_TICKERS_PARAMETER: ",".join(parameters.dark_pool_tickers),
        contracts.DARK_POOLS_PARAMETER: ",".join(parameters.dark_pools),
        contracts.LIT_POOLS_PARAMETER: ",".join(parameters.lit_pools),
        contracts.VENUE_FEES_PARAMETER: parameters.venue_fees_json(),
        contracts.ORDER_SPLIT_SIZE_PARAMETER: str(parameters.order_split_size),
        contracts.DARK_POOL_MATCH_PROBABILITY_PARAMETER: parameters.dark_pool_match_probability,
        contracts.MARKET_DATA_INVOKE_MODE_PARAMETER: parameters.market_data_invoke_mode,
        contracts.MARKET_CLOSE_TIME_PARAMETER: parameters.market_close_time,
        contracts.AUTO_TOP_UP_PARAMETER: parameters.auto_top_up,
    }


ENUMERATED_PARAMETERS: Final[Mapping[str, Sequence[str]]] = MappingProxyType(
    {
        contracts.BUS_TYPE_PARAMETER: contracts.BUS_TYPES,
        contracts.MARKET_DATA_INVOKE_MODE_PARAMETER: contracts.INVOKE_MODES,
        contracts.AUTO_TOP_UP_PARAMETER: contracts.AUTO_TOP_UP_VALUES,
    }
)
"""The parameters with a fixed set of values: SSM refuses any other (`AllowedPattern`), so
`aws ssm put-parameter --value KAFKA` fails instead of the functions' next read."""
_PLAIN_VALUE: Final = re.compile(r"[A-Za-z0-9-]+")


def one_of_pattern(values: Sequence[str]) -> str:
    """`^(A|B)$`: exactly one of the values (letters, digits and `-`, which need no escaping)."""
    for value in values:
        if not _PLAIN_VALUE.fullmatch(value):
            raise ValueError(f"{value!r} needs escaping in an AllowedPattern")
    return "^(" + "|".join(values) + ")$"


def allowed_patterns() -> dict[str, str]:
    """Parameter name -> its AllowedPattern (the enumerated parameters only)."""
    return {name: one_of_pattern(values) for name, values in ENUMERATED_PARAMETERS.items()}


@dataclass(frozen=True, kw_only=True)
class RuntimeParametersProps:
    config: StageConfig


class RuntimeParameters(Construct):
    """Every parameter with the stage's default; functions are granted read on named ones only."""

    parameters: Mapping[str, ssm.IStringParameter]

    def __init__(self, scope: Construct, id: str, *, props: RuntimeParametersProps) -> None:
        super().__init__(scope, id)
        values = parameter_values(props.config.parameters)
        patterns = allowed_patterns()
        created: dict[str, ssm.IStringParameter] = {}
        for name in contracts.PARAMETERS:
            created[name] = ssm.StringParameter(
                self,
                "".join(part.title() for part in name.split("-")),
                parameter_name=f"{props.config.parameter_prefix}/{name}",
                string_value=values[name],
                allowed_pattern=patterns.get(name),
                tier=ssm.ParameterTier.STANDARD,
                description=f"trading system {props.config.stage}: {name}",
            )
        self.parameters = MappingProxyType(created)

    def select(self, names: Iterable[str]) -> list[ssm.IStringParameter]:
        return [self.parameters[name] for name in names]
