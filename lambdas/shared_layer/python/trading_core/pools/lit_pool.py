"""The lit pool as a service: fill every order and send the trades to post-trade."""

from __future__ import annotations

from collections.abc import Sequence

from trading_core.bus.events import Publisher
from trading_core.common.parameters import ParameterReader
from trading_core.contracts import LIT_POOL_SOURCE
from trading_core.model.child_order import ChildOrder
from trading_core.model.trade import Trade
from trading_core.pools.events import trade_events
from trading_core.pools.matching import VenueConfig, fill_lit


class LitPool:
    """Fills every order."""

    def __init__(self, *, read: ParameterReader, publisher: Publisher) -> None:
        self._read = read
        self._publisher = publisher

    def process(self, orders: Sequence[ChildOrder]) -> list[Trade]:
        if not orders:
            return []
        trades = fill_lit(list(orders), VenueConfig.load_lit(self._read))
        self._publisher.publish(trade_events(LIT_POOL_SOURCE, trades))
        return trades
