"""The pools as their composition roots build them: the dark and the lit pool read the same parameters,
publish on the same bus and price market orders alike (`PoolEnvironment`)."""

from __future__ import annotations

from typing import TypeVar

from trading_core.bus.publishers import order_flow_publisher
from trading_core.common import aws_clients
from trading_core.common.environment import PoolEnvironment, load
from trading_core.common.ssm import ssm_reader
from trading_core.market_data.store import MarketDataStore
from trading_core.pools.dark_pool import DarkPool
from trading_core.pools.lit_pool import LitPool
from trading_core.pools.market_prices import reference_price

Pool = TypeVar("Pool", DarkPool, LitPool)


def pool_from_environment(pool: type[Pool]) -> Pool:
    """`pool` over the stage's parameters, the order-flow publisher and the MarketData table."""
    env = load(PoolEnvironment)
    read = ssm_reader(env.parameter_prefix)
    market_data = MarketDataStore(aws_clients.table(env.market_data_table))
    # Market orders fill at the latest stored close (else the synthetic price), as the router priced them.
    return pool(
        read=read,
        publisher=order_flow_publisher(read, bus_name=env.event_bus, topic_arn=env.orders_topic),
        reference_price=reference_price(market_data.latest_close),
    )
