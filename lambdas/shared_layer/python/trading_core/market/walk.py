"""The deterministic intraday move of a ticker's price (docs/architecture.md §3 "Market price").

Each minute of a trading day the price moves by ±0.1 % in log terms, the sign a hash of the ticker,
the day and the minute; the walk restarts from the reference price each trading day. So the price of
a ticker at an instant is a pure function of its reference price and the instant: the same in every
function and on every replay, and a client can compute it too.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, time
from decimal import Decimal, localcontext
from typing import Final

from trading_core.common.ids import unit_interval
from trading_core.common.money import cents

STEP_SECONDS: Final = 60
STEP_LOG_MOVE: Final = Decimal("0.001")
STEPS_PER_DAY: Final = 24 * 3600 // STEP_SECONDS


def step_index(at: datetime) -> tuple[str, int]:
    """The UTC day of an instant and the number of whole steps since its midnight."""
    at = at.astimezone(UTC)
    midnight = datetime.combine(at.date(), time(0), tzinfo=UTC)
    return at.date().isoformat(), int((at - midnight).total_seconds()) // STEP_SECONDS


@functools.lru_cache(maxsize=4096)
def _steps(ticker: str, day: str) -> tuple[int, ...]:
    """Prefix sums of the day's ±1 steps: element k is the walk after k steps."""
    total, sums = 0, [0]
    for k in range(1, STEPS_PER_DAY + 1):
        total += 1 if unit_interval("market-walk", ticker, day, str(k)) >= Decimal("0.5") else -1
        sums.append(total)
    return tuple(sums)


def walk_factor(ticker: str, at: datetime) -> Decimal:
    """exp(0.001 * the walk at `at`), computed in a fixed Decimal context so it is exact everywhere."""
    day, k = step_index(at)
    with localcontext() as context:
        context.prec = 28
        return (STEP_LOG_MOVE * _steps(ticker, day)[k]).exp()


def walk_price(reference: Decimal, ticker: str, at: datetime) -> Decimal:
    """The market price at `at` of a ticker whose reference price is `reference`, to the cent."""
    return max(cents(reference * walk_factor(ticker, at)), Decimal("0.01"))
