"""The customer-account calls of the data API over HTTP on the local cloud: a customer opened with
`curl -d`'s Content-Type, a withdrawal retried with its Idempotency-Key, one beyond the available funds,
the customer read back and listed. Customers of this module only (no other e2e test uses these ids)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.conftest import Client

CUSTOMER = "CA-000301"
FORM = {"content-type": "application/x-www-form-urlencoded"}  # what `curl -d` sends


def post(client: Client, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return client.request("POST", client.url("DataApiUrl") + path.lstrip("/"), body, headers=headers)


def listed_ids(client: Client) -> list[str]:
    ids: list[str] = []
    query = {"limit": "500"}
    while True:
        status, page = client.get("/customers", query)
        assert status == 200, page
        ids.extend(view["customerId"] for view in page["customers"])
        if not page["nextToken"]:
            return ids
        query["nextToken"] = page["nextToken"]


def test_a_customer_opened_over_http_deposits_withdraws_once_per_key_and_is_listed(client: Client) -> None:
    status, opened = post(client, "/customers", {"customerId": CUSTOMER, "initialDeposit": "500.00"}, FORM)
    assert status == 201, opened
    assert [(e["kind"], e["amount"]) for e in opened.pop("ledger")] == [("DEPOSIT", "500.00")]
    assert client.customer(CUSTOMER) == opened

    key = {"Idempotency-Key": f"{CUSTOMER}-rent"}
    first = post(client, f"/customers/{CUSTOMER}/withdrawals", {"amount": "120.50", "reason": "rent"}, key)
    again = post(client, f"/customers/{CUSTOMER}/withdrawals", {"amount": "120.50", "reason": "rent"}, key)
    assert first[0] == 201 and again == first
    status, refused = post(client, f"/customers/{CUSTOMER}/withdrawals", {"amount": "379.51"})
    assert (status, refused["message"]) == (409, "insufficient funds: the withdrawal needs 379.51, available 379.50")
    status, reused = post(client, f"/customers/{CUSTOMER}/deposits", {"amount": "1"}, key)
    assert status == 422, reused

    customer = client.customer(CUSTOMER)
    assert customer == first[1]["customer"]
    assert (Decimal(customer["remainingFunds"]), Decimal(customer["totalWithdrawals"])) == (
        Decimal("379.50"),
        Decimal("120.50"),
    )
    status, ledger = client.get(f"/customers/{CUSTOMER}/ledger")
    assert status == 200 and [(e["kind"], e["amount"]) for e in ledger["entries"]] == [
        ("DEPOSIT", "500.00"),
        ("WITHDRAWAL", "120.50"),
    ]
    assert CUSTOMER in listed_ids(client)
    assert post(client, "/customers", {"customerId": CUSTOMER, "initialDeposit": "1"})[0] == 409
