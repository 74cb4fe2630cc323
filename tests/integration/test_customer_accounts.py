"""The customer_accounts function against moto: POST /customers, deposits and withdrawals, GET /customers,
Idempotency-Key, refusals that write nothing, and withdrawals racing in threads that never overdraw."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from lambdas.customer_accounts import handler
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.flow import serialized_dynamodb
from trading_core.common import keys
from trading_core.contracts import CUSTOMER_LIST_KEY_ATTRIBUTE
from trading_core.customers.account_requests import request_id
from trading_core.customers.ledger_store import DynamoLedgerStore
from trading_core.customers.seed_store import CustomerSeedStore
from trading_core.customers.seeder import SeedSpec
from trading_core.queries.trades_queries import TradesQueries

AT = "2026-03-02T15:00:00.000Z"


@pytest.fixture
def aws(trading_aws: TradingAws) -> Iterator[TradingAws]:
    handler.build.cache_clear()
    yield trading_aws
    handler.build.cache_clear()


def call(
    method: str,
    path: str,
    body: Any = None,
    *,
    key: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    **event: Any,
) -> tuple[int, dict[str, Any]]:
    headers = {**(headers or {}), **({"Idempotency-Key": key} if key is not None else {})}
    response = handler.lambda_handler(
        api_event(method, path, body=body, query=query, headers=headers, **event), lambda_context("customer_accounts")
    )
    return response["statusCode"], json_body(response)


def ledger_items(aws: TradingAws, customer_id: str) -> list[dict[str, Any]]:
    return [
        item
        for item in aws.scan()
        if item[keys.PK] == keys.trades_partition(customer_id) and item[keys.SK].startswith("LEDGER#")
    ]


def test_an_account_opens_with_its_deposit_and_reads_as_get_customer_shows_it(aws: TradingAws) -> None:
    status, body = call("POST", "/customers", {"customerId": "C-1", "initialDeposit": "2500.00", "reason": "wire"})

    assert status == 201
    queries = TradesQueries(aws.table)
    assert {name: value for name, value in body.items() if name != "ledger"} == queries.customer("C-1")
    assert body["remainingFunds"] == body["availableFunds"] == body["totalDeposits"] == "2500.00"
    assert body["ledger"] == queries.ledger("C-1").entries  # what GET /customers/{id}/ledger lists
    assert [(entry["kind"], entry["amount"], entry["reason"]) for entry in body["ledger"]] == [
        ("DEPOSIT", "2500.00", "wire")
    ]
    assert aws.customer("C-1")[CUSTOMER_LIST_KEY_ATTRIBUTE] == "CUSTOMER"


def test_an_id_is_generated_and_an_id_taken_is_a_conflict_that_writes_nothing(aws: TradingAws) -> None:
    status, body = call("POST", "/customers", {"initialDeposit": 0})
    assert status == 201 and len(body["customerId"]) == 36 and body["ledger"] == []
    call("POST", "/customers", {"customerId": "C-1", "initialDeposit": "1"})
    before = aws.scan()

    status, body = call("POST", "/customers", {"customerId": "C-1", "initialDeposit": "5"})

    assert (status, body) == (
        409,
        {"message": "customer C-1 already exists", "errors": [{"field": "customerId", "message": "is taken"}]},
    )
    assert aws.scan() == before


def test_a_body_is_read_as_json_whatever_its_content_type(aws: TradingAws) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = call("POST", "/customers", raw_body='{"customerId": "F", "initialDeposit": 10.25}', headers=form)
    assert (status, body["totalDeposits"]) == (201, "10.25")
    encoded = base64.b64encode(b'{"amount": "1.75"}').decode()
    status, body = call("POST", "/customers/F/deposits", raw_body=encoded, base64_body=False, headers=form)
    assert status == 400  # base64 text that API Gateway did not mark as such is not JSON
    response = handler.lambda_handler(
        {**api_event("POST", "/customers/F/deposits", raw_body=encoded), "isBase64Encoded": True},
        lambda_context("customer_accounts"),
    )
    assert (response["statusCode"], json_body(response)["customer"]["remainingFunds"]) == (201, "12.00")


def test_deposits_and_withdrawals_move_the_funds_and_show_in_the_ledger(aws: TradingAws) -> None:
    CustomerSeedStore(aws.table).seed(SeedSpec(("000001",), Decimal("100.00")), AT)

    status, deposit = call("POST", "/customers/000001/deposits", {"amount": "50.5", "reason": "salary"})
    assert status == 201
    status, withdrawal = call("POST", "/customers/000001/withdrawals", {"amount": 120})
    assert status == 201

    assert (deposit["entry"]["kind"], deposit["entry"]["amount"], deposit["entry"]["reason"]) == (
        "DEPOSIT",
        "50.50",
        "salary",
    )
    customer = withdrawal["customer"]
    assert customer == TradesQueries(aws.table).customer("000001")
    assert (customer["remainingFunds"], customer["availableFunds"], customer["reservedFunds"]) == (
        "30.50",
        "30.50",
        "0.00",
    )
    assert (customer["totalDeposits"], customer["totalWithdrawals"]) == ("150.50", "120.00")
    listed = TradesQueries(aws.table).ledger("000001").entries
    assert withdrawal["entry"] in listed and deposit["entry"] in listed and len(listed) == 3


def test_a_withdrawal_never_takes_what_live_orders_reserved(aws: TradingAws) -> None:
    CustomerSeedStore(aws.table).seed(SeedSpec(("000001",), Decimal("100.00")), AT)
    aws.table.update_item(
        Key=keys.customer_key("000001"),
        UpdateExpression="SET AvailableFunds = :a, ReservedFunds = :r",
        ExpressionAttributeValues={":a": Decimal("60.00"), ":r": Decimal("40.00")},
    )
    before = aws.scan()

    status, body = call("POST", "/customers/000001/withdrawals", {"amount": "60.01"})

    assert (status, body) == (
        409,
        {
            "message": "insufficient funds: the withdrawal needs 60.01, available 60.00",
            "errors": [{"field": "amount", "message": "must be at most the available funds, 60.00"}],
        },
    )
    assert aws.scan() == before


MALFORMED = [
    ("POST", "/customers/000001/deposits", "amount=10", None, ["body"]),
    ("POST", "/customers/000001/deposits", '{"amount": "10.001"}', None, ["amount"]),
    ("POST", "/customers/000001/withdrawals", '{"amount": -1, "note": 1}', None, ["note", "amount"]),
    ("POST", "/customers/a b/deposits", '{"amount": "1"}', None, ["customerId"]),
    ("POST", "/customers", '{"initialDeposit": "1", "customerId": "#"}', None, ["customerId"]),
    ("POST", "/customers", None, None, ["body"]),
    ("GET", "/customers", None, {"limit": "0"}, ["limit"]),
    ("GET", "/customers", None, {"limit": "x"}, ["limit"]),
    ("GET", "/customers", None, {"nextToken": "garbage!"}, ["nextToken"]),
    ("GET", "/customers", None, {"limit": "5", "colour": "red"}, ["colour"]),  # not a parameter of the call
]


def test_malformed_requests_are_refused_naming_each_field_and_write_nothing(aws: TradingAws) -> None:
    CustomerSeedStore(aws.table).seed(SeedSpec(("000001",), Decimal("100.00")), AT)
    before = aws.scan()

    for method, path, sent, query, errors in MALFORMED:
        # The resource API Gateway names (the document's path), so the call's documented parameters apply.
        resource = "/customers" if path == "/customers" else "/customers/{customerId}/" + path.rsplit("/", 1)[1]
        status, body = call(method, path, raw_body=sent, query=query, resource=resource)

        assert status == 400 and body["message"] == "invalid request", (path, sent, body)
        assert [error["field"] for error in body["errors"]] == errors, (path, sent, body)
        if "limit" in errors:
            assert body["errors"][0]["message"] == "must be an integer from 1 to 500"
    assert aws.scan() == before


def test_a_path_the_router_cannot_read_is_a_400_on_the_customer_id(aws: TradingAws) -> None:
    event = {**api_event("POST", "/customers/\u0090x/deposits", body={"amount": "1"}), "resource": "/{proxy+}"}
    response = handler.lambda_handler(event, lambda_context("customer_accounts"))

    assert response["statusCode"] == 400
    assert json_body(response)["errors"] == [
        {"field": "customerId", "message": "must be 1 to 64 letters, digits, '-' or '_'"}
    ]


def test_an_unknown_customer_is_not_found_and_an_unreadable_one_is_a_fault_of_the_data(aws: TradingAws) -> None:
    for kind in ("deposits", "withdrawals"):
        assert call("POST", f"/customers/000099/{kind}", {"amount": "1"}) == (
            404,
            {"message": "customer 000099 not found", "errors": []},
        )
    assert aws.scan() == []
    aws.table.put_item(Item={**keys.customer_key("000009"), "CustomerId": "000009", "RemainingFunds": "lots"})
    before = aws.scan()

    status, body = call("POST", "/customers/000009/deposits", {"amount": "1"})

    assert status == 500 and [error["field"] for error in body["errors"]] == ["RemainingFunds"], body
    assert aws.scan() == before


def test_the_list_pages_through_every_customer_in_id_order(aws: TradingAws) -> None:
    CustomerSeedStore(aws.table).seed(SeedSpec(("000003", "000001"), Decimal("10.00")), AT)
    call("POST", "/customers", {"customerId": "000002", "initialDeposit": "5"})

    status, first = call("GET", "/customers", query={"limit": "2"})
    assert status == 200
    status, rest = call("GET", "/customers", query={"limit": "2", "nextToken": first["nextToken"]})

    assert [view["customerId"] for view in first["customers"]] == ["000001", "000002"] and first["count"] == 2
    assert [view["customerId"] for view in rest["customers"]] == ["000003"] and rest["nextToken"] is None
    assert first["customers"][1] == TradesQueries(aws.table).customer("000002")
    call("POST", "/customers/000001/deposits", {"amount": "1"})
    ledger_token = TradesQueries(aws.table).ledger("000001", limit=1).next_token
    assert ledger_token is not None  # a token of GET /customers/{customerId}/ledger
    status, body = call("GET", "/customers", query={"nextToken": ledger_token})
    assert (status, body["errors"]) == (400, [{"field": "nextToken", "message": "does not belong to this query"}])


def test_a_customer_written_before_the_list_joins_it_on_its_next_funds_write_or_seeding(aws: TradingAws) -> None:
    aws.put_customer("000001", "10.00")  # the original's shape: no CustomerListKey, no TotalDeposits
    aws.put_customer("000002", "10.00")
    assert call("GET", "/customers")[1]["customers"] == []

    DynamoLedgerStore(aws.table).deposit("000001", Decimal("1"), entry_id="d-1", reason="wire", at=AT)
    CustomerSeedStore(aws.table).seed(SeedSpec(("000002",), Decimal("99.00")), AT)

    listed = call("GET", "/customers")[1]["customers"]
    assert [(view["customerId"], view["remainingFunds"]) for view in listed] == [
        ("000001", "11.00"),
        ("000002", "10.00"),  # the seeder only listed it: nothing else changed
    ]


def test_a_retry_with_the_same_key_returns_the_first_answer_and_moves_nothing_twice(aws: TradingAws) -> None:
    first = call("POST", "/customers", {"initialDeposit": "100"}, key="open-42")
    assert call("POST", "/customers", {"initialDeposit": "100.00"}, key="open-42") == first
    customer_id = first[1]["customerId"]
    assert customer_id == request_id("open-42")

    withdrawal = call("POST", f"/customers/{customer_id}/withdrawals", {"amount": "40"}, key="w-42")
    assert withdrawal[0] == 201
    assert call("POST", f"/customers/{customer_id}/withdrawals", {"amount": "40"}, key="w-42") == withdrawal

    assert aws.customer(customer_id)["RemainingFunds"] == Decimal("60")
    assert len(ledger_items(aws, customer_id)) == 2
    before = aws.scan()
    status, body = call("POST", f"/customers/{customer_id}/withdrawals", {"amount": "41"}, key="w-42")
    assert (status, body) == (
        422,
        {
            "message": "Idempotency-Key w-42 was used for another request",
            "errors": [{"field": "Idempotency-Key", "message": "was used for another request"}],
        },
    )
    assert call("POST", f"/customers/{customer_id}/deposits", {"amount": "40"}, key="w-42")[0] == 422
    status, body = call("POST", f"/customers/{customer_id}/deposits", {"amount": "1"}, key="bad key")
    assert (status, body["errors"][0]["field"]) == (400, "Idempotency-Key")
    assert aws.scan() == before


def withdraw_in_threads(amounts: list[str], customer_id: str, keys_: list[str | None]) -> list[tuple[int, Any]]:
    start = threading.Barrier(len(amounts))

    def one(index: int) -> tuple[int, Any]:
        start.wait()
        return call("POST", f"/customers/{customer_id}/withdrawals", {"amount": amounts[index]}, key=keys_[index])

    with serialized_dynamodb(), ThreadPoolExecutor(max_workers=len(amounts)) as pool:
        return list(pool.map(one, range(len(amounts))))


def test_concurrent_withdrawals_never_overdraw_and_the_ledger_keeps_the_totals(aws: TradingAws) -> None:
    CustomerSeedStore(aws.table).seed(SeedSpec(("000001",), Decimal("100.00")), AT)
    handler.build()  # one composition root for every thread, as in a warm function

    answers = withdraw_in_threads(["7.00"] * 20, "000001", [None] * 20)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 14 + [409] * 6  # 14 x 7.00 = 98.00 of 100.00 is all that is affordable
    customer = aws.customer("000001")
    assert (customer["RemainingFunds"], customer["AvailableFunds"]) == (Decimal("2.00"), Decimal("2.00"))
    entries = ledger_items(aws, "000001")
    withdrawn = sum((entry["Amount"] for entry in entries if entry["Kind"] == "WITHDRAWAL"), Decimal(0))
    deposited = sum((entry["Amount"] for entry in entries if entry["Kind"] == "DEPOSIT"), Decimal(0))
    assert (
        (customer["TotalWithdrawals"], customer["TotalDeposits"])
        == (withdrawn, deposited)
        == (
            Decimal("98.00"),
            Decimal("100.00"),
        )
    )
    assert customer["RemainingFunds"] == deposited - withdrawn


def test_concurrent_retries_of_one_keyed_withdrawal_move_the_money_once(aws: TradingAws) -> None:
    CustomerSeedStore(aws.table).seed(SeedSpec(("000001",), Decimal("100.00")), AT)
    handler.build()

    answers = withdraw_in_threads(["30.00"] * 8, "000001", ["same-key"] * 8)

    assert {json.dumps(answer, sort_keys=True) for answer in answers if answer[0] == 201} == {
        json.dumps(answers[0], sort_keys=True)
    }
    assert all(status in (201, 503) for status, _ in answers)  # 503: conflicts that kept coming, nothing written
    assert aws.customer("000001")["RemainingFunds"] == Decimal("70.00")
    assert [entry["Kind"] for entry in ledger_items(aws, "000001")].count("WITHDRAWAL") == 1
