"""The bus routes of docs/contracts.md, declared once as data.

The bus construct turns each order-flow route into an EventBridge rule and an SNS subscription, and
each market-data route into an EventBridge rule only (those events are always put on EventBridge);
the integration tests and the local cloud deliver events by the same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trading_core import contracts


@dataclass(frozen=True, kw_only=True)
class Route:
    """Events with one of `sources` and `detail_type` (and, if set, `detail[field] == value`) go to `target`."""

    name: str
    sources: tuple[str, ...]
    detail_type: str
    field: str | None = None
    value: str | None = None
    target: str
    """A function's name (docs/contracts.md "Functions"), or a workflow's for a rule that starts one."""
    purpose: str = ""
    """What the route is for when its name does not say it: the rule's description ends with it."""

    def selects(self, source: str, detail_type: str, detail: dict[str, Any]) -> bool:
        return (
            source in self.sources
            and detail_type == self.detail_type
            and (self.field is None or detail.get(self.field) == self.value)
        )


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

MARKET_DATA_ROUTES: tuple[Route, ...] = (
    Route(
        name="MarketDataRequests",
        sources=(contracts.ROUTER_SOURCE,),
        detail_type=contracts.MARKET_DATA_REQUEST_DETAIL_TYPE,
        target=contracts.PARALLEL_FETCH_WORKFLOW,
        purpose="start workflow A",
    ),
    Route(
        name="NoHistoricalData",
        sources=(contracts.MARKET_DATA_WORKFLOW_SOURCE,),
        detail_type=contracts.NO_HISTORICAL_DATA_DETAIL_TYPE,
        target=contracts.TASK_TOKEN_MANAGER_FUNCTION,
        purpose="complete workflow B's waiting task",
    ),
)
