"""`make soak` in small: the same code (`soak.load.Soak`) for 20 seconds of workload W at 3 orders/s, sampled every
5 s, against the e2e local cloud, with twelve customers of its own (the seed customers stay as the other tests
expect them; their resting orders are cancelled at the end). What must hold of any report is asserted: samples
taken, every posted order accounted for, the memory figures and the verdict; nothing about speed or about how
much memory grows (no timed assertion: the machine is shared)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.workload import ORDERS_PER_REQUEST, W_CUSTOMERS
from soak import report
from soak.load import Soak, steady_batches
from soak.sampling import STORES
from soak.verdict import judge
from tests.e2e.conftest import Client
from tests.e2e.own_customers import own_customers

CUSTOMERS = [f"soak-{customer}" for customer in W_CUSTOMERS]
SECONDS = 20.0
RATE = 3.0
INTERVAL = 5.0


@pytest.fixture
def soak_customers(client: Client) -> Iterator[list[str]]:
    with own_customers(client, CUSTOMERS) as customers:
        yield customers


# Last, after the small bench: W's tickers include some the scenario tests expect never to have been looked up.
@pytest.mark.e2e_phase(4)
def test_a_short_soak_accounts_for_every_order_and_reports_memory(client: Client, soak_customers: list[str]) -> None:
    soak = Soak(client.cloud, interval=INTERVAL)
    batches = steady_batches(RATE, SECONDS, soak_customers)
    try:
        soak.set_up(batches, warm=False)
        run = soak.run(batches, RATE, SECONDS, soak_customers)
    finally:
        soak.restore()

    # Samples taken, in order, each with its memory figures.
    assert len(run.samples) >= 3 and run.drained is not None
    samples = [*run.samples, run.drained]
    assert [s.seconds for s in samples] == sorted(s.seconds for s in samples)
    assert [s.orders for s in samples] == sorted(s.orders for s in samples)
    assert all(s.rss > 0 and set(s.stores) == set(STORES) for s in samples)
    assert sum(s.posts for s in samples) == run.posts
    # Every posted order accounted for: answered, and accepted or refused with a reason.
    outcome = run.outcome
    assert run.posts == len(batches) and outcome.orders == run.posts * ORDERS_PER_REQUEST == run.drained.orders
    assert outcome.failed_posts == 0 and outcome.accepted + sum(outcome.refused.values()) == outcome.orders
    # Once idle, every marketable child order traded (once: no more trades than child orders).
    assert outcome.marketable <= run.drained.trades <= outcome.marketable + outcome.resting
    # The verdict: computed over the second half of so short a run, and not judged by the default warm-up
    # (which waits for the stream retention).
    verdict = judge(run.samples, run.seconds, from_seconds=run.seconds / 2)
    assert verdict.judged and verdict.per_1000_orders is not None and verdict.per_minute is not None
    assert set(verdict.stores_per_1000_orders) == set(STORES)
    default = judge(run.samples, run.seconds)
    assert not default.judged and default.passed
    rendered = report.render(run, verdict)
    assert "MiB per 1,000 orders posted" in rendered and "verdict: " in rendered
    assert "not judged" in report.render(run, default)
