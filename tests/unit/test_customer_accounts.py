"""Customer accounts' rules (`customers.accounts`) against an in-memory store that keeps the conditions of
the DynamoDB one: bodies and amounts, the answers of the three POSTs, refusals that change nothing and the
Idempotency-Key decisions. The DynamoDB side is tested against moto (tests/integration/test_customer_accounts.py)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from trading_core.common import keys
from trading_core.contracts import CUSTOMER_LIST_KEY_ATTRIBUTE
from trading_core.customers import account_requests, accounts, accounts_store, ledger, record
from trading_core.customers.account_requests import AccountRefusal, InvalidAccountRequest
from trading_core.customers.accounts import (
    CustomerAccounts,
    CustomerExists,
    CustomerNotFound,
    InsufficientFunds,
    KeyReused,
    Marker,
    Result,
)
from trading_core.customers.accounts_store import decode_list_token, marker_key, marker_put
from trading_core.customers.seeder import customer_item
from trading_core.queries import trade_pages
from trading_core.queries.trades_queries import TradesQueries

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
AT = "2026-03-02T15:00:00.000Z"


class MemoryStore:
    """`accounts.AccountsStore` in a dict, with the conditions `accounts_store` asks DynamoDB for."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.forget_answers = 0  # how many `remember` calls to drop (a first request that stopped in between)

    def _key(self, key: dict[str, str]) -> tuple[str, str]:
        return key[keys.PK], key[keys.SK]

    def _put_marker(self, marker: Marker) -> None:
        self.items[self._key(marker_key(marker.request_id))] = copy.deepcopy(marker_put("t", marker)["Put"]["Item"])

    def _marker(self, marker: Marker | None) -> dict[str, Any] | None:
        return None if marker is None else self.items.get(self._key(marker_key(marker.request_id)))

    def open(self, item: dict[str, Any], entry: ledger.LedgerEntry | None, marker: Marker | None) -> Any:
        if (stored := self._marker(marker)) is not None:
            return accounts.Replay(copy.deepcopy(stored))
        if self._key(item) in self.items:
            return accounts.Exists(item["CustomerId"])
        self.items[self._key(item)] = dict(item)
        if entry is not None:
            self.items[self._key(entry.to_item())] = entry.to_item()
        if marker is not None:
            self._put_marker(marker)
        return accounts.Done(dict(self.items[self._key(item)]))

    def move(self, entry: ledger.LedgerEntry, marker: Marker | None, now: str) -> Any:
        if (stored := self._marker(marker)) is not None:
            return accounts.Replay(copy.deepcopy(stored))
        customer = self.items.get(self._key(keys.customer_key(entry.customer_id)))
        if customer is None:
            return accounts.Unknown(entry.customer_id)
        if entry.kind is ledger.EntryKind.WITHDRAWAL and customer["AvailableFunds"] < entry.amount:
            return accounts.Short(entry.amount, customer["AvailableFunds"])
        customer["RemainingFunds"] += entry.signed_amount
        customer["AvailableFunds"] += entry.signed_amount
        total = "TotalDeposits" if entry.kind is ledger.EntryKind.DEPOSIT else "TotalWithdrawals"
        customer[total] += entry.amount
        customer["Updated"] = now
        self.items[self._key(entry.to_item())] = entry.to_item()
        if marker is not None:
            self._put_marker(marker)
        return accounts.Done(dict(customer))

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        item = self.items.get(self._key(keys.customer_key(customer_id)))
        return None if item is None else dict(item)

    def entry(self, customer_id: str, sort_key: str) -> dict[str, Any] | None:
        return self.items.get((keys.trades_partition(customer_id), sort_key))

    def remember(self, request_id: str, body: dict[str, Any]) -> dict[str, Any]:
        stored = self.items[self._key(marker_key(request_id))]
        if (answer := accounts.stored_answer(stored)) is not None:
            return answer
        if self.forget_answers:
            self.forget_answers -= 1
            return body
        stored[accounts.MARKER_ANSWER] = json.dumps(body)
        return body

    def customers(self, limit: int, token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        listed = sorted(
            (item for item in self.items.values() if CUSTOMER_LIST_KEY_ATTRIBUTE in item),
            key=lambda item: item["CustomerId"],
        )
        start = 0 if token is None else [item["CustomerId"] for item in listed].index(token) + 1
        page = listed[start : start + limit]
        more = start + limit < len(listed)
        return page, page[-1]["CustomerId"] if more and page else None

    def ledger(self, customer_id: str) -> list[dict[str, Any]]:
        return [
            item
            for (pk, sk), item in sorted(self.items.items())
            if pk == keys.trades_partition(customer_id) and sk.startswith(ledger.LEDGER_PREFIX)
        ]


def ids() -> Iterator[str]:
    for n in range(1, 1000):
        yield f"00000000-0000-4000-8000-{n:012d}"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def service(store: MemoryStore) -> CustomerAccounts:
    generated = ids()
    return CustomerAccounts(store, clock=lambda: NOW, new_id=lambda: next(generated))


def body(value: Any) -> str:
    return json.dumps(value)


def opened(service: CustomerAccounts, customer_id: str = "C1", deposit: str = "100.00") -> Result:
    return service.open(body({"customerId": customer_id, "initialDeposit": deposit}))


def refusal_of(call: Any) -> AccountRefusal:
    with pytest.raises(AccountRefusal) as refused:
        call()
    return refused.value


# -- POST /customers ------------------------------------------------------------------------------------


def test_an_account_opens_with_its_deposit_as_one_ledger_entry(service: CustomerAccounts, store: MemoryStore) -> None:
    answer = service.open(body({"customerId": "C1", "initialDeposit": "1000.00", "reason": "wire 42"}))

    assert not answer.replayed
    view = {name: value for name, value in answer.body.items() if name != "ledger"}
    assert view == {
        "customerId": "C1",
        "remainingFunds": "1000.00",
        "availableFunds": "1000.00",
        "reservedFunds": "0.00",
        "totalDeposits": "1000.00",
        "totalWithdrawals": "0.00",
        "nrTrades": 0,
        "totalCommissionPaid": "0.00",
        "totalAmountInvested": "0.00",
        "realizedPnl": "0.00",
        "created": AT,
        "updated": AT,
    }
    assert answer.body["ledger"] == [
        {
            "customerId": "C1",
            "entryId": accounts.OPENING_ENTRY_ID,
            "kind": "DEPOSIT",
            "amount": "1000.00",
            "reason": "wire 42",
            "created": AT,
        }
    ]
    stored = store.customer("C1")
    assert stored is not None and stored[CUSTOMER_LIST_KEY_ATTRIBUTE] == "CUSTOMER"
    assert [entry["Amount"] for entry in store.ledger("C1")] == [Decimal("1000.00")]


def test_an_empty_account_has_no_ledger_entry_and_a_generated_id(service: CustomerAccounts, store: MemoryStore) -> None:
    answer = service.open(body({"initialDeposit": 0}))

    assert answer.body["customerId"] == "00000000-0000-4000-8000-000000000001"
    assert answer.body["ledger"] == [] and answer.body["remainingFunds"] == "0.00"
    assert store.ledger(answer.body["customerId"]) == []


def test_an_id_already_taken_is_a_conflict_and_changes_nothing(service: CustomerAccounts, store: MemoryStore) -> None:
    opened(service, "C1", "10.00")
    before = copy.deepcopy(store.items)

    refused = refusal_of(lambda: opened(service, "C1", "99.00"))

    assert isinstance(refused, CustomerExists)
    assert (refused.message, refused.errors) == ("customer C1 already exists", [("customerId", "is taken")])
    assert store.items == before


@pytest.mark.parametrize(
    ("sent", "errors"),
    [
        ("not json", {"body"}),
        ("[1, 2]", {"body"}),
        ("", {"body"}),
        ('{"initialDeposit": "1", "initialDeposit": "2"}', {"body"}),
        ('{"initialDeposit": NaN}', {"body"}),
        ("{}", {"initialDeposit"}),
        ('{"initialDeposit": "1.234"}', {"initialDeposit"}),
        ('{"initialDeposit": "-1"}', {"initialDeposit"}),
        ('{"initialDeposit": true}', {"initialDeposit"}),
        ('{"initialDeposit": "1e3"}', {"initialDeposit"}),
        ('{"initialDeposit": 1000000000000.01}', {"initialDeposit"}),
        ('{"initialDeposit": "5", "customerId": "a b"}', {"customerId"}),
        ('{"initialDeposit": "5", "customerId": 7}', {"customerId"}),
        ('{"initialDeposit": "5", "reason": 3}', {"reason"}),
        ('{"initialDeposit": "5", "reason": "\\ud800"}', {"reason"}),
        ('{"initialDeposit": "5", "reason": "' + "x" * 201 + '"}', {"reason"}),
        ('{"initialDeposit": "5", "funds": "5"}', {"funds"}),
        ('{"initialDeposit": "x", "customerId": "#", "extra": 1}', {"initialDeposit", "customerId", "extra"}),
    ],
)
def test_a_malformed_new_customer_is_refused_naming_each_field_and_nothing_is_written(
    service: CustomerAccounts, store: MemoryStore, sent: str, errors: set[str]
) -> None:
    refused = refusal_of(lambda: service.open(sent))

    assert isinstance(refused, InvalidAccountRequest) and refused.message == "invalid request"
    assert {field for field, _ in refused.errors} == errors
    assert store.items == {}


def test_amounts_are_read_as_decimals_never_as_floats(service: CustomerAccounts, store: MemoryStore) -> None:
    opened(service, "C1", "0")
    for _ in range(3):
        service.deposit("C1", '{"amount": 0.1}')
    answer = service.withdraw("C1", '{"amount": 0.3}')  # 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floats

    assert answer.body["customer"]["remainingFunds"] == "0.00"
    customer = store.customer("C1")
    assert customer is not None and customer["RemainingFunds"] == Decimal("0.0")


def test_a_base64_body_is_read(service: CustomerAccounts) -> None:
    import base64

    sent = base64.b64encode(b'{"customerId": "B64", "initialDeposit": "5"}').decode()
    assert service.open(sent, is_base64=True).body["totalDeposits"] == "5.00"


# -- deposits and withdrawals ---------------------------------------------------------------------------


def test_a_deposit_and_a_withdrawal_move_the_funds_and_their_totals(
    service: CustomerAccounts, store: MemoryStore
) -> None:
    opened(service, "C1", "100.00")

    deposit = service.deposit("C1", body({"amount": "25.50", "reason": "salary"}))
    withdrawal = service.withdraw("C1", body({"amount": 20}))

    assert deposit.body["entry"] == {
        "customerId": "C1",
        "entryId": "00000000-0000-4000-8000-000000000001",
        "kind": "DEPOSIT",
        "amount": "25.50",
        "reason": "salary",
        "created": AT,
    }
    assert withdrawal.body["entry"]["kind"] == "WITHDRAWAL" and withdrawal.body["entry"]["reason"] == "withdrawal"
    customer = withdrawal.body["customer"]
    assert (customer["remainingFunds"], customer["availableFunds"]) == ("105.50", "105.50")
    assert (customer["totalDeposits"], customer["totalWithdrawals"]) == ("125.50", "20.00")
    assert sorted((e["Kind"], e["Amount"]) for e in store.ledger("C1")) == [
        ("DEPOSIT", Decimal("25.50")),
        ("DEPOSIT", Decimal("100.00")),
        ("WITHDRAWAL", Decimal("20")),
    ]


def test_a_withdrawal_beyond_the_available_funds_is_refused_and_changes_nothing(
    service: CustomerAccounts, store: MemoryStore
) -> None:
    opened(service, "C1", "100.00")
    before = copy.deepcopy(store.items)

    refused = refusal_of(lambda: service.withdraw("C1", body({"amount": "100.01"})))

    assert isinstance(refused, InsufficientFunds)
    assert (refused.message, refused.errors) == (
        "insufficient funds: the withdrawal needs 100.01, available 100.00",
        [("amount", "must be at most the available funds, 100.00")],
    )
    assert store.items == before


def test_an_unknown_customer_is_not_found(service: CustomerAccounts, store: MemoryStore) -> None:
    refused = refusal_of(lambda: service.deposit("C9", body({"amount": "1"})))

    assert isinstance(refused, CustomerNotFound)
    assert (refused.message, refused.errors) == ("customer C9 not found", [])
    assert store.items == {}


@pytest.mark.parametrize(
    ("sent", "errors"),
    [
        ("{}", {"amount"}),
        ('{"amount": 0}', {"amount"}),
        ('{"amount": "-5"}', {"amount"}),
        ('{"amount": "0.001"}', {"amount"}),
        ('{"amount": "1000000000000.01"}', {"amount"}),
        ('{"amount": null}', {"amount"}),
        ('{"amount": "10", "customerId": "C1"}', {"customerId"}),
        ('{"amount": [], "reason": {}}', {"amount", "reason"}),
        ("amount=10", {"body"}),
    ],
)
def test_a_malformed_movement_is_refused_naming_each_field_and_nothing_is_written(
    service: CustomerAccounts, store: MemoryStore, sent: str, errors: set[str]
) -> None:
    opened(service, "C1", "100.00")
    before = copy.deepcopy(store.items)

    for move in (service.deposit, service.withdraw):
        refused = refusal_of(lambda move=move: move("C1", sent))
        assert isinstance(refused, InvalidAccountRequest)
        assert {field for field, _ in refused.errors} == errors
    assert store.items == before


def test_the_largest_amount_is_accepted() -> None:
    assert account_requests.check_amount("1000000000000.00", allow_zero=False) == (Decimal("1000000000000.00"), None)
    assert account_requests.check_amount(" 7 ", allow_zero=False) == (Decimal(7), None)


# -- Idempotency-Key ------------------------------------------------------------------------------------


def test_a_retried_deposit_returns_the_first_answer_and_moves_the_money_once(
    service: CustomerAccounts, store: MemoryStore
) -> None:
    opened(service, "C1", "100.00")

    first = service.deposit("C1", body({"amount": "10"}), key="k-1")
    again = service.deposit("C1", body({"amount": "10.00"}), key="k-1")  # the same amount, written otherwise

    assert again.body == first.body and again.replayed and not first.replayed
    assert first.body["entry"]["entryId"] == account_requests.request_id("k-1")
    assert sorted(e["Amount"] for e in store.ledger("C1")) == [Decimal("10"), Decimal("100.00")]
    customer = store.customer("C1")
    assert customer is not None and customer["RemainingFunds"] == Decimal("110.00")


def test_the_same_key_for_another_request_is_refused_and_changes_nothing(
    service: CustomerAccounts, store: MemoryStore
) -> None:
    opened(service, "C1", "100.00")
    opened(service, "C2", "100.00")
    service.withdraw("C1", body({"amount": "10"}), key="k-1")
    before = copy.deepcopy(store.items)

    for call in (
        lambda: service.withdraw("C1", body({"amount": "11"}), key="k-1"),  # another amount
        lambda: service.withdraw("C1", body({"amount": "10", "reason": "other"}), key="k-1"),  # another reason
        lambda: service.deposit("C1", body({"amount": "10"}), key="k-1"),  # another operation
        lambda: service.withdraw("C2", body({"amount": "10"}), key="k-1"),  # another customer
        lambda: service.open(body({"customerId": "C3", "initialDeposit": "10"}), key="k-1"),
    ):
        refused = refusal_of(call)
        assert isinstance(refused, KeyReused)
        assert (refused.key, refused.message) == ("k-1", "k-1 was used for another request")
    assert store.items == before


def test_requests_without_a_key_are_each_new(service: CustomerAccounts, store: MemoryStore) -> None:
    opened(service, "C1", "0")
    first = service.deposit("C1", body({"amount": "5"}))
    second = service.deposit("C1", body({"amount": "5"}))

    assert first.body["entry"]["entryId"] != second.body["entry"]["entryId"]
    assert second.body["customer"]["remainingFunds"] == "10.00"


def test_a_retried_creation_without_an_id_names_the_same_customer(
    service: CustomerAccounts, store: MemoryStore
) -> None:
    first = service.open(body({"initialDeposit": "50"}), key="open-1")
    again = service.open(body({"initialDeposit": "50"}), key="open-1")

    assert again.body == first.body and first.body["customerId"] == account_requests.request_id("open-1")
    assert len(store.ledger(first.body["customerId"])) == 1
    assert len([item for item in store.items.values() if CUSTOMER_LIST_KEY_ATTRIBUTE in item]) == 1


def test_a_retry_after_a_first_request_that_stopped_before_storing_its_answer_gets_the_same_answer(
    service: CustomerAccounts, store: MemoryStore
) -> None:
    opened(service, "C1", "100.00")
    store.forget_answers = 1

    first = service.withdraw("C1", body({"amount": "30"}), key="k-2")
    service.deposit("C1", body({"amount": "1"}))  # the customer changes meanwhile; the entry does not
    again = service.withdraw("C1", body({"amount": "30"}), key="k-2")
    third = service.withdraw("C1", body({"amount": "30"}), key="k-2")

    assert again.body["entry"] == first.body["entry"] and again.replayed
    assert third.body == again.body  # the rebuilt answer is stored: from now on every retry gets it
    assert [e["Kind"] for e in store.ledger("C1")].count("WITHDRAWAL") == 1


def test_a_refused_request_is_not_remembered(service: CustomerAccounts, store: MemoryStore) -> None:
    opened(service, "C1", "10.00")
    refusal_of(lambda: service.withdraw("C1", body({"amount": "20"}), key="k-3"))
    service.deposit("C1", body({"amount": "10"}))

    assert service.withdraw("C1", body({"amount": "20"}), key="k-3").body["customer"]["remainingFunds"] == "0.00"


# -- the list and the view ------------------------------------------------------------------------------


def test_the_list_pages_through_the_customers_in_id_order(service: CustomerAccounts) -> None:
    for customer_id in ("B", "A", "C"):
        opened(service, customer_id, "1")

    first = service.customers(limit=2, token=None)
    rest = service.customers(limit=2, token=first["nextToken"])

    assert [view["customerId"] for view in first["customers"]] == ["A", "B"] and first["count"] == 2
    assert [view["customerId"] for view in rest["customers"]] == ["C"] and rest["nextToken"] is None
    assert "customerListKey" not in first["customers"][0]


def test_the_view_is_the_one_of_get_customer() -> None:
    item = customer_item("C1", Decimal("12.50"), AT)

    class Table:
        name, meta = "t", SimpleNamespace(client=None)

        def get_item(self, Key: dict[str, str]) -> dict[str, Any]:
            return {"Item": item}

    assert accounts.customer_view(item) == TradesQueries(Table()).customer("C1")
    assert CUSTOMER_LIST_KEY_ATTRIBUTE not in record.with_defaults(item)


def test_a_list_token_continues_only_the_list() -> None:
    last = {**keys.customer_key("000007"), "CustomerListKey": "CUSTOMER", "CustomerId": "000007"}

    token = accounts_store.encode_token(last)

    assert token == trade_pages.encode_token(last)  # the scheme of the trades' and the ledger's pages
    assert decode_list_token(token) == last
    for foreign in (
        trade_pages.encode_token(keys.customer_key("000007")),  # a ledger or trades token
        trade_pages.encode_token({**last, "CustomerId": "000008"}),
        trade_pages.encode_token({**last, "CustomerListKey": "OTHER"}),
        "not-a-token!",
    ):
        with pytest.raises(InvalidAccountRequest) as refused:
            decode_list_token(foreign)
        assert [field for field, _ in refused.value.errors] == ["nextToken"]


def test_the_hints_are_those_of_the_api_documents() -> None:
    from trading_core.api import parameters

    assert account_requests.CUSTOMER_ID_HINT == parameters.CUSTOMER_ID_HINT
