"""The customer seeder: deploy-time seeding of customers (a CloudFormation custom resource), as the
original's twelve (docs/architecture.md §6).

A customer is created only if absent (`attribute_not_exists`), so a redeploy never resets one that
has been trading; its initial funds are a DEPOSIT ledger entry written in the same transaction
(`customers.ledger`), so `TotalDeposits` is the sum of its entries from the start. Delete keeps the
data. CloudFormation always gets an answer on `ResponseURL`,
FAILED with the reason on any error, so a stack never hangs for an hour waiting for it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Protocol

from trading_core.common import keys
from trading_core.common.money import has_at_most_cents, to_decimal
from trading_core.contracts import (
    CUSTOMER_ID_PATTERN,
    CUSTOMER_LIST_KEY_ATTRIBUTE,
    CUSTOMER_LIST_PARTITION,
    SEED_CUSTOMERS,
    SEED_CUSTOMERS_PROPERTY,
    SEED_INITIAL_FUNDS,
    SEED_INITIAL_FUNDS_PROPERTY,
)
from trading_core.customers.cloudformation import Sender, http_put

logger = logging.getLogger(__name__)

DEFAULT_INITIAL_FUNDS: Final = Decimal(SEED_INITIAL_FUNDS)
MAX_REASON_CHARS: Final = 1000

_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)


@dataclass(frozen=True)
class SeedSpec:
    customer_ids: tuple[str, ...]
    initial_funds: Decimal

    @classmethod
    def from_properties(cls, properties: dict[str, Any]) -> SeedSpec:
        """`Customers` (list of ids) and `InitialFunds` (CloudFormation passes numbers as strings);
        both default to the original's twelve customers with 1,000,000 each."""
        ids = properties.get(SEED_CUSTOMERS_PROPERTY, SEED_CUSTOMERS)
        if isinstance(ids, str):
            ids = [part.strip() for part in ids.split(",") if part.strip()]
        if not isinstance(ids, Sequence) or not all(isinstance(i, str) and _CUSTOMER_ID.match(i) for i in ids):
            raise ValueError(
                f"{SEED_CUSTOMERS_PROPERTY} must be a list of ids matching {CUSTOMER_ID_PATTERN}, got {ids!r}"
            )
        funds = to_decimal(properties.get(SEED_INITIAL_FUNDS_PROPERTY, DEFAULT_INITIAL_FUNDS))
        if funds < 0 or not has_at_most_cents(funds):
            raise ValueError(f"{SEED_INITIAL_FUNDS_PROPERTY} must be a non-negative amount in cents, got {funds}")
        return cls(customer_ids=tuple(dict.fromkeys(ids)), initial_funds=funds)


def customer_item(customer_id: str, funds: Decimal, now: str) -> dict[str, Any]:
    return {
        **keys.customer_key(customer_id),
        "CustomerId": customer_id,
        "RemainingFunds": funds,
        "AvailableFunds": funds,
        "ReservedFunds": Decimal(0),
        "NrTrades": 0,
        "TotalCommissionPaid": Decimal(0),
        "TotalAmountInvested": Decimal(0),
        "TotalDeposits": funds,
        "TotalWithdrawals": Decimal(0),
        "RealizedPnl": Decimal(0),
        "Created": now,
        "Updated": now,
        CUSTOMER_LIST_KEY_ATTRIBUTE: CUSTOMER_LIST_PARTITION,  # listed by GET /customers (customers.record)
    }


class SeedStore(Protocol):
    """Where customers are created (`customers.seed_store.CustomerSeedStore`)."""

    @property
    def physical_id(self) -> str: ...

    def seed(self, spec: SeedSpec, now: str) -> int: ...


def handle_custom_resource(
    event: dict[str, Any],
    *,
    seeder: Callable[[], SeedStore],
    now: str,
    send: Sender | None = None,
    log_stream: str = "",
) -> dict[str, Any]:
    """Seed on Create/Update, nothing on Delete; always answer CloudFormation. Returns the answer."""
    request_type = event.get("RequestType")
    physical_id = event.get("PhysicalResourceId") or ""
    status, reason, data = "SUCCESS", "", {}
    try:
        if request_type in ("Create", "Update"):
            store = seeder()
            physical_id = physical_id or store.physical_id
            spec = SeedSpec.from_properties(event.get("ResourceProperties") or {})
            seeded = store.seed(spec, now)
            data = {"Seeded": seeded}
            existing = len(spec.customer_ids) - seeded
            reason = f"created {seeded} of {len(spec.customer_ids)} customers" + (
                f"; {existing} already existed" if existing else ""
            )
        elif request_type == "Delete":
            reason = "customers are kept on delete"
        else:
            raise ValueError(f"unknown RequestType {request_type!r}")
    except Exception as error:
        logger.exception("seeding customers failed")
        status = "FAILED"
        reason = f"{type(error).__name__}: {error}"[:MAX_REASON_CHARS]
        if log_stream:
            reason += f" (log stream {log_stream})"
    answer = {
        "Status": status,
        "Reason": reason,
        "PhysicalResourceId": physical_id or f"{event.get('LogicalResourceId', 'Customers')}-customers",
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "Data": data,
    }
    (send or http_put)(str(event["ResponseURL"]), json.dumps(answer).encode())
    return answer
