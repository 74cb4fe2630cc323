"""Customer accounts on the data API: open an account, deposit, withdraw, list the customers.

- `POST /customers` `{"customerId"?, "initialDeposit", "reason"?}` → the customer view (the shape of
  `GET /customers/{customerId}`) and `"ledger"`: the opening DEPOSIT entry (none when the deposit is 0).
  The customer item (funds, totals, statistics 0, `CustomerListKey`) and the entry are one transaction;
  an id already taken is refused (`CustomerExists`).
- `POST /customers/{customerId}/deposits` and `/withdrawals` `{"amount", "reason"?}` → `{"entry",
  "customer"}`: one DEPOSIT or WITHDRAWAL ledger entry (`customers.ledger`) and the customer's funds and
  total, one transaction. A withdrawal never exceeds `AvailableFunds`: the write's condition decides, so
  concurrent withdrawals cannot overdraw (`InsufficientFunds`); an unknown customer is `CustomerNotFound`.
- `GET /customers?limit=&nextToken=` → `{"customers", "count", "nextToken"}` in id order (the sparse index
  `CustomerIds`), paged with a token bound to that query.

Bodies and amounts: `customers.account_requests`. No refusal writes anything.

`Idempotency-Key` (optional): the key names one request, whatever the customer or the operation. Its
marker (`request_id`, a uuid5 of the key) is written in the transaction that moves the money, with the
request's fingerprint; a retry finds it and gets the first answer (stored on the marker once answered),
moving nothing; the same key with another request is `KeyReused`. A refused request wrote no marker, so
its retry is decided again. Markers are kept (no expiry): a key never moves money twice. With a key and no
`customerId`, the new customer's id is the request id, so a retried creation names the same customer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Protocol

from trading_core.common.clock import Clock, to_iso
from trading_core.common.money import ZERO, money_str
from trading_core.customers import ledger, record
from trading_core.customers.account_requests import (
    AccountRefusal,
    check_customer_id,
    fingerprint,
    parse_movement,
    parse_new_customer,
    read_object,
    request_id,
)
from trading_core.customers.seeder import customer_item
from trading_core.model.items import item_to_wire

OPENING_ENTRY_ID: Final = "initial-deposit"
OPENING_REASON: Final = "initial deposit"
DEFAULT_REASONS: Final = {ledger.EntryKind.DEPOSIT: "deposit", ledger.EntryKind.WITHDRAWAL: "withdrawal"}
OPEN: Final = "OPEN"  # the marker's operation of POST /customers (the movements use their entry kind)

# Marker attributes (`accounts_store` writes them, `CustomerAccounts` reads them back).
MARKER_FINGERPRINT: Final = "RequestHash"
MARKER_OPERATION: Final = "Operation"
MARKER_CUSTOMER: Final = "CustomerId"
MARKER_ENTRY_KEY: Final = "EntrySK"
MARKER_ANSWER: Final = "Answer"


class CustomerNotFound(AccountRefusal):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id} not found")


class CustomerExists(AccountRefusal):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id} already exists", [("customerId", "is taken")])


class InsufficientFunds(AccountRefusal):
    def __init__(self, required: Decimal, available: Decimal) -> None:
        super().__init__(
            f"insufficient funds: the withdrawal needs {money_str(required)}, available {money_str(available)}",
            [("amount", f"must be at most the available funds, {money_str(available)}")],
        )


class KeyReused(AccountRefusal):
    """The key was used for another request (the handler names the header in the message)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} was used for another request")
        self.key = key


class UnreadableAccount(AccountRefusal):
    """The customer record's funds are not numbers: a fault of the stored data, which a person must repair."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason, [(field, reason)])


class AccountsUnavailable(AccountRefusal):
    """The store could not decide (conflicts that kept coming); nothing was written, retrying is safe."""

    def __init__(self) -> None:
        super().__init__("temporarily unavailable, try again")


@dataclass(frozen=True)
class Marker:
    """An idempotent request: written with what it changes, so a retry finds it (`accounts_store`)."""

    request_id: str
    key: str
    operation: str
    customer_id: str
    fingerprint: str
    entry: ledger.LedgerEntry | None
    created: str


@dataclass(frozen=True)
class Result:
    """A request's answer: `replayed` when it is the stored answer of an earlier request with the same key."""

    body: dict[str, Any]
    replayed: bool = False


# -- the store's answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """Written; `customer` is the record read back (consistently) after the write."""

    customer: dict[str, Any]


@dataclass(frozen=True)
class Replay:
    """The request's marker already existed: nothing was written; `marker` is the stored item."""

    marker: dict[str, Any]


@dataclass(frozen=True)
class Exists:
    customer_id: str


@dataclass(frozen=True)
class Unknown:
    customer_id: str


@dataclass(frozen=True)
class Short:
    required: Decimal
    available: Decimal


@dataclass(frozen=True)
class Unreadable:
    reason: str
    field: str


OpenOutcome = Done | Replay | Exists
MoveOutcome = Done | Replay | Unknown | Short | Unreadable


class AccountsStore(Protocol):
    """Where accounts live (`customers.accounts_store.DynamoAccountsStore`); every write is one transaction."""

    def open(self, item: dict[str, Any], entry: ledger.LedgerEntry | None, marker: Marker | None) -> OpenOutcome: ...

    def move(self, entry: ledger.LedgerEntry, marker: Marker | None, now: str) -> MoveOutcome: ...

    def customer(self, customer_id: str) -> dict[str, Any] | None: ...

    def entry(self, customer_id: str, sort_key: str) -> dict[str, Any] | None: ...

    def remember(self, request_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Stores the answer on the marker unless one is stored; returns the one stored (the first)."""
        ...

    def customers(self, limit: int, token: str | None) -> tuple[list[dict[str, Any]], str | None]: ...


def customer_view(item: dict[str, Any]) -> dict[str, Any]:
    """The customer as `GET /customers/{customerId}` shows it (`queries.trades_queries.TradesQueries.customer`
    applies the same two functions); raises `record.UnreadableCustomer`."""
    return item_to_wire(record.with_defaults(item))


def entry_view(item: dict[str, Any]) -> dict[str, Any]:
    """A ledger entry as `GET /customers/{customerId}/ledger` lists it."""
    return item_to_wire(item)


def stored_answer(marker: dict[str, Any]) -> dict[str, Any] | None:
    answer = marker.get(MARKER_ANSWER)
    return None if answer is None else dict(json.loads(str(answer)))


class CustomerAccounts:
    """The rules of the three POSTs and the list; the store and the clock are injected."""

    def __init__(
        self, store: AccountsStore, clock: Clock, new_id: Callable[[], str] = lambda: str(uuid.uuid4())
    ) -> None:
        self._store = store
        self._clock = clock
        self._new_id = new_id

    def open(self, body: str | None, *, is_base64: bool = False, key: str | None = None) -> Result:
        request = parse_new_customer(read_object(body, is_base64=is_base64))
        now = to_iso(self._clock())
        rid = None if key is None else request_id(key)
        customer_id = request.customer_id or rid or self._new_id()
        entry = None
        if request.initial_deposit > ZERO:
            reason = request.reason or OPENING_REASON
            entry = ledger.deposit(
                customer_id, request.initial_deposit, entry_id=OPENING_ENTRY_ID, reason=reason, at=now
            )
        marker = None
        if key is not None and rid is not None:
            digest = fingerprint(OPEN, request.customer_id, request.initial_deposit, request.reason)
            marker = Marker(rid, key, OPEN, customer_id, digest, entry, now)
        # A complete record, as the seeder writes one: funds = the deposit, totals and statistics 0, listed.
        outcome = self._store.open(customer_item(customer_id, request.initial_deposit, now), entry, marker)
        if isinstance(outcome, Replay):
            return self._replay(outcome.marker, marker)
        if isinstance(outcome, Exists):
            raise CustomerExists(outcome.customer_id)
        return self._answer(self._opened_body(outcome.customer, None if entry is None else entry.to_item()), marker)

    def deposit(self, customer_id: str, body: str | None, *, is_base64: bool = False, key: str | None = None) -> Result:
        return self._move(ledger.EntryKind.DEPOSIT, customer_id, body, is_base64=is_base64, key=key)

    def withdraw(
        self, customer_id: str, body: str | None, *, is_base64: bool = False, key: str | None = None
    ) -> Result:
        """Never more than `AvailableFunds`, whatever the concurrency (the write's condition decides)."""
        return self._move(ledger.EntryKind.WITHDRAWAL, customer_id, body, is_base64=is_base64, key=key)

    def customers(self, *, limit: int, token: str | None) -> dict[str, Any]:
        items, next_token = self._store.customers(limit, token)
        views = [customer_view(item) for item in items]
        return {"customers": views, "count": len(views), "nextToken": next_token}

    def _move(
        self, kind: ledger.EntryKind, customer_id: str, body: str | None, *, is_base64: bool, key: str | None
    ) -> Result:
        check_customer_id(customer_id)
        request = parse_movement(kind, read_object(body, is_base64=is_base64))
        now = to_iso(self._clock())
        rid = None if key is None else request_id(key)
        entry = ledger.LedgerEntry(
            customer_id=customer_id,
            kind=kind,
            amount=request.amount,
            entry_id=rid or self._new_id(),
            reason=request.reason or DEFAULT_REASONS[kind],
            at=now,
        )
        marker = None
        if key is not None and rid is not None:
            digest = fingerprint(kind.value, customer_id, request.amount, request.reason)
            marker = Marker(rid, key, kind.value, customer_id, digest, entry, now)
        outcome = self._store.move(entry, marker, now)
        if isinstance(outcome, Replay):
            return self._replay(outcome.marker, marker)
        if isinstance(outcome, Unknown):
            raise CustomerNotFound(customer_id)
        if isinstance(outcome, Short):
            raise InsufficientFunds(outcome.required, outcome.available)
        if isinstance(outcome, Unreadable):
            raise UnreadableAccount(outcome.reason, outcome.field)
        return self._answer({"entry": entry_view(entry.to_item()), "customer": customer_view(outcome.customer)}, marker)

    def _answer(self, body: dict[str, Any], marker: Marker | None) -> Result:
        """The answer, stored on the marker first when there is one (a concurrent retry may have stored its
        own rebuilt answer first: that one is the answer then)."""
        return Result(body if marker is None else self._store.remember(marker.request_id, body))

    @staticmethod
    def _opened_body(customer: dict[str, Any], entry: dict[str, Any] | None) -> dict[str, Any]:
        return {**customer_view(customer), "ledger": [] if entry is None else [entry_view(entry)]}

    def _replay(self, stored: dict[str, Any], marker: Marker | None) -> Result:
        """The first answer to this key's request, or `KeyReused` when the key named another request."""
        if marker is None:
            raise AccountsUnavailable()  # only a request with a key writes a marker
        if stored.get(MARKER_FINGERPRINT) != marker.fingerprint:
            raise KeyReused(marker.key)
        answer = stored_answer(stored)
        if answer is not None:
            return Result(answer, replayed=True)
        # The first request made its change but has not stored its answer (it is still answering, or stopped
        # in between): the answer is rebuilt from what it wrote, and whichever is stored first is the answer.
        customer_id = str(stored[MARKER_CUSTOMER])
        customer = self._store.customer(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        entry_key = stored.get(MARKER_ENTRY_KEY)
        entry = None if entry_key is None else self._store.entry(customer_id, str(entry_key))
        if stored.get(MARKER_OPERATION) == OPEN:
            body = self._opened_body(customer, entry)
        elif entry is None:
            raise AccountsUnavailable()
        else:
            body = {"entry": entry_view(entry), "customer": customer_view(customer)}
        return Result(self._store.remember(marker.request_id, body), replayed=True)
