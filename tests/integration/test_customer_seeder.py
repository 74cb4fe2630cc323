"""The customer seeder against moto: creates the customers once, keeps them, always answers CloudFormation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from lambdas.customer_seeder import handler
from tests.integration.api_events import lambda_context
from tests.integration.conftest import TradingAws
from trading_core.customers import seeder
from trading_core.customers.cloudformation import http_put

# The seed ids in the order sorted() gives them ("0000010" sorts before "000002").
TWELVE = sorted([*(f"{n:06d}" for n in range(1, 10)), "0000010", "0000011", "0000012"])


class Answers:
    """Records what the seeder PUTs to the ResponseURL, instead of the network."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, body: bytes) -> None:
        self.sent.append((url, json.loads(body)))


@pytest.fixture
def answers(trading_aws: TradingAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Answers]:
    recorder = Answers()
    handler.build.cache_clear()
    monkeypatch.setattr(seeder, "http_put", recorder)
    yield recorder
    handler.build.cache_clear()


def cfn_event(request_type: str, properties: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:customer_seeder",
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/signed",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/trading-dev/abc",
        "RequestId": "req-1",
        "LogicalResourceId": "Customers",
        "ResourceType": "Custom::Customers",
        "ResourceProperties": {
            "ServiceToken": "x",
            "Customers": TWELVE,
            "InitialFunds": "1000000",
            **(properties or {}),
        },
        **extra,
    }


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    return handler.lambda_handler(event, lambda_context("customer_seeder"))


def customers(aws: TradingAws) -> dict[str, dict[str, Any]]:
    return {
        item["CustomerId"]: item for item in aws.scan() if item["PK"].startswith("CUST#") and item["SK"] == item["PK"]
    }


def ledgers(aws: TradingAws) -> dict[str, list[dict[str, Any]]]:
    entries: dict[str, list[dict[str, Any]]] = {}
    for item in aws.scan():
        if item["SK"].startswith("LEDGER#"):
            entries.setdefault(item["CustomerId"], []).append(item)
    return entries


def test_create_seeds_twelve_customers_and_answers(trading_aws: TradingAws, answers: Answers) -> None:
    answer = invoke(cfn_event("Create"))

    seeded = customers(trading_aws)
    assert sorted(seeded) == TWELVE
    first = seeded["000001"]
    assert (first["RemainingFunds"], first["AvailableFunds"], first["ReservedFunds"]) == (
        Decimal(1000000),
        Decimal(1000000),
        0,
    )
    assert (first["NrTrades"], first["TotalCommissionPaid"], first["TotalAmountInvested"]) == (0, 0, 0)
    assert (first["TotalDeposits"], first["TotalWithdrawals"], first["RealizedPnl"]) == (Decimal(1000000), 0, 0)
    assert first["Created"] == first["Updated"]
    entries = ledgers(trading_aws)
    assert sorted(entries) == TWELVE
    [deposit] = entries["000001"]
    assert (deposit["Kind"], deposit["Amount"], deposit["Reason"]) == ("DEPOSIT", Decimal(1000000), "initial funds")
    assert deposit["SK"] == f"LEDGER#{first['Created']}#initial-funds"
    [(url, sent)] = answers.sent
    assert url.endswith("/signed")
    assert sent == answer
    assert sent["Status"] == "SUCCESS"
    assert sent["Data"] == {"Seeded": 12}
    assert sent["Reason"] == "created 12 of 12 customers"
    assert (sent["StackId"], sent["RequestId"], sent["LogicalResourceId"]) == (
        "arn:aws:cloudformation:us-east-1:123456789012:stack/trading-dev/abc",
        "req-1",
        "Customers",
    )
    assert sent["PhysicalResourceId"]


def test_a_redeploy_never_resets_a_trading_customer(trading_aws: TradingAws, answers: Answers) -> None:
    physical_id = invoke(cfn_event("Create"))["PhysicalResourceId"]
    trading_aws.table.update_item(
        Key={"PK": "CUST#000002", "SK": "CUST#000002"},
        UpdateExpression="SET AvailableFunds = :a, NrTrades = :n",
        ExpressionAttributeValues={":a": Decimal("12.34"), ":n": 7},
    )

    answer = invoke(cfn_event("Update", {"Customers": [*TWELVE, "000013"]}, PhysicalResourceId=physical_id))

    assert (answer["Status"], answer["Data"], answer["PhysicalResourceId"]) == ("SUCCESS", {"Seeded": 1}, physical_id)
    assert answer["Reason"] == "created 1 of 13 customers; 12 already existed"
    seeded = customers(trading_aws)
    assert len(seeded) == 13
    assert (seeded["000002"]["AvailableFunds"], seeded["000002"]["NrTrades"]) == (Decimal("12.34"), 7)
    # One initial deposit per customer, however often the stack is deployed.
    assert {customer: len(entries) for customer, entries in ledgers(trading_aws).items()} == dict.fromkeys(
        [*TWELVE, "000013"], 1
    )


def test_delete_keeps_the_data(trading_aws: TradingAws, answers: Answers) -> None:
    invoke(cfn_event("Create"))

    answer = invoke(cfn_event("Delete", PhysicalResourceId="p-1"))

    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", "p-1")
    assert len(customers(trading_aws)) == 12


@pytest.mark.parametrize(
    "properties",
    [{"Customers": ["000001", "bad#id"]}, {"InitialFunds": "lots"}, {"InitialFunds": "-5"}, {"InitialFunds": "1.234"}],
)
def test_bad_properties_answer_failed_and_write_nothing(
    trading_aws: TradingAws, answers: Answers, properties: dict[str, Any]
) -> None:
    answer = invoke(cfn_event("Create", properties))

    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("ValueError")
    assert answers.sent[0][1]["Status"] == "FAILED"
    assert customers(trading_aws) == {}


def test_a_store_error_answers_failed(
    trading_aws: TradingAws, answers: Answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADES_TABLE_NAME")

    answer = invoke(cfn_event("Create"))

    assert answer["Status"] == "FAILED"
    assert "TRADES_TABLE_NAME" in answer["Reason"]


def test_defaults_are_the_original_twelve_customers(trading_aws: TradingAws, answers: Answers) -> None:
    event = cfn_event("Create")
    event["ResourceProperties"] = {"ServiceToken": "x"}

    assert invoke(event)["Data"] == {"Seeded": 12}
    assert {item["AvailableFunds"] for item in customers(trading_aws).values()} == {Decimal("1000000.00")}


def test_http_put_sends_the_answer_as_cloudformation_expects() -> None:
    received: list[tuple[str, dict[str, str], bytes]] = []

    class Endpoint(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append((self.path, dict(self.headers), self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        http_put(f"http://127.0.0.1:{server.server_port}/signed?X-Amz-Signature=1", b'{"Status":"SUCCESS"}')
    finally:
        server.shutdown()
        server.server_close()

    [(path, headers, body)] = received
    assert path == "/signed?X-Amz-Signature=1"
    assert headers["Content-Type"] == ""
    assert body == b'{"Status":"SUCCESS"}'


def test_http_put_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="http"):
        http_put("file:///etc/passwd", b"{}")
