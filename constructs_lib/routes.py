"""The bus routes of docs/contracts.md, declared once as data.

The bus construct turns each route into an EventBridge rule and an SNS subscription; the
integration tests and the local cloud deliver events by the same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trading_core import contracts


@dataclass(frozen=True, kw_only=True)
class Route:
    """Events with one of `sources`, `detail_type` and `detail[field] == value` go to function `target`."""

    name: str
    sources: tuple[str, ...]
    detail_type: str
    field: str
    value: str
    target: str

    def selects(self, source: str, detail_type: str, detail: dict[str, Any]) -> bool:
        return source in self.sources and detail_type == self.detail_type and detail.get(self.field) == self.value


ORDER_FLOW_ROUTES: tuple[Route, ...] = (
    Route(
        name="DarkPoolOrders",
        sources=(contracts.ROUTER_SOURCE,),
        detail_type=contracts.ORDERS_DETAIL_TYPE,
        field=contracts.POOL_TYPE_FIELD,
        value=contracts.DARK_POOL_TYPE,
        target=contracts.DARK_POOL_FUNCTION,
    ),
    Route(
        name="LitPoolOrders",
        sources=(contracts.ROUTER_SOURCE, contracts.DARK_POOL_SOURCE),
        detail_type=contracts.ORDERS_DETAIL_TYPE,
        field=contracts.POOL_TYPE_FIELD,
        value=contracts.LIT_POOL_TYPE,
        target=contracts.LIT_POOL_FUNCTION,
    ),
    Route(
        name="CreditCheckOrders",
        sources=(contracts.ROUTER_SOURCE,),
        detail_type=contracts.ORDERS_DETAIL_TYPE,
        field=contracts.INVALID_ORDERS_FIELD,
        value=contracts.CREDIT_CHECK,
        target=contracts.FUNDS_RAISER_FUNCTION,
    ),
    Route(
        name="PostTrades",
        sources=(contracts.DARK_POOL_SOURCE, contracts.LIT_POOL_SOURCE),
        detail_type=contracts.TRADES_DETAIL_TYPE,
        field=contracts.POST_TRADE_FIELD,
        value=contracts.FLAG_SET,
        target=contracts.POST_TRADE_FUNCTION,
    ),
)
