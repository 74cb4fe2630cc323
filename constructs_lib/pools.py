"""The simulated matching engines: the dark pool and the lit pools.

Both fill at the market price each order carries (decided by the router or the order book), so they
read no market data themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.bus import MessageBus
from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.parameters import RuntimeParameters
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

DARK_POOL_PARAMETERS: Final = (
    contracts.BUS_TYPE_PARAMETER,
    contracts.DARK_POOLS_PARAMETER,
    contracts.VENUE_FEES_PARAMETER,
    contracts.DARK_POOL_MATCH_PROBABILITY_PARAMETER,
)
LIT_POOL_PARAMETERS: Final = (
    contracts.BUS_TYPE_PARAMETER,
    contracts.LIT_POOLS_PARAMETER,
    contracts.VENUE_FEES_PARAMETER,
)


@dataclass(frozen=True, kw_only=True)
class PoolsProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    bus: MessageBus
    parameters: RuntimeParameters


class Pools(Construct):
    dark_pool: TradingFunction
    lit_pool: TradingFunction

    def __init__(self, scope: Construct, id: str, *, props: PoolsProps) -> None:
        super().__init__(scope, id)
        self.dark_pool = TradingFunction(
            self,
            "DarkPool",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.DARK_POOL_FUNCTION,
                description="dark pool matching engine",
                shared_layer=props.shared_layer,
                async_invoked=True,
            ),
        )
        self.lit_pool = TradingFunction(
            self,
            "LitPool",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.LIT_POOL_FUNCTION,
                description="lit pool matching engine",
                shared_layer=props.shared_layer,
                async_invoked=True,
            ),
        )
        for pool, parameters in ((self.dark_pool, DARK_POOL_PARAMETERS), (self.lit_pool, LIT_POOL_PARAMETERS)):
            props.bus.add_publisher(pool)
            pool.grant_parameters_read(props.parameters.select(parameters))
