"""The simulated matching engines: the dark pool and the lit pools.

Both price market orders at the latest close in the MarketData table (else the synthetic price), as
the router does for the protection price of market buys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aws_cdk import aws_dynamodb as dynamodb
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
# The latest close of a market order's ticker.
POOL_MARKET_DATA_ACTIONS: Final = ("dynamodb:Query",)


@dataclass(frozen=True, kw_only=True)
class PoolsProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    bus: MessageBus
    parameters: RuntimeParameters
    market_data_table: dynamodb.ITable


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
            pool.add_environment(contracts.MARKET_DATA_TABLE_ENV, props.market_data_table.table_name)
            props.market_data_table.grant(pool.function, *POOL_MARKET_DATA_ACTIONS)
