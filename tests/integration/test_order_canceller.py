"""`DELETE /orders/{orderId}` against moto: a child, a parent's live children, the exact release, 409
for a filled order (also when the fill settles between the cancel's read and its write), 404, 400."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lambdas.order_canceller import handler as canceller
from lambdas.post_trade import handler as post_trade
from tests.integration.api_events import api_event, lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.order_items import CUSTOMER, funds, rest, status
from tests.integration.stream_events import FakeContext, bus_delivery
from tests.seed import SEED_ORDER
from tests.trade_samples import trades
from tests.trade_store import stored_trades
from trading_core.common.ids import new_order_id
from trading_core.model.child_order import ChildOrder
from trading_core.orders.cancel_store import DynamoCancelStore
from trading_core.orders.refusals import refused_item
from trading_core.orders.request import parse_body

START = Decimal("1000000.00")


@pytest.fixture
def aws(trading_aws: TradingAws) -> Iterator[TradingAws]:
    canceller.build.cache_clear()
    post_trade.build.cache_clear()
    trading_aws.put_customer(CUSTOMER, str(START))
    yield trading_aws
    canceller.build.cache_clear()
    post_trade.build.cache_clear()


def delete(order_id: str) -> tuple[int, dict[str, Any]]:
    event = api_event("DELETE", f"/orders/{order_id}", resource="/orders/{orderId}")
    event["pathParameters"] = {"orderId": order_id}
    response = canceller.lambda_handler(event, lambda_context("order_canceller"))
    return response["statusCode"], json.loads(response["body"])


def fill(children: list[ChildOrder], bus_type: str = "EVENT-BRIDGE") -> None:
    """The pools filled these children and post-trade settles the trades."""
    priced = [child.priced(child.price or Decimal(1), "2026-03-02T15:00:00.000Z") for child in children]
    detail = {"postTrade": "True", "trades": [trade.to_wire() for trade in trades(priced)]}
    event = bus_delivery(detail, bus_type, source="LitPoolMatchingEngine", detail_type="Trades")
    post_trade.lambda_handler(event, FakeContext("post_trade"))


def test_a_child_is_cancelled_and_exactly_its_reservation_released(aws: TradingAws) -> None:
    _, children = rest(aws)
    before = funds(aws)

    code, body = delete(children[0].order_id)

    assert code == 200
    assert body == {
        "orderId": children[0].order_id,
        "cancelled": [children[0].order_id],
        "released": {"funds": f"{children[0].reserved_amount:.2f}", "quantity": 0},
        "notCancelled": [],
    }
    assert funds(aws) == (before[0] + children[0].reserved_amount, before[1] - children[0].reserved_amount)
    assert status(aws, children[0].order_id) == ("CANCELLED", False)
    assert status(aws, children[1].order_id) == ("OPEN", True)


def test_a_parent_cancels_every_live_child_and_reports_the_filled_one(aws: TradingAws, bus_type: str) -> None:
    parent, children = rest(aws)
    fill(children[:1], bus_type)
    released = children[1].reserved_amount + children[2].reserved_amount

    code, body = delete(parent)

    assert code == 200
    assert body["cancelled"] == [children[1].order_id, children[2].order_id]
    assert body["released"] == {"funds": f"{released:.2f}", "quantity": 0}
    assert body["notCancelled"] == [{"orderId": children[0].order_id, "status": "FILLED"}]
    # The filled child's reservation stays for the aggregator to settle; the others are back.
    assert funds(aws) == (START - children[0].reserved_amount, children[0].reserved_amount)
    assert [status(aws, child.order_id)[0] for child in children] == ["FILLED", "CANCELLED", "CANCELLED"]


def test_cancelling_again_or_a_filled_order_is_a_409_that_says_so(aws: TradingAws) -> None:
    parent, children = rest(aws, children=2)
    fill(children[:1])
    assert delete(children[0].order_id) == (
        409,
        {
            "message": f"order {children[0].order_id} is FILLED",
            "errors": [],
            "orderId": children[0].order_id,
            "status": "FILLED",
            "notCancelled": [{"orderId": children[0].order_id, "status": "FILLED"}],
        },
    )
    assert delete(parent)[0] == 200
    code, body = delete(parent)
    assert code == 409 and body["message"] == f"order {parent} is DONE"  # one FILLED, one CANCELLED
    code, body = delete(children[1].order_id)
    assert code == 409 and body["status"] == "CANCELLED"


def test_unknown_and_malformed_ids(aws: TradingAws) -> None:
    unknown = str(uuid.uuid4())
    assert delete(unknown) == (404, {"message": f"order {unknown} not found", "errors": []})
    for bad in ("not;an;id", "no-such-order", "a b", "%ZZ"):
        code, body = delete(bad)
        assert (code, body) == (
            400,
            {"message": "invalid request", "errors": [{"field": "orderId", "message": "must be a UUID"}]},
        ), bad


def test_a_path_the_router_cannot_read_is_a_400_on_the_order_id(aws: TradingAws) -> None:
    """API Gateway routes /orders/{orderId} here; an id holding an encoded '/' matches no route."""
    event = api_event("DELETE", "/orders/a/b", resource="/orders/{orderId}")
    event["pathParameters"] = {"orderId": "a/b"}
    response = canceller.lambda_handler(event, lambda_context("order_canceller"))

    assert (response["statusCode"], json.loads(response["body"])) == (
        400,
        {"message": "invalid request", "errors": [{"field": "orderId", "message": "must be a UUID"}]},
    )


def test_a_refused_order_is_not_cancellable(aws: TradingAws) -> None:
    order_id = new_order_id()
    request = parse_body(json.dumps({**SEED_ORDER, "customerId": CUSTOMER}))[0].request
    aws.table.put_item(Item=refused_item(request, order_id, "2026-03-02T15:00:00.000Z", "unknown ticker", None))

    code, body = delete(order_id)

    assert (code, body["message"], body["status"], body["errors"]) == (
        409,
        f"order {order_id} is REFUSED",
        "REFUSED",
        [],
    )


def test_a_fill_settling_between_the_cancel_s_read_and_write_gives_one_outcome(
    aws: TradingAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cancel read the child OPEN; the fill settles; the cancel's condition then fails: 409 FILLED,
    nothing released, the trade stands. Never both a fill and a release."""
    _, children = rest(aws, children=1)
    (child,) = children
    read = DynamoCancelStore.order

    def read_then_fill(self: DynamoCancelStore, order_id: str) -> Any:
        stored = read(self, order_id)
        fill([child])
        return stored

    monkeypatch.setattr(DynamoCancelStore, "order", read_then_fill)
    before = funds(aws)

    code, body = delete(child.order_id)

    assert (code, body["status"]) == (409, "FILLED")
    assert funds(aws) == before  # nothing released: the aggregator releases it with the trade
    assert status(aws, child.order_id) == ("FILLED", False)
    assert [trade.order_id for trade in stored_trades(aws.scan())] == [child.order_id]


def test_a_cancel_first_makes_the_later_fill_void(aws: TradingAws) -> None:
    _, children = rest(aws, children=1)
    assert delete(children[0].order_id)[0] == 200
    fill(children)
    assert status(aws, children[0].order_id) == ("CANCELLED", False)
    assert not stored_trades(aws.scan())
    assert funds(aws) == (START, Decimal(0))
