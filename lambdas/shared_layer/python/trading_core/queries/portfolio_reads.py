"""The reads behind `GET /customers/{customerId}/portfolio` (the maths are in `queries.portfolio`).

Per request: the customer record (GetItem), its trades up to the last day (one Query of the `TRADE#`
range, continued), its ledger entries up to the end of that day (one Query of the `LEDGER#` range),
the `HistDataEnd` of the held tickers (one BatchGetItem) and their stored closes (one Query per
ticker). When the stored history lacks closes the valuation needs (`portfolio.history_wanted`), the
historical-data function is invoked once for all those tickers (`market_data.history_lookup`) and the
closes read again; a ticker still without one is reported missing, never given a made-up price. A failed
invocation raises `HistoryUnavailable` (the data API's 503).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from boto3.dynamodb.conditions import Key

from trading_core.common import keys
from trading_core.common.clock import Clock, utc_now
from trading_core.common.dynamodb import every_page
from trading_core.common.money import to_decimal
from trading_core.customers import ledger, record
from trading_core.market_data.history_lookup import HistoryLookup
from trading_core.market_data.store import MarketDataStore
from trading_core.model.order_trades import trades_of
from trading_core.model.trade import Trade
from trading_core.queries import portfolio
from trading_core.queries.portfolio import Book, CashMovement, DailyClose, Valuation

# Sort-key bounds one past every item of a day: '$' follows the '#' after a trade's day, 'U' the 'T'
# after a ledger entry's day.
_TRADES_END: Final = "$"
_LEDGER_END: Final = "U"


def movement_of(item: dict[str, Any]) -> CashMovement:
    """A ledger entry as a cash movement; the opening balance counts from the beginning."""
    amount = to_decimal(item["Amount"])
    signed = amount if item.get("Kind") == ledger.EntryKind.DEPOSIT.value else -amount
    at = portfolio.OPENING if item.get("EntryId") == ledger.OPENING_ENTRY_ID else str(item.get("Created", ""))
    return CashMovement(at, signed)


class PortfolioReads:
    """The portfolio of a customer at the end of a day, or of every day of a range."""

    def __init__(
        self,
        trades_table: Any,
        market_data: MarketDataStore,
        history: HistoryLookup | None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._table = trades_table
        self._market_data = market_data
        self._history = history
        self._clock = clock

    def portfolio(self, customer_id: str, day: str) -> dict[str, Any] | None:
        """The date form's answer; None for an unknown customer."""
        valuations = self._valuations(customer_id, [day])
        return None if valuations is None else portfolio.portfolio_wire(customer_id, valuations[0])

    def portfolio_range(self, customer_id: str, first: str, last: str) -> dict[str, Any] | None:
        """The range form's answer (every calendar day from `first` to `last`); None for an unknown customer."""
        valuations = self._valuations(customer_id, portfolio.calendar_days(first, last))
        return None if valuations is None else portfolio.range_wire(customer_id, first, last, valuations)

    def _valuations(self, customer_id: str, days: Sequence[str]) -> list[Valuation] | None:
        customer = self._table.get_item(Key=keys.customer_key(customer_id)).get("Item")
        if customer is None:
            return None
        books = portfolio.replay(
            self.trades_until(customer_id, days[-1]), self.movements_until(customer, days[-1]), days
        )
        closes = self._closes_for(books, days)
        return [portfolio.value_book(book, closes) for book in books]

    def trades_until(self, customer_id: str, day: str) -> list[Trade]:
        """The customer's trades with a trade day on or before `day`."""
        condition = Key(keys.PK).eq(keys.trades_partition(customer_id)) & Key(keys.SK).between(
            keys.TRADE_PREFIX, f"{keys.TRADE_PREFIX}{day}{_TRADES_END}"
        )
        items = every_page(self._table.query, KeyConditionExpression=condition)
        return [trade for item in items for trade in trades_of(item)]

    def movements_until(self, customer: dict[str, Any], day: str) -> list[CashMovement]:
        """The ledger's deposits and withdrawals made by the end of `day`, and the opening balance of a
        record never completed (`record.total_deposits`: it has no ledger entry yet)."""
        customer_id = record.customer_id_of(customer)
        condition = Key(keys.PK).eq(keys.trades_partition(customer_id)) & Key(keys.SK).between(
            ledger.LEDGER_PREFIX, f"{ledger.LEDGER_PREFIX}{day}{_LEDGER_END}"
        )
        movements = [movement_of(item) for item in every_page(self._table.query, KeyConditionExpression=condition)]
        if record.TOTAL_DEPOSITS not in customer:
            movements.append(CashMovement(portfolio.OPENING, record.total_deposits(customer)))
        return movements

    def _closes_for(self, books: Sequence[Book], days: Sequence[str]) -> dict[str, list[DailyClose]]:
        tickers = portfolio.tickers_held(books)
        if not tickers:
            return {}
        start, end = portfolio.close_window(days)
        closes = self.closes(tickers, start, end)
        wanted = portfolio.history_wanted(books, closes, self._market_data.history_ends(tickers), self._today())
        if wanted is None or self._history is None:
            return closes
        self._history.load(wanted.tickers, wanted.since)
        return {**closes, **self.closes(wanted.tickers, start, end)}

    def closes(self, tickers: Sequence[str], start: str, end: str) -> dict[str, list[DailyClose]]:
        """The stored closes of each ticker from `start` to `end`, oldest first."""
        return {
            ticker: [DailyClose(bar.day, bar.close) for bar in self._market_data.history(ticker, start, end)]
            for ticker in tickers
        }

    def _today(self) -> date:
        return self._clock().date()
