"""`GET /customers/{customerId}/positions` and `/ledger` over HTTP on the local cloud.

A customer of this module only (seeded through the deployed customer seeder, as
`test_order_lifecycle` does) buys, then sells part of, a ticker no other e2e test trades; its position
is read back valued at the market price of the request's instant, every expected amount computed from
the rules (the walk, average cost) and the trades the data API returns, never pasted from a run.
"""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.conftest import Client, today
from tests.e2e.test_order_lifecycle import notional, post_one, seed_customers, stored_quote
from trading_core.aggregation.positions import sold_cost
from trading_core.common.clock import parse_iso
from trading_core.common.money import cents
from trading_core.customers.ledger import SEED_ENTRY_ID
from trading_core.market.walk import walk_price

CUSTOMER = "PA-000201"  # no other e2e test uses it
TICKER = "HD"  # nor trades it
FUNDS = Decimal("100000.00")


def test_a_position_bought_and_partly_sold_is_valued_at_the_market_and_the_ledger_shows_the_seed(
    client: Client,
) -> None:
    seed_customers(client, [CUSTOMER], FUNDS)
    post_one(client, {"customerId": CUSTOMER, "direction": "Buy", "ticker": TICKER, "type": "Market", "quantity": 10})
    client.idle()
    post_one(client, {"customerId": CUSTOMER, "direction": "Sell", "ticker": TICKER, "type": "Market", "quantity": 4})
    client.idle()

    status, body = client.get(f"/customers/{CUSTOMER}/positions")

    assert status == 200, body
    [position] = body["positions"]
    trades = sorted(client.trades(CUSTOMER, today()), key=lambda t: t["tradeDate"])
    assert [(t["direction"], t["quantity"]) for t in trades] == [("Buy", 10), ("Sell", 4)]
    basis = notional(trades[0])
    cost = sold_cost(basis, 10, 4)
    price = walk_price(stored_quote(client, TICKER), TICKER, parse_iso(position["priceTime"]))
    assert {name: position[name] for name in position if name not in ("updated", "priceTime", "averageCost")} == {
        "ticker": TICKER,
        "quantity": 6,
        "availableQuantity": 6,
        "reservedQuantity": 0,
        "costBasis": str(basis - cost),
        "realizedPnl": str(notional(trades[1]) - cost),
        "nrTrades": 2,
        "totalBought": 10,
        "totalSold": 4,
        "marketPrice": str(price),
        "marketValue": str(cents(price * 6)),
        "unrealizedPnl": str(cents(price * 6) - (basis - cost)),
    }
    assert position["averageCost"] == str(cents((basis - cost) / 6))

    status, ledger = client.get(f"/customers/{CUSTOMER}/ledger", {"limit": "1"})
    assert status == 200, ledger
    assert [(e["entryId"], e["kind"], e["amount"]) for e in ledger["entries"]] == [
        (SEED_ENTRY_ID, "DEPOSIT", str(FUNDS))
    ]
    if ledger["nextToken"]:  # a page of one: the next one is empty
        status, rest = client.get(f"/customers/{CUSTOMER}/ledger", {"limit": "1", "nextToken": ledger["nextToken"]})
        assert (status, rest["entries"], rest["nextToken"]) == (200, [], None)

    assert client.get("/customers/PA-000404/positions")[0] == 404
    status, error = client.get("/customers/PA.000201/ledger")
    assert status == 400 and error["errors"][0]["field"] == "customerId", error
