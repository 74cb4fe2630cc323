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
from constructs_lib.config import StageConfig
from constructs_lib.configuration import Configuration
from constructs_lib.function import TradingFunction, TradingFunctionProps
from trading_core import config as names
from trading_core import market_data

DARK_POOL_PARAMETERS: Final = (names.BUS_TYPE, names.DARK_POOLS, names.VENUE_FEES, names.DARK_POOL_MATCH_PROBABILITY)
LIT_POOL_PARAMETERS: Final = (names.BUS_TYPE, names.LIT_POOLS, names.VENUE_FEES)
# The latest close of a market order's ticker.
POOL_MARKET_DATA_ACTIONS: Final = ("dynamodb:Query",)


@dataclass(frozen=True, kw_only=True)
class PoolsProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    bus: MessageBus
    configuration: Configuration
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
                name="dark_pool",
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
                name="lit_pool",
                description="lit pool matching engine",
                shared_layer=props.shared_layer,
                async_invoked=True,
            ),
        )
        for pool, parameters in ((self.dark_pool, DARK_POOL_PARAMETERS), (self.lit_pool, LIT_POOL_PARAMETERS)):
            props.bus.add_publisher(pool)
            pool.grant_parameters_read(props.configuration.select(parameters))
            pool.add_environment(market_data.TABLE_ENV, props.market_data_table.table_name)
            props.market_data_table.grant(pool.function, *POOL_MARKET_DATA_ACTIONS)
