"""The offline provider: deterministic market data, a pure function of the ticker and the day, no network."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from trading_core.common.clock import Clock, utc_now
from trading_core.common.ids import bounded_int, unit_interval
from trading_core.common.money import cents
from trading_core.contracts import OFFLINE_PROVIDER
from trading_core.market_data.model import PriceBar, QuoteSummary, TickerNotFound
from trading_core.market_data.providers.offline_universe import OFFLINE_TICKERS
from trading_core.market_data.synthetic import synthetic_price


def business_days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _last_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _triangle(position: int, period: int) -> Decimal:
    """A triangle wave in [-1, 1] with the given period (in days): continuous, pure integer maths."""
    phase = Decimal(position % period) / period
    return 4 * abs(phase - Decimal("0.5")) - 1


class OfflineProvider:
    """Deterministic market data: a pure function of the ticker and the day, no network.

    Closes move smoothly around `synthetic_price(ticker)` (two slow triangle waves of ±8 % and
    ±3 % with per-ticker phases, plus ±0.5 % daily noise), so consecutive closes differ by a few
    percent at most. Weekends have no bars; there are no holidays. It knows the tickers of
    `OFFLINE_TICKERS` only: others have no quote (`TickerNotFound`) and no history.
    """

    name = OFFLINE_PROVIDER

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def close(self, ticker: str, day: date) -> Decimal:
        base = synthetic_price(ticker)
        ordinal = day.toordinal()
        slow = _triangle(ordinal + bounded_int(0, 60, "offline-phase-slow", ticker), 61)
        fast = _triangle(ordinal + bounded_int(0, 16, "offline-phase-fast", ticker), 17)
        noise = 2 * unit_interval("offline-noise", ticker, day.isoformat()) - 1
        factor = 1 + Decimal("0.08") * slow + Decimal("0.03") * fast + Decimal("0.005") * noise
        return cents(base * factor)

    def bar(self, ticker: str, day: date) -> PriceBar:
        iso = day.isoformat()
        close = self.close(ticker, day)
        opening = cents(close * (1 + Decimal("0.01") * (2 * unit_interval("offline-open", ticker, iso) - 1)))
        high = cents(max(opening, close) * (1 + Decimal("0.01") * unit_interval("offline-high", ticker, iso)))
        low = cents(min(opening, close) * (1 - Decimal("0.01") * unit_interval("offline-low", ticker, iso)))
        return PriceBar(
            ticker=ticker,
            day=iso,
            open=opening,
            high=high,
            low=low,
            close=close,
            adj_close=close,
            volume=bounded_int(100_000, 5_000_000, "offline-volume", ticker, iso),
        )

    def quote_summary(self, ticker: str) -> QuoteSummary:
        if ticker not in OFFLINE_TICKERS:
            raise TickerNotFound(f"the offline provider lists no {ticker}")
        today = _last_business_day(self._clock().date())
        previous = _last_business_day(today - timedelta(days=1))
        bar = self.bar(ticker, today)
        year = [self.close(ticker, day) for day in business_days(today - timedelta(days=364), today)]
        shares = bounded_int(50_000_000, 5_000_000_000, "offline-shares", ticker)
        return QuoteSummary(
            ticker=ticker,
            name=f"{ticker} (offline)",
            currency="USD",
            exchange="OFFLINE",
            price=bar.close,
            previous_close=self.close(ticker, previous),
            open=bar.open,
            day_high=bar.high,
            day_low=bar.low,
            volume=bar.volume,
            market_cap=int(bar.close * shares),
            fifty_two_week_high=max(year),
            fifty_two_week_low=min(year),
            market_time=f"{today.isoformat()}T21:00:00.000Z",
            raw={"provider": OFFLINE_PROVIDER, "ticker": ticker, "day": today.isoformat()},
        )

    def history(self, ticker: str, start: date, end: date) -> list[PriceBar]:
        if ticker not in OFFLINE_TICKERS:
            return []
        return [self.bar(ticker, day) for day in business_days(start, end)]
