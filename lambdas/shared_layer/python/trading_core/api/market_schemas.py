"""The data API's trades and tickers, and the market-data APIs' bodies."""

from __future__ import annotations

from pydantic import Field, RootModel

from trading_core.contracts import MARKET_DATA_TICKER_PATTERN, MAX_TICKERS_PER_EXECUTION
from trading_core.model.child_order import Direction, OrderType

from .schemas import ClosedModel, Day, Money, OpenModel, Page, Timestamp


class Trade(OpenModel):
    """The fill of one child order at a venue; `settlementDate` once settled."""

    tradeId: str
    orderId: str
    customerId: str
    direction: Direction
    ticker: str
    type: OrderType
    quantity: int
    price: Money = Field(description="The execution price.")
    exchange: str
    exchangeType: str = Field(description="DarkPool or LitPool.")
    tradeDate: Timestamp
    fee: Money
    parentOrderId: str | None = None
    orderDate: Timestamp | None = None
    initialQuantity: int | None = None
    split: str | None = None
    reservedAmount: Money | None = None
    timeInForce: str | None = None
    expiresAt: Timestamp | None = None
    settlementDate: Timestamp | None = None


class TradePage(Page):
    """A customer's trades, oldest first: of one `tradeDate`, of a `from`/`to` range, or all."""

    customerId: str
    trades: list[Trade]
    tradeDate: Day | None = None
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None


class TickerDay(OpenModel):
    """A ticker's trades on a day (today by default) and the market price now."""

    ticker: str
    date: Day
    nrTrades: int
    totalQuantity: int
    totalNotional: Money | None = Field(description="The sum of price * quantity of the day's trades.")
    vwap: Money | None = Field(description="totalNotional / totalQuantity; null when there were no trades.")
    marketPrice: Money | None = Field(description="The market price now; null without market data.")
    priceTime: Timestamp | None = None


class QuoteSummary(OpenModel):
    """The stored quote summary of a ticker and its history bookkeeping."""

    ticker: str
    name: str
    currency: str
    exchange: str
    price: Money
    previousClose: Money | None
    open: Money | None
    dayHigh: Money | None
    dayLow: Money | None
    volume: int | None
    marketCap: int | None
    fiftyTwoWeekHigh: Money | None
    fiftyTwoWeekLow: Money | None
    marketTime: Timestamp | None
    histDataStart: Day | None
    histDataEnd: Day | None
    updated: Timestamp | None


class PriceBar(OpenModel):
    """One trading day, split-adjusted; `adjClose` also dividend-adjusted."""

    date: Day
    open: Money
    high: Money
    low: Money
    close: Money
    adjClose: Money
    volume: int


class History(OpenModel):
    ticker: str
    from_: Day = Field(alias="from")
    to: Day
    count: int = Field(ge=0)
    bars: list[PriceBar]


class HistoryWindow(OpenModel):
    """The days whose history to delete, both inclusive."""

    from_: Day = Field(alias="from")
    to: Day


class DeletedHistory(OpenModel):
    ticker: str
    from_: Day = Field(alias="from")
    to: Day
    deletedRows: int = Field(ge=0)


class DeletedSummary(OpenModel):
    ticker: str
    deletedSummary: bool


class SummaryDeletion(RootModel[DeletedSummary | DeletedHistory]):
    """The summary deleted, or (with a body) the history in the window."""


class TickerRequest(ClosedModel):
    ticker: str = Field(pattern=MARKET_DATA_TICKER_PATTERN)


class TickersDetail(ClosedModel):
    tickers: list[TickerRequest] = Field(min_length=1, max_length=MAX_TICKERS_PER_EXECUTION)


class MarketDataRequest(ClosedModel):
    """The ticker-map workflow's input: 1 to 100 tickers as Yahoo spells them."""

    detail: TickersDetail


class ExecutionStarted(OpenModel):
    """Step Functions' StartExecution answer."""

    executionArn: str
    startDate: float = Field(description="Seconds since the epoch.")


class OpenApiDocument(OpenModel):
    """An OpenAPI 3.1 document."""

    openapi: str
    info: dict[str, object]
    paths: dict[str, object]
