"""Settlement reads its delivery's items eventually consistent: a read that lags the writes (moto never lags, so
the lag is made here: the read answers from a snapshot of the table taken earlier) changes no outcome."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from lambdas.post_trade import handler as post_trade
from tests import order_store
from tests.integration.conftest import TradingAws
from tests.integration.stream_events import FakeContext, bus_delivery
from tests.trade_samples import child_order, trades
from tests.trade_store import stored_trade
from trading_core.settlement import settlement_store

T1 = datetime(2026, 3, 2, 16, 0, 0, 123000, tzinfo=UTC)
ORDERS = [child_order(n, ticker="AAPL") for n in range(3)]
TRADES = trades(ORDERS)


@pytest.fixture(autouse=True)
def fresh_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    post_trade.build.cache_clear()
    monkeypatch.setattr(post_trade, "utc_now", lambda: T1)
    yield
    post_trade.build.cache_clear()


def lag_reads(monkeypatch: pytest.MonkeyPatch, aws: TradingAws) -> list[bool]:
    """From now on, an eventually consistent read answers from the table as it is now; returns the
    `consistent` flag of every read."""
    snapshot = {(item["PK"], item["SK"]): item for item in aws.scan()}
    real = settlement_store.batch_get
    reads: list[bool] = []

    def batch_get(client: Any, table: str, keys: Sequence[dict[str, str]], *, consistent: bool = True) -> Any:
        reads.append(consistent)
        if consistent:
            return real(client, table, keys, consistent=True)
        return [snapshot[(key["PK"], key["SK"])] for key in keys if (key["PK"], key["SK"]) in snapshot]

    monkeypatch.setattr(settlement_store, "batch_get", batch_get)
    return reads


def deliver(bus_type: str) -> dict[str, Any]:
    detail = {"postTrade": "True", "trades": [trade.to_wire() for trade in TRADES]}
    event = bus_delivery(detail, bus_type, source="LitPoolMatchingEngine", detail_type="Trades")
    result: dict[str, Any] = post_trade.lambda_handler(event, FakeContext("post_trade"))
    return result


def status(aws: TradingAws, order_id: str) -> Any:
    return (order_store.stored_child(aws.table, order_id) or {}).get("Status")


def test_an_order_placed_after_what_the_read_saw_is_still_filled(
    trading_aws: TradingAws, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lagging read misses the ORDER item: a consistent read of the orders it missed finds it, so the
    trades fill their children instead of being settled as trades without an order."""
    reads = lag_reads(monkeypatch, trading_aws)
    order_store.put_orders(trading_aws.table, ORDERS)

    result = deliver(bus_type)

    assert reads == [False, True]
    assert (result["settled"], result["newlySettled"]) == (3, 3)
    assert [status(trading_aws, order.order_id) for order in ORDERS] == ["FILLED"] * 3
    assert all(stored_trade(trading_aws.table, trade) is not None for trade in TRADES)


def test_an_order_cancelled_after_what_the_read_saw_voids_the_fill(
    trading_aws: TradingAws, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lagging read shows the children ACCEPTED, but they were cancelled since: the put on condition of the
    version read fails, the item is read again, and the fills are void."""
    order_store.put_orders(trading_aws.table, ORDERS)
    lag_reads(monkeypatch, trading_aws)
    for item in order_store.order_items(ORDERS, "CANCELLED"):  # as the canceller puts it: the next version
        trading_aws.table.put_item(Item={**item, "Version": 2})

    result = deliver(bus_type)

    assert (result["settled"], result["newlySettled"]) == (0, 0)
    assert sorted(fill["orderId"] for fill in result["void"]) == sorted(order.order_id for order in ORDERS)
    assert [status(trading_aws, order.order_id) for order in ORDERS] == ["CANCELLED"] * 3
    assert all(stored_trade(trading_aws.table, trade) is None for trade in TRADES)
