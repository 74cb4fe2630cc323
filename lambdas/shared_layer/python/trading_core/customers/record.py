"""The customer record as stored, read with defaults for the attributes the system adds itself.

A record written in the original's shape (only `RemainingFunds`) or by hand through the AWS API may
lack `AvailableFunds`, `ReservedFunds`, `TotalDeposits`, the statistics and the timestamps. Readers
fill them in with their defaults; writers whose expressions need them require them in their
condition and, when it fails on such a record, complete it first with one conditional write (so a
concurrent writer is never overwritten) and write again. A record whose funds are not numbers
cannot be read at all: it is refused with a reason naming the field, never retried as if it were
transient.

The ledger (docs/architecture.md §2, "Money is real"): money enters only as a deposit and leaves
only as a withdrawal or a fee, so for every customer, exact to the cent,

    RemainingFunds + Σ positions' CostBasis
        = TotalDeposits - TotalWithdrawals - TotalCommissionPaid + RealizedPnl.

`TotalDeposits` of a record that lacks it is its opening balance, the one value that makes the
identity hold for what the record says (positions bought before the ledger existed count at cost 0):
`RemainingFunds + TotalCommissionPaid + TotalWithdrawals - RealizedPnl`, which for a record in the
original's shape is its `RemainingFunds`. The completion writes it once, with a DEPOSIT ledger entry
"opening balance" (`customers.ledger`).

The customer list (`GET /customers`, the sparse index `CustomerIds`) holds the items with
`CustomerListKey` = `CUSTOMER`. The seeder and `POST /customers` write it with the record; a record
written before the list existed gets it from the next write that touches the customer's funds (a
deposit, a withdrawal, a top-up, the completion) or from the seeder's next run, which adds it to the
seeded customers that lack it. Readers never show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from trading_core.common import keys
from trading_core.common.money import ZERO
from trading_core.contracts import CUSTOMER_LIST_KEY_ATTRIBUTE, CUSTOMER_LIST_PARTITION

REMAINING_FUNDS: Final = "RemainingFunds"
AVAILABLE_FUNDS: Final = "AvailableFunds"
RESERVED_FUNDS: Final = "ReservedFunds"
FUNDS_ATTRIBUTES: Final = (REMAINING_FUNDS, AVAILABLE_FUNDS, RESERVED_FUNDS)
TOTAL_DEPOSITS: Final = "TotalDeposits"
TOTAL_WITHDRAWALS: Final = "TotalWithdrawals"
TOTAL_COMMISSION_PAID: Final = "TotalCommissionPaid"
REALIZED_PNL: Final = "RealizedPnl"
# Statistics the writers add to (`ADD` starts a missing number at zero, so they need no completion).
STATISTICS: Final = ("NrTrades", TOTAL_COMMISSION_PAID, "TotalAmountInvested", TOTAL_WITHDRAWALS, REALIZED_PNL)
# What a complete record holds: the funds, and the opening balance, which cannot start at zero.
REQUIRED_ATTRIBUTES: Final = (*FUNDS_ATTRIBUTES, TOTAL_DEPOSITS)

# Appended to the condition of every write whose expression reads the funds: a record that lacks one
# of them (or its TotalDeposits), or holds something other than a number, fails the condition and is
# looked at instead.
FUNDS_ARE_NUMBERS: Final = " AND ".join(f"attribute_type({name}, :number)" for name in REQUIRED_ATTRIBUTES)
NUMBER_TYPE: Final = {":number": "N"}
# The customer list's index key, set by every write of the funds.
LIST_KEY_SET: Final = f"{CUSTOMER_LIST_KEY_ATTRIBUTE} = :list"
LIST_KEY_VALUE: Final = {":list": CUSTOMER_LIST_PARTITION}


class UnreadableCustomer(ValueError):
    """The record's funds cannot be read; retrying cannot help, a person must repair the record."""

    def __init__(self, customer_id: str, field: str, problem: str) -> None:
        super().__init__(f"customer record {customer_id} cannot be read: {field} {problem}")
        self.customer_id = customer_id
        self.field = field


@dataclass(frozen=True)
class CustomerFunds:
    remaining: Decimal
    reserved: Decimal
    available: Decimal


def _number(customer_id: str, item: Mapping[str, Any], name: str) -> Decimal | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise UnreadableCustomer(customer_id, name, f"is not a number ({type(value).__name__})")
    return Decimal(value)


def customer_id_of(item: Mapping[str, Any]) -> str:
    return str(item.get("CustomerId") or str(item.get(keys.PK, "")).removeprefix(keys.CUSTOMER_PREFIX))


def read_funds(item: Mapping[str, Any]) -> CustomerFunds:
    """The funds with the defaults kept by every writer: available = remaining - reserved."""
    customer_id = customer_id_of(item)
    remaining = _number(customer_id, item, REMAINING_FUNDS)
    if remaining is None:
        raise UnreadableCustomer(customer_id, REMAINING_FUNDS, "is missing")
    reserved = _number(customer_id, item, RESERVED_FUNDS)
    available = _number(customer_id, item, AVAILABLE_FUNDS)
    if reserved is None and available is not None:
        reserved = remaining - available
        if reserved < ZERO:
            raise UnreadableCustomer(customer_id, AVAILABLE_FUNDS, f"exceeds {REMAINING_FUNDS}")
    if reserved is None:
        reserved = ZERO
    if available is None:
        available = remaining - reserved
    return CustomerFunds(remaining=remaining, reserved=reserved, available=available)


def is_complete(item: Mapping[str, Any]) -> bool:
    return all(name in item for name in REQUIRED_ATTRIBUTES)


def statistic(item: Mapping[str, Any], name: str) -> Decimal:
    """A statistic (0 when missing); raises `UnreadableCustomer` when it is not a number."""
    value = _number(customer_id_of(item), item, name)
    return ZERO if value is None else value


def total_deposits(item: Mapping[str, Any]) -> Decimal:
    """`TotalDeposits`, or the opening balance of a record that lacks it (module docstring)."""
    stored = _number(customer_id_of(item), item, TOTAL_DEPOSITS)
    if stored is not None:
        return stored
    return (
        read_funds(item).remaining
        + statistic(item, TOTAL_COMMISSION_PAID)
        + statistic(item, TOTAL_WITHDRAWALS)
        - statistic(item, REALIZED_PNL)
    )


def with_defaults(item: Mapping[str, Any]) -> dict[str, Any]:
    """The record as readers show it: missing funds, totals and statistics filled in."""
    funds = read_funds(item)
    shown = {name: value for name, value in item.items() if name != CUSTOMER_LIST_KEY_ATTRIBUTE}
    return {
        "CustomerId": customer_id_of(item),
        **dict.fromkeys(STATISTICS, ZERO),
        **shown,
        REMAINING_FUNDS: funds.remaining,
        RESERVED_FUNDS: funds.reserved,
        AVAILABLE_FUNDS: funds.available,
        TOTAL_DEPOSITS: total_deposits(item),
    }


def completion_request(table_name: str, item: Mapping[str, Any], now: str) -> dict[str, Any]:
    """An UpdateItem request that writes the defaults of `item`'s missing attributes, on condition that
    the funds and statistics it read are unchanged (a concurrent change makes it fail, and the caller
    reads again). Raises `UnreadableCustomer` when the funds cannot be read."""
    funds = read_funds(item)
    values = {
        REMAINING_FUNDS: funds.remaining,
        AVAILABLE_FUNDS: funds.available,
        RESERVED_FUNDS: funds.reserved,
        TOTAL_DEPOSITS: total_deposits(item),
    }
    names = {f"#f{index}": name for index, name in enumerate(REQUIRED_ATTRIBUTES)}
    conditions = ["attribute_exists(#pk)"]
    sets = []
    attribute_values: dict[str, Any] = {":now": now, ":zero": 0, ":id": customer_id_of(item), **LIST_KEY_VALUE}
    for alias, name in names.items():
        placeholder = f":{alias[1:]}"
        attribute_values[placeholder] = values[name]
        if name in item:
            conditions.append(f"{alias} = {placeholder}")
        else:
            conditions.append(f"attribute_not_exists({alias})")
            sets.append(f"{alias} = {placeholder}")
    stat_names = {f"#s{index}": name for index, name in enumerate(STATISTICS)}
    for alias, name in stat_names.items():
        # The opening balance is derived from these: they must be what it was derived from.
        if name in item:
            attribute_values[f":{alias[1:]}"] = item[name]
            conditions.append(f"{alias} = :{alias[1:]}")
        else:
            conditions.append(f"attribute_not_exists({alias})")
    sets += [f"{alias} = if_not_exists({alias}, :zero)" for alias in stat_names]
    sets += [
        "CustomerId = if_not_exists(CustomerId, :id)",
        "Created = if_not_exists(Created, :now)",
        "Updated = :now",
        LIST_KEY_SET,
    ]
    return {
        "TableName": table_name,
        "Key": {keys.PK: item[keys.PK], keys.SK: item[keys.SK]},
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": {"#pk": keys.PK, **names, **stat_names},
        "ExpressionAttributeValues": attribute_values,
    }
