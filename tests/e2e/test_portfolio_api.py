"""`GET /customers/{customerId}/portfolio` over HTTP on the local cloud.

A customer of this module only, with a deposit and two fills dated weeks ago (written through the AWS
endpoint, as an import of past trades would be; the aggregator applies them from the stream), on
tickers no other e2e test touches, so their history is not stored: the first request makes the data
API invoke the deployed historical-data function (offline provider), and the portfolio is valued at
the provider's closes of that day. Every expected amount is computed from the rules, never pasted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import boto3

from tests.e2e.conftest import Client
from tests.trade_samples import dated_fill
from tests.trade_store import trade_item
from trading_core.common import keys
from trading_core.common.money import cents
from trading_core.customers import ledger
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.model.child_order import Direction
from trading_core.model.trade import Trade

CUSTOMER = "PF-000301"  # no other e2e test uses it
TICKERS = ("TXN", "LOW")  # nor trades them
TODAY = datetime.now(UTC).date()


def wednesday_before(days_back: int) -> date:
    day = TODAY - timedelta(days=days_back)
    while day.weekday() != 2:
        day -= timedelta(days=1)
    return day


WEDNESDAY = wednesday_before(40)


def fill(n: int, day: date, direction: Direction, ticker: str, quantity: int, price: str) -> Trade:
    return dated_fill(
        customer_id=CUSTOMER,
        order_id=f"portfolio-e2e-{n}",
        day=day,
        second=n,
        direction=direction,
        ticker=ticker,
        quantity=quantity,
        price=Decimal(price),
        fee=Decimal("0.02"),
        hour=15,
    )


def write_history(client: Client) -> None:
    table = boto3.resource(
        "dynamodb", region_name="us-east-1", endpoint_url=client.outputs["LocalCloud"]["AwsEndpointUrl"]
    ).Table(client.url("TradesTableName"))
    opened = f"{(WEDNESDAY - timedelta(days=7)).isoformat()}T09:00:00.000Z"
    funds = Decimal("50000.00")
    table.put_item(
        Item={
            **keys.customer_key(CUSTOMER),
            "CustomerId": CUSTOMER,
            "RemainingFunds": funds,
            "AvailableFunds": funds,
            "ReservedFunds": Decimal(0),
            "TotalDeposits": funds,
            "Created": opened,
        }
    )
    table.put_item(Item=ledger.deposit(CUSTOMER, funds, entry_id="e2e", reason="initial funds", at=opened).to_item())
    for trade in (
        fill(1, WEDNESDAY - timedelta(days=1), Direction.BUY, "TXN", 20, "180.00"),
        fill(2, WEDNESDAY, Direction.BUY, "LOW", 10, "250.00"),
    ):
        table.put_item(Item=trade_item(trade))
    client.idle()  # the aggregator applies the fills


def test_a_portfolio_at_a_past_date_loads_the_history_it_lacks(client: Client) -> None:
    write_history(client)

    status, body = client.get(f"/customers/{CUSTOMER}/portfolio", {"date": WEDNESDAY.isoformat()})

    assert status == 200, body
    offline = OfflineProvider()
    closes = {ticker: offline.close(ticker, WEDNESDAY) for ticker in TICKERS}
    values = {"TXN": cents(closes["TXN"] * 20), "LOW": cents(closes["LOW"] * 10)}
    cash = Decimal("50000.00") - Decimal("3600.02") - Decimal("2500.02")
    assert {k: body[k] for k in ("customerId", "date", "cash", "marketValue", "equity", "missingPrices")} == {
        "customerId": CUSTOMER,
        "date": WEDNESDAY.isoformat(),
        "cash": str(cash),
        "marketValue": str(sum(values.values())),
        "equity": str(cash + sum(values.values())),
        "missingPrices": [],
    }
    assert [(p["ticker"], p["close"], p["closeDate"], p["marketValue"]) for p in body["positions"]] == [
        ("LOW", str(closes["LOW"]), WEDNESDAY.isoformat(), str(values["LOW"])),
        ("TXN", str(closes["TXN"]), WEDNESDAY.isoformat(), str(values["TXN"])),
    ]

    # today: the cash the aggregator left is the customer's remaining funds
    status, series = client.get(
        f"/customers/{CUSTOMER}/portfolio", {"from": (TODAY - timedelta(days=6)).isoformat(), "to": TODAY.isoformat()}
    )
    assert status == 200, series
    assert len(series["days"]) == 7
    assert series["days"][-1]["cash"] == client.customer(CUSTOMER)["remainingFunds"] == str(cash)
    assert series["missingPrices"] == []


def test_a_date_after_today_is_400(client: Client) -> None:
    tomorrow = (TODAY + timedelta(days=1)).isoformat()

    status, body = client.get(f"/customers/{CUSTOMER}/portfolio", {"date": tomorrow})

    assert status == 400, body
    assert body["errors"] == [{"field": "date", "message": f"must not be after today ({TODAY.isoformat()})"}]
