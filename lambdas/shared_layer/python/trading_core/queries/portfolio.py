"""A customer's portfolio at the end of a day, valued at that day's close (pure: no I/O).

`GET /customers/{customerId}/portfolio` replays what happened up to the end of the date (UTC):

- Holdings: the customer's trades with `tradeDate` on or before the date, oldest first, through the
  aggregator's own position maths (`aggregation.positions.PositionChange`: average cost, realized
  P&L), so a position replayed to today is the stored position of the aggregator.
- Cash: the ledger's deposits minus withdrawals made by the end of the date, plus each trade's cash
  flow (`Trade.cash_flow`: a buy pays its notional and fee, a sell receives its notional less its fee)
  — how the aggregator moves `RemainingFunds`. Reservations of live orders are not cash spent: today's
  cash is the customer's `remainingFunds` once every trade is aggregated. An opening balance (the
  ledger entry the completion of an original-shape record writes, or the balance of a record never
  completed) is the money the account started with: it counts from the beginning.
- Valuation: each held ticker at its close on the date, or the latest close before it (weekends,
  holidays) at most `MAX_CLOSE_AGE_DAYS` earlier (`closeDate` says which); none: the ticker is in
  `missingPrices`, its `close`, `marketValue` and `unrealizedPnl` are null and so are the totals that
  would need it (`marketValue`, `equity`, `unrealizedPnl`) — a price is never made up.

    marketValue   = Σ cents(quantity * close)
    unrealizedPnl = Σ (marketValue - costBasis) of the held positions
    equity        = cash + marketValue
                  = net deposits - fees + realizedPnl + unrealizedPnl   (exact to the cent)

A position appears while it holds shares or carries realized P&L (the positions route's rule).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from trading_core.aggregation.positions import PositionChange
from trading_core.common.clock import day_of
from trading_core.common.money import ZERO, money_str
from trading_core.customers.position import PositionState
from trading_core.model.trade import Trade
from trading_core.queries.parameters import InvalidParameter, parse_day
from trading_core.queries.position_view import average_cost_cents, value

MAX_CLOSE_AGE_DAYS: Final = 7
"""A close more than this many days before the date is not the date's close (the history lacks it)."""
MAX_RANGE_DAYS: Final = 366
"""The most days the range form values (every calendar day from `from` to `to`)."""
OPENING: Final = ""
"""The `at` of a cash movement that counts from the beginning (an opening balance)."""


@dataclass(frozen=True)
class CashMovement:
    """A deposit (positive) or withdrawal (negative) of the ledger, at an ISO time (or `OPENING`)."""

    at: str
    amount: Decimal


@dataclass(frozen=True)
class DailyClose:
    day: str
    close: Decimal


@dataclass(frozen=True)
class Holding:
    """One ticker at the end of a day: shares, their cost (average-cost method), realized P&L so far."""

    ticker: str
    quantity: int
    cost_basis: Decimal
    realized_pnl: Decimal

    @property
    def shown(self) -> bool:
        return self.quantity != 0 or self.realized_pnl != ZERO


@dataclass(frozen=True)
class Book:
    """Cash and holdings at the end of `day`."""

    day: str
    cash: Decimal
    holdings: tuple[Holding, ...]

    def held(self) -> list[str]:
        return [holding.ticker for holding in self.holdings if holding.quantity != 0]


@dataclass(frozen=True)
class PortfolioRequest:
    """The days asked for: one (`?date=`, `single`) or every calendar day from `first` to `last`."""

    first: str
    last: str
    single: bool


def portfolio_request(day: str | None, first: str | None, last: str | None, today: date) -> PortfolioRequest:
    """Exactly one form, `?date=` or `?from=&to=`, days that exist, none after `today` (UTC), a range of
    at most `MAX_RANGE_DAYS` days; raises `InvalidParameter` naming the parameter."""
    if day is not None:
        if first is not None or last is not None:
            raise InvalidParameter("date", "cannot be combined with from and to")
        single = _not_after(parse_day(day, "date"), "date", today)
        return PortfolioRequest(single, single, True)
    if first is None and last is None:
        raise InvalidParameter("date", "is required (or from and to)")
    if first is None:
        raise InvalidParameter("from", "is required with to")
    if last is None:
        raise InvalidParameter("to", "is required with from")
    start, end = parse_day(first, "from"), parse_day(last, "to")
    _not_after(end, "to", today)
    if end < start:
        raise InvalidParameter("to", "must not be before from")
    if (date.fromisoformat(end) - date.fromisoformat(start)).days >= MAX_RANGE_DAYS:
        raise InvalidParameter("to", f"must be at most {MAX_RANGE_DAYS - 1} days after from ({MAX_RANGE_DAYS} days)")
    return PortfolioRequest(start, end, False)


def _not_after(day: str, field: str, today: date) -> str:
    if day > today.isoformat():
        raise InvalidParameter(field, f"must not be after today ({today.isoformat()})")
    return day


def replay_order(trade: Trade) -> tuple[str, str, str]:
    """Fills in the order they happened (the trade's time, then its settlement), as the aggregator
    applied them: a position's average cost depends on it."""
    return trade.trade_date, trade.settlement_date or "", trade.trade_id


def calendar_days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def replay(trades: Iterable[Trade], movements: Iterable[CashMovement], days: Sequence[str]) -> list[Book]:
    """The book at the end of each of `days` (ascending ISO days): trades of a day count on that day
    (`Trade.trade_day`), cash movements on the UTC day of their time."""
    ordered = sorted(trades, key=replay_order)
    moves = sorted(movements, key=lambda movement: movement.at)
    positions: dict[str, PositionChange] = {}
    cash = ZERO
    books: list[Book] = []
    next_trade = next_move = 0
    for day in days:
        while next_trade < len(ordered) and ordered[next_trade].trade_day <= day:
            trade = ordered[next_trade]
            positions.setdefault(trade.ticker, PositionChange(start=PositionState())).apply(trade)
            cash += trade.cash_flow
            next_trade += 1
        while next_move < len(moves) and day_of(moves[next_move].at) <= day:
            cash += moves[next_move].amount
            next_move += 1
        holdings = tuple(
            Holding(ticker, change.held, change.basis, change.realized_pnl)
            for ticker, change in sorted(positions.items())
        )
        books.append(Book(day, cash, holdings))
    return books


def close_on(closes: Sequence[DailyClose], day: str, max_age_days: int = MAX_CLOSE_AGE_DAYS) -> DailyClose | None:
    """The close of `day`, or the latest before it within `max_age_days`; `closes` oldest first."""
    index = bisect.bisect_right([close.day for close in closes], day)
    if index == 0:
        return None
    latest = closes[index - 1]
    oldest = (date.fromisoformat(day) - timedelta(days=max_age_days)).isoformat()
    return latest if latest.day >= oldest else None


def last_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class HistoryWanted:
    """The tickers whose stored history lacks closes the books need, and the first day to load from."""

    tickers: tuple[str, ...]
    since: date


def history_wanted(
    books: Iterable[Book],
    closes: Mapping[str, Sequence[DailyClose]],
    history_ends: Mapping[str, str | None],
    today: date,
) -> HistoryWanted | None:
    """Which held tickers to load history for before valuing `books`.

    A ticker held at the end of a day needs a load when no close of that day (or of the
    `MAX_CLOSE_AGE_DAYS` before) is stored, or when its stored history (`HistDataEnd`) stops before
    the last business day up to that day that has ended (today's session has no close yet): the bars
    since were not loaded. The load starts `MAX_CLOSE_AGE_DAYS` before the earliest such day, so the
    latest close before it comes too."""
    yesterday = today - timedelta(days=1)
    wanted: set[str] = set()
    earliest: date | None = None
    for book in books:
        day = date.fromisoformat(book.day)
        ended = last_business_day(min(day, yesterday)).isoformat()
        for ticker in book.held():
            end = history_ends.get(ticker)
            if close_on(closes.get(ticker, ()), book.day) is None or (end is not None and end < ended):
                wanted.add(ticker)
                earliest = day if earliest is None else min(earliest, day)
    if earliest is None:
        return None
    return HistoryWanted(tuple(sorted(wanted)), earliest - timedelta(days=MAX_CLOSE_AGE_DAYS))


@dataclass(frozen=True)
class PositionValue:
    holding: Holding
    close: DailyClose | None
    market_value: Decimal | None
    unrealized_pnl: Decimal | None


@dataclass(frozen=True)
class Valuation:
    book: Book
    positions: tuple[PositionValue, ...]
    missing_prices: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing_prices

    @property
    def market_value(self) -> Decimal | None:
        if not self.complete:
            return None
        return sum((p.market_value for p in self.positions if p.market_value is not None), ZERO)

    @property
    def unrealized_pnl(self) -> Decimal | None:
        if not self.complete:
            return None
        return sum((p.unrealized_pnl for p in self.positions if p.unrealized_pnl is not None), ZERO)

    @property
    def realized_pnl(self) -> Decimal:
        return sum((holding.realized_pnl for holding in self.book.holdings), ZERO)

    @property
    def equity(self) -> Decimal | None:
        market_value = self.market_value
        return None if market_value is None else self.book.cash + market_value


def value_book(book: Book, closes: Mapping[str, Sequence[DailyClose]]) -> Valuation:
    """The book at its day's closes (`closes` per ticker, oldest first)."""
    positions: list[PositionValue] = []
    missing: list[str] = []
    for holding in book.holdings:
        if holding.quantity == 0:
            positions.append(PositionValue(holding, None, ZERO, ZERO))
            continue
        close = close_on(closes.get(holding.ticker, ()), book.day)
        if close is None:
            missing.append(holding.ticker)
            positions.append(PositionValue(holding, None, None, None))
            continue
        valued = value(holding.quantity, holding.cost_basis, close.close)
        positions.append(PositionValue(holding, close, valued.market_value, valued.unrealized_pnl))
    return Valuation(book, tuple(positions), tuple(missing))


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else money_str(amount)


def totals_wire(valuation: Valuation) -> dict[str, Any]:
    return {
        "cash": money_str(valuation.book.cash),
        "marketValue": _money(valuation.market_value),
        "equity": _money(valuation.equity),
        "realizedPnl": money_str(valuation.realized_pnl),
        "unrealizedPnl": _money(valuation.unrealized_pnl),
    }


def position_wire(position: PositionValue) -> dict[str, Any]:
    holding = position.holding
    return {
        "ticker": holding.ticker,
        "quantity": holding.quantity,
        "costBasis": money_str(holding.cost_basis),
        "averageCost": money_str(average_cost_cents(holding.cost_basis, holding.quantity)),
        "close": None if position.close is None else money_str(position.close.close),
        "closeDate": None if position.close is None else position.close.day,
        "marketValue": _money(position.market_value),
        "unrealizedPnl": _money(position.unrealized_pnl),
        "realizedPnl": money_str(holding.realized_pnl),
    }


def portfolio_wire(customer_id: str, valuation: Valuation) -> dict[str, Any]:
    """The date form's answer."""
    return {
        "customerId": customer_id,
        "date": valuation.book.day,
        **totals_wire(valuation),
        "positions": [position_wire(p) for p in valuation.positions if p.holding.shown],
        "missingPrices": list(valuation.missing_prices),
    }


def range_wire(customer_id: str, first: str, last: str, valuations: Sequence[Valuation]) -> dict[str, Any]:
    """The range form's answer: one entry per calendar day; `missingPrices` names every ticker that
    lacked a close on some day it was held (those days' market totals are null)."""
    missing = sorted({ticker for valuation in valuations for ticker in valuation.missing_prices})
    return {
        "customerId": customer_id,
        "from": first,
        "to": last,
        "days": [{"date": v.book.day, **totals_wire(v)} for v in valuations],
        "missingPrices": missing,
    }


def tickers_held(books: Iterable[Book]) -> list[str]:
    return sorted({ticker for book in books for ticker in book.held()})


def close_window(days: Sequence[str]) -> tuple[str, str]:
    """The stored history `days` are valued from: `MAX_CLOSE_AGE_DAYS` before the first, to the last."""
    first = (date.fromisoformat(days[0]) - timedelta(days=MAX_CLOSE_AGE_DAYS)).isoformat()
    return first, days[-1]
