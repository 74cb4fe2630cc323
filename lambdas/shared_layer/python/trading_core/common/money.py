"""Money is Decimal, rounded half-up to the cent, and travels as a 2-decimal string."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0")


def to_decimal(value: object) -> Decimal:
    """Parse a wire or DynamoDB value; floats are refused because they cannot hold cents exactly."""
    if isinstance(value, (bool, float)):
        raise ValueError(f"money must be a decimal string, not {type(value).__name__}")
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(f"not a decimal number: {value!r}") from error
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def cents_up(value: Decimal) -> Decimal:
    """Round towards +infinity: used for amounts reserved, which must never fall short."""
    return value.quantize(CENT, rounding=ROUND_CEILING)


def money_str(value: Decimal) -> str:
    return f"{cents(value):.2f}"


def has_at_most_cents(value: Decimal) -> bool:
    return value == value.quantize(CENT)
