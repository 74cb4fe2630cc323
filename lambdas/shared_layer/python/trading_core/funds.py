"""Customer funds: the router's atomic reservation, its release, and the funds raiser's top-up.

Every decision is a DynamoDB condition evaluated by the write itself (never read-then-decide), so
concurrent requests can never commit more money than a customer has. One parent order is one
`TransactWriteItems`: the customer's funds move and every child ORDER item appears, or nothing does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from trading_core import customers, keys
from trading_core.dynamodb import CancellationReason, TransactionCancelled, transact_write
from trading_core.model import ChildOrder
from trading_core.money import ZERO, cents_up, money_str, to_decimal
from trading_core.orders import PlannedOrder

logger = logging.getLogger(__name__)

ACCEPTED: Final = "ACCEPTED"
REJECTED: Final = "REJECTED"

# A transaction touching an item another transaction is writing is cancelled with
# `TransactionConflict`; retrying at once is safe because a cancelled transaction wrote nothing.
MAX_TRANSACTION_ATTEMPTS: Final = 3
TRANSACTION_CONFLICT: Final = "TransactionConflict"


@dataclass(frozen=True)
class Reserved:
    amount: Decimal


@dataclass(frozen=True)
class UnknownCustomer:
    customer_id: str


@dataclass(frozen=True)
class InsufficientFunds:
    required: Decimal
    available: Decimal

    @property
    def shortfall(self) -> Decimal:
        return self.required - self.available


@dataclass(frozen=True)
class UnreadableCustomer:
    """The customer's record holds funds that are not numbers: refused, naming the field."""

    reason: str


ReservationOutcome = Reserved | UnknownCustomer | InsufficientFunds | UnreadableCustomer


@dataclass(frozen=True)
class _IncompleteCustomer:
    item: dict[str, Any]


class FundsUnavailable(RuntimeError):
    """The store could not decide (throttling, conflicts, outage); nothing was written."""


class TopUpOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    UNKNOWN_CUSTOMER = "unknown customer"
    UNREADABLE_CUSTOMER = "unreadable customer"


@dataclass(frozen=True, kw_only=True)
class TopUp:
    """Raises a customer's funds after a failed credit check; `order_id` makes it happen once."""

    order_id: str
    customer_id: str
    amount: Decimal


def top_up_amount(shortfall: Decimal) -> Decimal:
    """The shortfall rounded up to the cent: exactly what the refused order lacked, so resubmitting it
    succeeds (unless other orders spend the money first). The original set every customer to a flat
    10,000,000, which hid real balances; a top-up here is auditable through its marker's `Amount`."""
    return cents_up(shortfall)


def top_up_from_wire(order: dict[str, Any]) -> TopUp:
    """A CreditCheck order (see `order_intake.credit_check_wire`); raises ValueError when malformed."""
    order_id, customer_id = order.get("orderId"), order.get("customerId")
    if not isinstance(order_id, str) or not order_id or not isinstance(customer_id, str) or not customer_id:
        raise ValueError("orderId and customerId are required")
    shortfall = to_decimal(order.get("shortfall"))
    if shortfall <= ZERO:
        raise ValueError(f"shortfall must be positive, got {shortfall}")
    return TopUp(order_id=order_id, customer_id=customer_id, amount=top_up_amount(shortfall))


class FundsStore(Protocol):
    def reserve(self, plan: PlannedOrder, now: str) -> ReservationOutcome: ...

    def release(self, children: Sequence[ChildOrder], now: str, reason: str) -> list[ChildOrder]: ...


class TopUpStore(Protocol):
    def top_up(self, top_up: TopUp, now: str) -> TopUpOutcome: ...


class DynamoFundsStore:
    """Funds and order items in the TradesStore, through a boto3 Table resource (TransactWriteItems)."""

    def __init__(self, table: Any) -> None:
        self._table = table.name
        self._client = table.meta.client

    def _transact(self, operations: list[dict[str, Any]]) -> list[CancellationReason] | None:
        """None when committed; the cancellation reasons when a condition failed. Conflicts are retried."""
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            try:
                transact_write(self._client, operations)
                return None
            except TransactionCancelled as cancelled:
                if any(reason.condition_failed for reason in cancelled.reasons):
                    return cancelled.reasons
                if not any(reason.code == TRANSACTION_CONFLICT for reason in cancelled.reasons):
                    raise
        raise FundsUnavailable(f"transaction still conflicting after {MAX_TRANSACTION_ATTEMPTS} attempts")

    def reserve(self, plan: PlannedOrder, now: str) -> ReservationOutcome:
        """Reserve the plan's funds and write its children as ACCEPTED ORDER items, atomically.

        A customer record lacking the funds attributes is completed with their defaults first."""
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            outcome = self._reserve_once(plan, now)
            if not isinstance(outcome, _IncompleteCustomer):
                return outcome
            try:
                customers.complete_record(self._client, self._table, outcome.item, now)
            except (ClientError, BotoCoreError) as error:
                customer_id = plan.request.customer_id
                raise FundsUnavailable(f"could not complete the record of {customer_id}: {error}") from error
            except customers.UnreadableCustomer as error:
                return UnreadableCustomer(str(error))
        raise FundsUnavailable(f"the record of {plan.request.customer_id} kept changing while it was completed")

    def _reserve_once(self, plan: PlannedOrder, now: str) -> ReservationOutcome | _IncompleteCustomer:
        customer_id = plan.request.customer_id
        need = plan.reservation
        key = keys.customer_key(customer_id)
        customer_op: dict[str, Any]
        if need > ZERO:
            customer_op = {
                "Update": {
                    "TableName": self._table,
                    "Key": key,
                    "UpdateExpression": "SET AvailableFunds = AvailableFunds - :need, "
                    "ReservedFunds = ReservedFunds + :need, Updated = :now",
                    "ConditionExpression": f"attribute_exists(#pk) AND {customers.FUNDS_ARE_NUMBERS} "
                    "AND AvailableFunds >= :need",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                    "ExpressionAttributeValues": {":need": need, ":now": now, **customers.NUMBER_TYPE},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        else:
            # A sell commits no money (it pays its fee from its proceeds), but the customer must exist
            # with funds the aggregator can add its proceeds to.
            customer_op = {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": key,
                    "ConditionExpression": f"attribute_exists(#pk) AND {customers.FUNDS_ARE_NUMBERS}",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                    "ExpressionAttributeValues": customers.NUMBER_TYPE,
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        operations = [customer_op] + [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {**child.to_item(ACCEPTED), "Updated": now},
                    "ConditionExpression": "attribute_not_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                }
            }
            for child in plan.children
        ]
        try:
            reasons = self._transact(operations)
        except (ClientError, BotoCoreError, TransactionCancelled) as error:
            raise FundsUnavailable(f"could not reserve funds for order {plan.parent_order_id}: {error}") from error
        if reasons is None:
            return Reserved(need)
        if not reasons[0].condition_failed:
            raise FundsUnavailable(f"order items of {plan.parent_order_id} already exist: {reasons}")
        old = reasons[0].item
        if not old:
            return UnknownCustomer(customer_id)
        try:
            funds = customers.read_funds(old)
        except customers.UnreadableCustomer as error:
            return UnreadableCustomer(str(error))
        if not customers.is_complete(old):
            return _IncompleteCustomer(old)
        return InsufficientFunds(required=need, available=funds.available)

    def release(self, children: Sequence[ChildOrder], now: str, reason: str) -> list[ChildOrder]:
        """Give back the reservation of children that could not be routed and mark them REJECTED.

        Only children still ACCEPTED are released: one that a pool already filled (its event got
        through after all) keeps its reservation. Returns the children released. All children must
        belong to one customer.
        """
        pending = list(children)
        while pending:
            amount = sum((child.reserved_amount for child in pending), ZERO)
            operations: list[dict[str, Any]] = []
            if amount > ZERO:
                operations.append(
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": keys.customer_key(pending[0].customer_id),
                            "UpdateExpression": "SET AvailableFunds = AvailableFunds + :amount, "
                            "ReservedFunds = ReservedFunds - :amount, Updated = :now",
                            "ConditionExpression": "attribute_exists(#pk)",
                            "ExpressionAttributeNames": {"#pk": keys.PK},
                            "ExpressionAttributeValues": {":amount": amount, ":now": now},
                        }
                    }
                )
            offset = len(operations)
            operations.extend(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": keys.order_key(child.order_id),
                        "UpdateExpression": "SET #status = :rejected, RejectReason = :reason, Updated = :now",
                        "ConditionExpression": "#status = :accepted",
                        "ExpressionAttributeNames": {"#status": "Status"},
                        "ExpressionAttributeValues": {
                            ":rejected": REJECTED,
                            ":accepted": ACCEPTED,
                            ":reason": reason,
                            ":now": now,
                        },
                    }
                }
                for child in pending
            )
            reasons = self._transact(operations)
            if reasons is None:
                return pending
            moved_on = {
                index - offset for index, cancel in enumerate(reasons) if index >= offset and cancel.condition_failed
            }
            if not moved_on:
                raise FundsUnavailable(f"could not release the reservation of {pending[0].parent_order_id}: {reasons}")
            pending = [child for index, child in enumerate(pending) if index not in moved_on]
        return []

    def top_up(self, top_up: TopUp, now: str) -> TopUpOutcome:
        """Raise remaining and available funds once per CreditCheck order (the marker is the guard).

        A customer record lacking the funds attributes is completed with their defaults first."""
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            reasons = self._transact(self._top_up_operations(top_up, now))
            if reasons is None:
                logger.info(
                    "raised funds of customer %s by %s (order %s)",
                    top_up.customer_id,
                    money_str(top_up.amount),
                    top_up.order_id,
                )
                return TopUpOutcome.APPLIED
            if reasons[0].condition_failed:
                return TopUpOutcome.DUPLICATE
            old = reasons[1].item
            if not old:
                return TopUpOutcome.UNKNOWN_CUSTOMER
            try:
                customers.complete_record(self._client, self._table, old, now)
            except customers.UnreadableCustomer as error:
                logger.error("skipping top-up for order %s: %s", top_up.order_id, error)
                return TopUpOutcome.UNREADABLE_CUSTOMER
        raise FundsUnavailable(f"the record of {top_up.customer_id} kept changing while it was completed")

    def _top_up_operations(self, top_up: TopUp, now: str) -> list[dict[str, Any]]:
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        **keys.top_up_key(top_up.order_id),
                        "CustomerId": top_up.customer_id,
                        "Amount": top_up.amount,
                        "Created": now,
                    },
                    "ConditionExpression": "attribute_not_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.customer_key(top_up.customer_id),
                    "UpdateExpression": "SET RemainingFunds = RemainingFunds + :amount, "
                    "AvailableFunds = AvailableFunds + :amount, Updated = :now",
                    "ConditionExpression": f"attribute_exists(#pk) AND {customers.FUNDS_ARE_NUMBERS}",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                    "ExpressionAttributeValues": {":amount": top_up.amount, ":now": now, **customers.NUMBER_TYPE},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ]


def raise_funds(store: TopUpStore, orders: list[dict[str, Any]], now: str) -> dict[TopUpOutcome, int]:
    """Apply every CreditCheck order once. Malformed orders, unknown customers and unreadable customer
    records are logged and skipped (retrying cannot fix them); store errors propagate so the bus
    redelivers the event."""
    counts = dict.fromkeys(TopUpOutcome, 0)
    for order in orders:
        try:
            top_up = top_up_from_wire(order)
        except ValueError as error:
            logger.error("skipping malformed CreditCheck order %s: %s", order, error)
            continue
        outcome = store.top_up(top_up, now)
        if outcome is TopUpOutcome.UNKNOWN_CUSTOMER:
            logger.warning("skipping top-up of unknown customer %s (order %s)", top_up.customer_id, top_up.order_id)
        counts[outcome] += 1
    return counts
