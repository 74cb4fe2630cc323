"""`make bench` in small: the same code (`bench.__main__.measure`) on 10 orders (one POST) of workload W at
one offered rate, against the e2e local cloud, with twelve customers of its own (the seed customers stay as
the other tests expect them). What must hold of any report is asserted; nothing about speed (no timed
assertion). Its resting orders are cancelled at the end, so the order book of the later tests has none of
them to re-price."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from bench import report
from bench.__main__ import measure
from bench.original import original_design
from bench.runner import Result
from bench.workload import W_CUSTOMERS
from tests.e2e.conftest import BUS_TYPE_PARAMETER, Client
from tests.e2e.own_customers import own_customers

CUSTOMERS = [f"bench-{customer}" for customer in W_CUSTOMERS]
ORDERS = 10


@pytest.fixture
def bench_customers(client: Client) -> Iterator[list[str]]:
    with own_customers(client, CUSTOMERS) as customers:
        yield customers


# Last: W's tickers include some the scenario tests expect never to have been looked up (NFLX), and its
# customers' books would lengthen the property test's data API calls.
@pytest.mark.e2e_phase(4)
def test_a_small_bench_reports_what_it_measured(client: Client, bench_customers: list[str]) -> None:

    result: Result = measure(
        client.cloud, name="W", orders=ORDERS, rate=15.0, customers=bench_customers, warm=False, put_items=200
    )

    outcome = result.outcome
    assert outcome.orders == ORDERS and outcome.failed_posts == 0
    assert outcome.accepted + sum(outcome.refused.values()) == ORDERS
    # Every accepted marketable child order traded, once, through the data API; resting ones at most once.
    assert result.marketable_ids and len(result.marketable_ids) == outcome.marketable
    assert all(result.api_trades[order_id] == 1 for order_id in result.marketable_ids)
    assert all(count == 1 for count in result.api_trades.values())
    assert len(result.latencies) == outcome.marketable
    assert result.traded_children >= outcome.marketable

    prices = report.load_prices()
    built = report.build(result, prices, report.price(prices, "lambdaArmPerGbSecond"))
    # The original's figures are its model on these very batches.
    model = original_design(result.measured).per(ORDERS)
    assert {row: built.original[row] for row, *_ in report.ROWS} == {
        row: getattr(model, row, Decimal(0)) for row, *_ in report.ROWS
    }
    # Its write units, by hand: two summary updates per distinct ticker of a POST, two per surviving trade.
    totals = original_design(result.measured)
    tickers = sum(len({order["ticker"] for order in batch}) for batch in result.measured)
    assert totals.dynamodb_write_units == 2 * tickers + 2 * totals.trades
    # The breakdown adds up to the total, for each design, as priced row by row from the table.
    for counts, total in ((built.ours, built.ours_total), (built.original, built.original_total)):
        gb_second = "lambdaArmPerGbSecond" if counts is built.ours else "lambdaX86PerGbSecond"
        recomputed = counts["lambda_gb_seconds"] * report.price(prices, gb_second) * report.MILLION
        for row, _, price_name, quantity in report.ROWS:
            if price_name is not None and quantity is not None:
                recomputed += counts[row] * report.price(prices, price_name) / Decimal(quantity) * report.MILLION
        assert recomputed == total
    rendered = report.render(result, built, prices, [])
    assert f"{built.ours_total:10.2f} {built.original_total:10.2f}" in rendered
    # Costs are there, on both sides.
    assert built.ours_total > 0 and built.original_total > 0
    for row in ("api_requests", "lambda_invocations", "lambda_gb_seconds", "dynamodb_write_units"):
        assert built.ours[row] > 0 and built.original[row] > 0, row
    assert result.usage.write_units > 0 and result.usage.read_units > 0
    assert sum(result.usage.read_units_by_call.values()) == pytest.approx(result.usage.read_units)
    assert "read units trading-system-" in report.details(result)
    # The order flow's messages, on whichever transport the stage's bus-type selects now.
    bus = client.aws("ssm").get_parameter(Name=BUS_TYPE_PARAMETER)["Parameter"]["Value"]
    assert (result.usage.sns_publishes if bus == "SNS" else result.usage.events) > 0, bus
