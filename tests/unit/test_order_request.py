"""`POST /orders` bodies: what is accepted as orders and how everything else is refused, field by field."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.seed import SEED_ORDER
from trading_core.model.child_order import Direction, OrderType, TimeInForce
from trading_core.orders.request import (
    MAX_BODY_BYTES,
    MAX_ORDERS_PER_REQUEST,
    InvalidRequest,
    RequestTooLarge,
    parse_body,
    validate_order,
)


def errors_of(body: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidRequest) as raised:
        parse_body(body)
    return [(error.field, error.message) for error in raised.value.errors]


def test_a_single_order_and_an_array_are_both_accepted() -> None:
    [single] = parse_body(json.dumps(SEED_ORDER))
    assert single.sent == SEED_ORDER
    assert single.request.price == Decimal("161.90")
    assert len(parse_body(json.dumps([SEED_ORDER, SEED_ORDER]))) == 2


def test_every_error_of_every_order_is_reported_at_once() -> None:
    body = json.dumps(
        [
            SEED_ORDER,
            {"customerId": "", "direction": "buy", "type": "Limit", "quantity": True, "extra": 1, "timeInForce": "IOC"},
        ]
    )

    assert errors_of(body) == [
        (
            "[1].extra",
            "is not a known field; expected customerId, direction, ticker, type, quantity, price, timeInForce",
        ),
        ("[1].customerId", "must be a string of 1 to 64 letters, digits, '-' or '_'"),
        ("[1].direction", "must be one of Buy, Sell"),
        ("[1].ticker", "is required"),
        ("[1].quantity", "must be an integer"),
        ("[1].price", "is required for a Limit order"),
        ("[1].timeInForce", "must be one of DAY, GTC"),
    ]


@pytest.mark.parametrize(
    ("sent", "accepted"),
    [(None, TimeInForce.DAY), ("DAY", TimeInForce.DAY), ("GTC", TimeInForce.GTC)],
)
def test_time_in_force_is_day_unless_gtc_is_asked(sent: str | None, accepted: TimeInForce) -> None:
    order = dict(SEED_ORDER) if sent is None else {**SEED_ORDER, "timeInForce": sent}
    [parsed] = parse_body(json.dumps(order))
    assert parsed.request.time_in_force is accepted
    assert parsed.sent == order


@pytest.mark.parametrize("sent", ["day", "gtc", "IOC", "", None, 1, True, ["DAY"], {"value": "DAY"}])
def test_any_other_time_in_force_is_refused_naming_the_field(sent: Any) -> None:
    assert errors_of(json.dumps({**SEED_ORDER, "timeInForce": sent})) == [("timeInForce", "must be one of DAY, GTC")]


@pytest.mark.parametrize(
    ("price", "accepted"),
    [
        ('"161.90"', Decimal("161.90")),
        ('"161.9"', Decimal("161.9")),
        ('"161"', Decimal(161)),
        ("161.90", Decimal("161.90")),
        ("161", Decimal(161)),
        ("1e2", Decimal(100)),
        ("0.30000000000000004", None),
        ('"1e2"', None),
        ('" 161.90"', None),
        ('"NaN"', None),
        ('"-1.00"', None),
        ("1000000000.01", None),
        ("1e999999", None),
        ("true", None),
        ("[161.9]", None),
    ],
)
def test_prices_are_decimal_strings_or_json_numbers_never_floats(price: str, accepted: Decimal | None) -> None:
    body = json.dumps(SEED_ORDER).replace('"161.90"', price)
    if accepted is None:
        assert [field for field, _ in errors_of(body)] == ["price"]
    else:
        [order] = parse_body(body)
        assert order.request.price == accepted
        assert isinstance(order.request.price, Decimal)


def test_json_numbers_come_back_as_strings_in_the_echo() -> None:
    [order] = parse_body(json.dumps(SEED_ORDER).replace('"161.90"', "161.9"))
    assert order.sent["price"] == "161.9"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(constant: str) -> None:
    assert errors_of(json.dumps(SEED_ORDER).replace("8614", constant))[0][1].startswith("is not valid JSON")


def test_size_limits() -> None:
    assert errors_of(json.dumps([SEED_ORDER] * (MAX_ORDERS_PER_REQUEST + 1))) == [
        ("body", "must contain at most 100 orders")
    ]
    with pytest.raises(RequestTooLarge):
        parse_body(" " * (MAX_BODY_BYTES + 1) + "{}")


def test_a_base64_body_is_decoded() -> None:
    import base64

    assert len(parse_body(base64.b64encode(json.dumps(SEED_ORDER).encode()).decode(), is_base64=True)) == 1
    assert errors_of_b64("not base64!") == [("body", "is not valid base64-encoded UTF-8")]


def errors_of_b64(body: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidRequest) as raised:
        parse_body(body, is_base64=True)
    return [(error.field, error.message) for error in raised.value.errors]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=6),
    max_leaves=20,
)


@given(json_values)
def test_any_json_is_either_orders_or_a_field_level_refusal(document: Any) -> None:
    try:
        orders = parse_body(json.dumps(document))
    except InvalidRequest as refusal:
        assert refusal.errors
        assert all(error.field and error.message for error in refusal.errors)
    else:
        assert all(order.request.quantity > 0 for order in orders)


@given(
    st.fixed_dictionaries(
        {
            "customerId": st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z"),
            "direction": st.sampled_from(["Buy", "Sell"]),
            "ticker": st.from_regex(r"\A[A-Z0-9][A-Z0-9.-]{0,14}\Z"),
            "type": st.just("Limit"),
            "quantity": st.integers(min_value=1, max_value=10**9),
            "price": st.integers(min_value=1, max_value=10**11).map(lambda n: f"{Decimal(n) / 100:.2f}"),
        }
    )
)
def test_every_well_formed_order_is_accepted_as_sent(order: dict[str, Any]) -> None:
    request, errors = validate_order(order)
    assert errors == []
    assert request is not None
    assert (request.customer_id, request.ticker, request.quantity) == (
        order["customerId"],
        order["ticker"],
        order["quantity"],
    )
    assert request.price == Decimal(order["price"])
    assert request.direction is Direction(order["direction"]) and request.order_type is OrderType.LIMIT
