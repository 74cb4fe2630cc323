"""Deploy-time seeding of customers (a CloudFormation custom resource), as the original's twelve.

A customer is created only if absent (`attribute_not_exists`), so a redeploy never resets one that
has been trading; Delete keeps the data. CloudFormation always gets an answer on `ResponseURL`,
FAILED with the reason on any error, so a stack never hangs for an hour waiting for it.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from botocore.exceptions import ClientError

from trading_core import keys
from trading_core.money import has_at_most_cents, to_decimal
from trading_core.order_intake import CUSTOMER_ID_PATTERN

logger = logging.getLogger(__name__)

DEFAULT_CUSTOMERS: Final = tuple(f"{n:06d}" for n in range(1, 13))
DEFAULT_INITIAL_FUNDS: Final = Decimal("1000000.00")
MAX_REASON_CHARS: Final = 1000
HTTP_TIMEOUT_SECONDS: Final = 10

# Sends a response document to the pre-signed `ResponseURL`.
Sender = Callable[[str, bytes], None]

_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)


@dataclass(frozen=True)
class SeedSpec:
    customer_ids: tuple[str, ...]
    initial_funds: Decimal

    @classmethod
    def from_properties(cls, properties: dict[str, Any]) -> SeedSpec:
        """`Customers` (list of ids) and `InitialFunds` (CloudFormation passes numbers as strings);
        both default to the original's twelve customers with 1,000,000 each."""
        ids = properties.get("Customers", DEFAULT_CUSTOMERS)
        if isinstance(ids, str):
            ids = [part.strip() for part in ids.split(",") if part.strip()]
        if not isinstance(ids, Sequence) or not all(isinstance(i, str) and _CUSTOMER_ID.match(i) for i in ids):
            raise ValueError(f"Customers must be a list of ids matching {CUSTOMER_ID_PATTERN}, got {ids!r}")
        funds = to_decimal(properties.get("InitialFunds", DEFAULT_INITIAL_FUNDS))
        if funds < 0 or not has_at_most_cents(funds):
            raise ValueError(f"InitialFunds must be a non-negative amount in cents, got {funds}")
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
        "Created": now,
        "Updated": now,
    }


class CustomerSeeder:
    """One conditional PutItem per customer (BatchWriteItem cannot be conditional)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    @property
    def physical_id(self) -> str:
        return f"{self._table.name}/customers"

    def seed(self, spec: SeedSpec, now: str) -> int:
        """Creates the missing customers; returns how many were created."""
        created = 0
        for customer_id in spec.customer_ids:
            try:
                self._table.put_item(
                    Item=customer_item(customer_id, spec.initial_funds, now),
                    ConditionExpression="attribute_not_exists(#pk)",
                    ExpressionAttributeNames={"#pk": keys.PK},
                )
                created += 1
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
        return created


def http_put(url: str, body: bytes) -> None:
    """PUT to the pre-signed S3 URL; its signature expects an empty Content-Type."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"ResponseURL must be an http(s) URL, got {url[:40]!r}")
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
        response.read()


def handle_custom_resource(
    event: dict[str, Any],
    *,
    seeder: Callable[[], CustomerSeeder],
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
