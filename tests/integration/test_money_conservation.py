"""Money is conserved through the deployed handlers (issue 9): random orders (buys, sells of whole,
partial and excess holdings, marketable and resting, market and limit), deposits and withdrawals,
refusals and automatic top-ups, run through the router, the pools, post-trade, the funds raiser and
the aggregator against moto; then, from the stored items alone, for every customer, exact to the cent:

    RemainingFunds + Σ positions' CostBasis
        = TotalDeposits - TotalWithdrawals - TotalCommissionPaid + RealizedPnl

(deposits and withdrawals also the sums of its LEDGER entries), and what is reserved is exactly what
its live child orders hold: funds for buys, quantity for sells; nothing below zero.
"""

from __future__ import annotations

import os
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from tests.integration.conftest import TradingAws, create_trading_aws
from tests.integration.flow import OrderFlow, reset_handlers
from tests.integration.quote_lookup import store_quote
from tests.order_store import stored_children
from tests.trade_store import stored_trades
from trading_core.common.clock import to_iso, utc_now
from trading_core.customers.ledger_store import DynamoLedgerStore, InsufficientAvailableFunds, Recorded
from trading_core.customers.seed_store import CustomerSeedStore
from trading_core.customers.seeder import SeedSpec

CUSTOMERS = ("000001", "000002")
PRICES = {"AAPL": "100.00", "COIN": "40.00"}

ORDERS = st.tuples(
    st.sampled_from(CUSTOMERS),
    st.sampled_from(["Buy", "Sell"]),
    st.sampled_from(sorted(PRICES)),
    st.sampled_from(["market", "marketable", "resting"]),
    st.integers(1, 3000),
    st.sampled_from(["as drawn", "all held", "half held"]),
)
MONEY = st.tuples(
    st.sampled_from(CUSTOMERS),
    st.sampled_from(["deposit", "withdraw"]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000"), places=2),
)
ROUNDS = st.lists(
    st.tuples(st.lists(ORDERS, min_size=1, max_size=6), st.lists(MONEY, max_size=2)), min_size=1, max_size=4
)


def order_body(aws: TradingAws, spec: tuple[Any, ...]) -> dict[str, Any]:
    customer_id, direction, ticker, kind, quantity, sizing = spec
    if direction == "Sell" and sizing != "as drawn":
        held = sum(
            int(p.get("AvailableQuantity", 0)) for p in positions(aws, customer_id) if p["SK"] == f"TICKER#{ticker}"
        )
        quantity = max(held if sizing == "all held" else held // 2, 1)
    body: dict[str, Any] = {"customerId": customer_id, "direction": direction, "ticker": ticker, "quantity": quantity}
    market = Decimal(PRICES[ticker])
    if kind == "market":
        return {**body, "type": "Market"}
    # A marketable limit is 10 % through the market; a resting one 50 % away from it.
    factor = {("Buy", "marketable"): "1.1", ("Sell", "marketable"): "0.9", ("Buy", "resting"): "0.5"}
    price = market * Decimal(factor.get((direction, kind), "1.5"))
    return {**body, "type": "Limit", "price": f"{price:.2f}"}


def positions(aws: TradingAws, customer_id: str) -> list[dict[str, Any]]:
    return [item for item in aws.scan() if item["PK"] == f"CUST#{customer_id}" and item["SK"].startswith("TICKER#")]


def check_stored_identity(aws: TradingAws) -> None:
    items = aws.scan()
    live: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in stored_children(items):
        if item.get("Status") in ("ACCEPTED", "OPEN"):
            live[item["CustomerId"]].append(item)
    for customer_id in CUSTOMERS:
        customer = aws.customer(customer_id)
        mine = [item for item in items if item["PK"] == f"CUST#{customer_id}"]
        held = [item for item in mine if item["SK"].startswith("TICKER#")]
        entries = [item for item in mine if item["SK"].startswith("LEDGER#")]
        at_cost = sum((p["CostBasis"] for p in held), Decimal(0))
        assert customer["RemainingFunds"] + at_cost == (
            customer["TotalDeposits"]
            - customer["TotalWithdrawals"]
            - customer["TotalCommissionPaid"]
            + customer["RealizedPnl"]
        ), (customer, held)
        assert customer["TotalDeposits"] == sum((e["Amount"] for e in entries if e["Kind"] == "DEPOSIT"), Decimal(0))
        assert customer["TotalWithdrawals"] == sum(
            (e["Amount"] for e in entries if e["Kind"] == "WITHDRAWAL"), Decimal(0)
        )
        assert customer["ReservedFunds"] >= 0 and customer["AvailableFunds"] >= 0
        assert customer["AvailableFunds"] == customer["RemainingFunds"] - customer["ReservedFunds"]
        buys = [order for order in live[customer_id] if order["Direction"] == "Buy"]
        assert customer["ReservedFunds"] == sum((order["ReservedAmount"] for order in buys), Decimal(0))
        assert customer["RealizedPnl"] == sum((p["RealizedPnl"] for p in held), Decimal(0))
        for position in held:
            ticker = position["SK"].removeprefix("TICKER#")
            sells = [o for o in live[customer_id] if o["Direction"] == "Sell" and o["Ticker"] == ticker]
            assert position["ReservedQuantity"] == sum(int(order["Quantity"]) for order in sells)
            assert position["AvailableQuantity"] >= 0 and position["CostBasis"] >= 0
            assert position["Quantity"] == position["AvailableQuantity"] + position["ReservedQuantity"]


# `make test` runs a few workloads (each is a whole moto world); `make conservation` runs many.
EXAMPLES = int(os.environ.get("MONEY_CONSERVATION_EXAMPLES", "3"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([Decimal("1000.00"), Decimal("250000.00")]), ROUNDS)
def test_every_customer_keeps_cash_plus_positions_at_cost_equal_to_its_ledger(
    initial_funds: Decimal, rounds: list[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        from aws_lambda_powertools.utilities.parameters.base import clear_caches

        clear_caches()
        aws = create_trading_aws(monkeypatch)
        reset_handlers()
        flow = OrderFlow(aws, "EVENT-BRIDGE")
        for ticker, price in PRICES.items():
            store_quote(aws.market_data_table, ticker, price)
        CustomerSeedStore(aws.table).seed(SeedSpec(CUSTOMERS, initial_funds), to_iso(utc_now()))
        ledger = DynamoLedgerStore(aws.table)
        refusals: set[str] = set()
        # Each customer first buys some of each ticker, so that later sells find holdings to sell from.
        opening = [(c, "Buy", t, "marketable", 5, "as drawn") for c in CUSTOMERS for t in sorted(PRICES)]
        for n, (orders, movements) in enumerate([(opening, []), *rounds]):
            for m, (customer_id, kind, amount) in enumerate(movements):
                record = ledger.deposit if kind == "deposit" else ledger.withdraw
                outcome = record(customer_id, amount, entry_id=f"r{n}-{m}", reason=kind, at=to_iso(utc_now()))
                assert isinstance(outcome, Recorded | InsufficientAvailableFunds), outcome
            status, body = flow.post_orders([order_body(aws, spec) for spec in orders])
            assert status == 200, body
            refusals |= {refusal["reason"].split(":")[0] for refusal in body["invalidOrders"]}
            flow.run_until_idle()
            check_stored_identity(aws)
        assert refusals <= {"insufficient funds", "insufficient position"}, refusals
        trades = stored_trades(aws.scan())
        event(f"sell trades: {min(sum(t.direction.value == 'Sell' for t in trades), 2)}")
        event(f"refusals: {sorted(refusals)}")
        event(f"top-ups: {sum(item['SK'] == 'TOPUP' for item in aws.scan()) > 0}")
    clear_caches()
