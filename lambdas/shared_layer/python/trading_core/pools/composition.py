"""The pools as their composition roots build them: the dark and the lit pool read the same parameters
and publish on the same bus (`PoolEnvironment`); they fill at the market price each order carries."""

from __future__ import annotations

from typing import TypeVar

from trading_core.bus.publishers import order_flow_publisher
from trading_core.common.environment import PoolEnvironment, load
from trading_core.common.ssm import ssm_reader
from trading_core.pools.dark_pool import DarkPool
from trading_core.pools.lit_pool import LitPool

Pool = TypeVar("Pool", DarkPool, LitPool)


def pool_from_environment(pool: type[Pool]) -> Pool:
    """`pool` over the stage's parameters and the order-flow publisher."""
    env = load(PoolEnvironment)
    read = ssm_reader(env.parameter_prefix)
    return pool(read=read, publisher=order_flow_publisher(read, bus_name=env.event_bus, topic_arn=env.orders_topic))
