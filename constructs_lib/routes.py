"""The bus routes of docs/contracts.md, declared once as data.

The bus construct turns each route into an EventBridge rule and an SNS subscription; the
integration tests and the local cloud deliver events by the same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
        sources=("SmartOrderRouter",),
        detail_type="Orders",
        field="poolType",
        value="Dark",
        target="dark_pool",
    ),
    Route(
        name="LitPoolOrders",
        sources=("SmartOrderRouter", "DarkPoolMatchingEngine"),
        detail_type="Orders",
        field="poolType",
        value="Lit",
        target="lit_pool",
    ),
    Route(
        name="CreditCheckOrders",
        sources=("SmartOrderRouter",),
        detail_type="Orders",
        field="invalidOrders",
        value="CreditCheck",
        target="funds_raiser",
    ),
    Route(
        name="PostTrades",
        sources=("DarkPoolMatchingEngine", "LitPoolMatchingEngine"),
        detail_type="Trades",
        field="postTrade",
        value="True",
        target="post_trade",
    ),
)
