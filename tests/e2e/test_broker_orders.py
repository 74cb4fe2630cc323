"""A broker's view of orders over HTTP on the local cloud (issue 10): a refused order kept and read back, the
customer's orders newest first with a filled parent's average price, notional and fees, trades of a range of
days, a ticker's VWAP, and the one error body.

A customer and a ticker no other e2e test uses; every expected figure is computed from the trades the data
API returns, never pasted from a run.
"""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.conftest import Client, today
from tests.e2e.test_order_lifecycle import notional, seed_customers
from trading_core.common.money import cents

CUSTOMER = "BO-000401"  # no other e2e test uses it
TICKER = "SBUX"  # nor trades it
FUNDS = Decimal("100000.00")


def test_a_refused_and_a_filled_order_are_listed_with_their_figures(client: Client) -> None:
    seed_customers(client, [CUSTOMER], FUNDS)
    buy = {"customerId": CUSTOMER, "direction": "Buy", "ticker": TICKER, "type": "Market", "quantity": 7}
    oversell = {"customerId": CUSTOMER, "direction": "Sell", "ticker": TICKER, "type": "Market", "quantity": 1000}
    status, answer = client.post_orders([buy, oversell])
    assert status == 200, answer
    [refused] = answer["invalidOrders"]
    assert refused["reason"].startswith("insufficient position") and refused["orderId"], refused
    [child] = answer["orders"]
    client.idle()

    status, listed = client.get(f"/customers/{CUSTOMER}/orders")
    assert status == 200, listed
    by_status = {order["status"]: order for order in listed["orders"]}
    assert sorted(by_status) == ["FILLED", "REFUSED"], listed
    assert by_status["REFUSED"]["orderId"] == refused["orderId"]
    [trade] = client.trades(CUSTOMER, today())
    filled = by_status["FILLED"]
    assert (filled["orderId"], filled["filledQuantity"], filled["openQuantity"]) == (child["parentOrderId"], 7, 0)
    assert (filled["notional"], filled["fees"]) == (str(notional(trade)), trade["fee"])
    assert filled["averagePrice"] == str(cents(notional(trade) / 7)) == trade["price"]

    status, kept = client.get(f"/orders/{refused['orderId']}")
    assert (status, kept["status"], kept["reason"], kept["children"]) == (200, "REFUSED", refused["reason"], [])
    status, only = client.get(f"/customers/{CUSTOMER}/orders", {"status": "REFUSED", "from": today(), "to": today()})
    assert (status, [order["orderId"] for order in only["orders"]]) == (200, [refused["orderId"]]), only

    status, ranged = client.get(f"/trades/{CUSTOMER}", {"from": today(), "to": today()})
    assert (status, [t["tradeId"] for t in ranged["trades"]], ranged["from"]) == (200, [trade["tradeId"]], today())

    status, ticker = client.get(f"/tickers/{TICKER}")
    assert status == 200, ticker
    assert (ticker["nrTrades"], ticker["totalQuantity"], ticker["totalNotional"]) == (1, 7, str(notional(trade)))
    assert ticker["vwap"] == trade["price"]

    status, error = client.get("/orders/not-a-uuid")
    assert (status, error) == (
        400,
        {"message": "invalid request", "errors": [{"field": "orderId", "message": "must be a UUID"}]},
    )
    status, error = client.get("/tickers/ZZZZ", {"date": "2026-12-01"})
    assert (status, error) == (
        404,
        {"message": "ticker ZZZZ not found: no market data and no trades on 2026-12-01", "errors": []},
    )
