"""Customers of a test's own on the shared e2e cloud, so the seed customers stay as the other tests expect them:
opened with nothing, their resting orders cancelled afterwards so the order book of the later tests has none
of them to re-price (the bench and the soak send W's orders for them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from tests.e2e.conftest import Client


def open_accounts(client: Client, customers: Sequence[str]) -> None:
    for customer in customers:
        status, body = client.request(
            "POST", client.url("DataApiUrl") + "customers", {"customerId": customer, "initialDeposit": "0.00"}
        )
        assert status in (201, 409), body  # 409: opened by an earlier run of this test on the same cloud


def cancel_resting_orders(client: Client, customers: Sequence[str]) -> None:
    for customer in customers:
        status, page = client.get(f"/customers/{customer}/orders", {"status": "OPEN", "limit": "100"})
        assert status == 200, page
        for order in page["orders"]:
            status, body = client.request("DELETE", client.url("OrdersApiUrl") + f"orders/{order['orderId']}")
            assert status == 200, body


@contextmanager
def own_customers(client: Client, customers: Sequence[str]) -> Iterator[list[str]]:
    open_accounts(client, customers)
    client.idle()
    yield list(customers)
    cancel_resting_orders(client, customers)
    client.idle()
