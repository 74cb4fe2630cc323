"""The bench's breakdown of write units by item kind (`make bench DETAILS=1`): each key of the data model is
named by what it is, in the typed form requests carry and in the plain form."""

from __future__ import annotations

from typing import Any

import pytest

from bench.item_kinds import item_kind
from trading_core.common import keys


def typed(key: dict[str, str]) -> dict[str, Any]:
    return {name: {"S": value} for name, value in key.items()}


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (keys.order_key("0f8c5d2e-0000-4000-8000-000000000000"), "ORDER"),
        (keys.order_trades_key("000002", "2026-12-07", "2026-12-07T10:00:00.000Z", "0f8c5d2e"), "TRADE"),
        (keys.customer_key("000002"), "CUST"),
        (keys.position_key("000002", "COIN"), "TICKER"),
        (keys.ticker_day_share_key("COIN", "2026-12-07", "000002"), "TICKER share"),
    ],
)
def test_each_key_is_named_by_its_item_kind(key: dict[str, str], kind: str) -> None:
    assert item_kind(key) == kind
    assert item_kind(typed(key)) == kind
