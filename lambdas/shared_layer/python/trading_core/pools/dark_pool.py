"""The dark pool as a service: match a share of the orders, put trades and leftovers on the bus.

The matching itself is `pools.matching` (pure); this adds the parameters read and the publishing, so
the handler stays thin.
"""

from __future__ import annotations

from collections.abc import Sequence

from trading_core.bus.events import Publisher
from trading_core.common.parameters import ParameterReader
from trading_core.contracts import DARK_POOL_SOURCE
from trading_core.model.child_order import ChildOrder
from trading_core.pools.events import lit_order_events, trade_events
from trading_core.pools.matching import DarkPoolResult, VenueConfig, match_dark


class DarkPool:
    """Matches a share of the orders; the rest go on to the lit pools as Orders, never as Trades."""

    def __init__(self, *, read: ParameterReader, publisher: Publisher) -> None:
        self._read = read
        self._publisher = publisher

    def process(self, orders: Sequence[ChildOrder]) -> DarkPoolResult:
        if not orders:
            return DarkPoolResult(trades=[], unmatched=[])
        # Read per invocation (Powertools caches it), so a changed probability or fee applies at once.
        result = match_dark(list(orders), VenueConfig.load_dark(self._read))
        self._publisher.publish(
            trade_events(DARK_POOL_SOURCE, result.trades) + lit_order_events(DARK_POOL_SOURCE, result.unmatched)
        )
        return result
