"""The data API's bodies of customers and money: the customer view, the ledger, positions and the portfolio.

Money is a 2-decimal string everywhere; amounts sent may be strings or numbers (`schemas.amount_in`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, RootModel

from trading_core.contracts import CUSTOMER_ID_PATTERN

from .schemas import ClosedModel, Day, Money, OpenModel, Page, Timestamp, amount_in


class Customer(OpenModel):
    """A customer's funds and statistics, defaults filled in for what an old record lacks."""

    customerId: str
    remainingFunds: Money = Field(description="Cash held: deposits - withdrawals - what buys cost + what sells got.")
    availableFunds: Money = Field(description="remainingFunds - reservedFunds: what a new buy may spend.")
    reservedFunds: Money = Field(description="Held for live buy orders.")
    totalDeposits: Money
    totalWithdrawals: Money
    nrTrades: int
    totalCommissionPaid: Money
    totalAmountInvested: Money
    realizedPnl: Money
    created: Timestamp | None = None
    updated: Timestamp | None = None


class LedgerEntry(OpenModel):
    """A deposit or a withdrawal: the only ways money enters or leaves."""

    customerId: str
    entryId: str
    kind: Literal["DEPOSIT", "WITHDRAWAL"]
    amount: Money
    reason: str
    created: Timestamp


class CreatedCustomer(Customer):
    """`POST /customers`: the new customer and its opening ledger entries."""

    ledger: list[LedgerEntry]


class CustomerList(Page):
    """Customers by id."""

    customers: list[Customer]


class LedgerPage(Page):
    """A customer's deposits and withdrawals, oldest first."""

    customerId: str
    entries: list[LedgerEntry]


class NewCustomer(ClosedModel):
    """`POST /customers`."""

    customerId: str | None = Field(
        default=None, pattern=CUSTOMER_ID_PATTERN, description="Absent: a UUID is generated."
    )
    initialDeposit: Annotated[Any, amount_in("The opening deposit, 0 or more.", minimum_exclusive=False)]
    reason: str | None = Field(default=None, max_length=200, description="The deposit's reason in the ledger.")


class Movement(ClosedModel):
    """`POST /customers/{customerId}/deposits` and `/withdrawals`."""

    amount: Annotated[Any, amount_in("The amount, greater than 0.", minimum_exclusive=True)]
    reason: str | None = Field(default=None, max_length=200, description="Kept in the ledger entry.")


class MovementResult(OpenModel):
    """The ledger entry written and the customer after it."""

    entry: LedgerEntry
    customer: Customer


class Position(OpenModel):
    """A position valued at the market price now; the valuation is null for a ticker without market data."""

    ticker: str
    quantity: int
    availableQuantity: int
    reservedQuantity: int = Field(description="Held for live sell orders.")
    costBasis: Money
    averageCost: Money
    realizedPnl: Money
    marketPrice: Money | None
    priceTime: Timestamp | None
    marketValue: Money | None = Field(description="quantity * marketPrice, to the cent.")
    unrealizedPnl: Money | None = Field(description="marketValue - costBasis.")


class Positions(OpenModel):
    customerId: str
    positions: list[Position]
    count: int = Field(ge=0)


class PortfolioPosition(OpenModel):
    """A holding at the end of the day, valued at the last close on or before it."""

    ticker: str
    quantity: int
    costBasis: Money
    averageCost: Money
    close: Money | None = Field(description="The close it is valued at; null when no history has it.")
    closeDate: Day | None
    marketValue: Money | None
    unrealizedPnl: Money | None
    realizedPnl: Money


class PortfolioDay(OpenModel):
    """The portfolio's totals at the end of a day: equity = cash + marketValue. A holding without a close makes
    marketValue, equity and unrealizedPnl null (leaving it out would price it at zero)."""

    date: Day
    cash: Money
    marketValue: Money | None
    equity: Money | None
    realizedPnl: Money
    unrealizedPnl: Money | None


class PortfolioAtDate(PortfolioDay):
    """`?date=`: the holdings at the end of that day, at that day's close."""

    customerId: str
    positions: list[PortfolioPosition]
    missingPrices: list[str] = Field(description="Tickers held that day with no close to value them at.")


class PortfolioSeries(OpenModel):
    """`?from=&to=`: the daily totals."""

    customerId: str
    from_: Day = Field(alias="from")
    to: Day
    days: list[PortfolioDay]
    missingPrices: list[str] = Field(description="Tickers without a close on some day they were held.")


class Portfolio(RootModel[PortfolioAtDate | PortfolioSeries]):
    """`GET /customers/{customerId}/portfolio`: at a date (`?date=`) or a daily series (`?from=&to=`)."""
