"""Money rules: Decimal only, cents rounding, 2-decimal strings on the wire."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading_core.common.money import cents, cents_up, has_at_most_cents, money_str, to_decimal

amounts_in_cents = st.integers(min_value=-(10**12), max_value=10**12).map(lambda n: Decimal(n) / 100)


@pytest.mark.parametrize("value", [1.5, True, "NaN", "Infinity", "-inf", "abc", None, ""])
def test_floats_bools_and_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        to_decimal(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("161.90", Decimal("161.90")), (8614, Decimal(8614)), (Decimal("0.1"), Decimal("0.1"))]
)
def test_decimal_strings_ints_and_decimals_are_exact(value: object, expected: Decimal) -> None:
    assert to_decimal(value) == expected


@pytest.mark.parametrize(
    ("value", "half_up", "up"),
    [("1.005", "1.01", "1.01"), ("1.004", "1.00", "1.01"), ("1.000", "1.00", "1.00"), ("-1.005", "-1.01", "-1.00")],
)
def test_rounding_to_the_cent(value: str, half_up: str, up: str) -> None:
    assert cents(Decimal(value)) == Decimal(half_up)
    assert cents_up(Decimal(value)) == Decimal(up)


@given(amounts_in_cents)
def test_an_amount_in_cents_survives_the_wire(amount: Decimal) -> None:
    text = money_str(amount)
    assert text.split(".")[1].__len__() == 2
    assert Decimal(text) == amount
    assert has_at_most_cents(amount)


@given(amounts_in_cents, st.integers(min_value=1, max_value=9))
def test_a_fraction_of_a_cent_is_detected_and_reservations_round_up(amount: Decimal, extra: int) -> None:
    value = amount + Decimal(extra) / 1000
    assert not has_at_most_cents(value)
    assert cents_up(value) >= value
    assert cents_up(value) - value < Decimal("0.01")
