"""The router's funds in TradesStore: the atomic reservation of a parent order and its release.

One parent order is one `TransactWriteItems` of two items: the reservation is made and the ORDER item
(the parent and its children, `model.order_item`) appears, or nothing does (docs/architecture.md §11). The
ORDER item's put is conditional on there being none: an order whose id a first run of the same
`Idempotency-Key` already wrote comes back `AlreadyPlaced`, with the item as stored, and reserves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common.dynamodb import (
    MAX_TRANSACTION_ATTEMPTS,
    TransactionCancelled,
    batch_write,
    transact_conditionally,
)
from trading_core.customers import record
from trading_core.customers.record_store import complete_record
from trading_core.model.child_order import REJECTED, ChildOrder, Direction
from trading_core.model.order_item import versioned_put
from trading_core.orders.book_store import StoreUnavailable, end_children
from trading_core.orders.funds import (
    AlreadyPlaced,
    FundsUnavailable,
    InsufficientFunds,
    ReservationOutcome,
    Reserved,
    UnknownCustomer,
    UnreadableCustomer,
)
from trading_core.orders.plan import PlannedOrder
from trading_core.orders.reservations import reserve_operation, sell_refusal

ALL_OLD: Final = {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}


@dataclass(frozen=True)
class _IncompleteCustomer:
    item: dict[str, Any]


class DynamoFundsStore:
    """Funds and order items in the TradesStore, through a boto3 Table resource (TransactWriteItems)."""

    def __init__(self, table: Any) -> None:
        self._table = table.name
        self._client = table.meta.client

    def reserve(self, plan: PlannedOrder, now: str) -> ReservationOutcome:
        """Reserve what the plan needs and write its parent and children (ACCEPTED or OPEN), atomically.

        A customer record lacking the funds attributes is completed with their defaults first."""
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            outcome = self._reserve_once(plan, now)
            if not isinstance(outcome, _IncompleteCustomer):
                return outcome
            try:
                complete_record(self._client, self._table, outcome.item, now)
            except (ClientError, BotoCoreError) as error:
                customer_id = plan.request.customer_id
                raise FundsUnavailable(f"could not complete the record of {customer_id}: {error}") from error
            except record.UnreadableCustomer as error:
                return UnreadableCustomer(str(error))
        raise FundsUnavailable(f"the record of {plan.request.customer_id} kept changing while it was completed")

    def _reserve_once(self, plan: PlannedOrder, now: str) -> ReservationOutcome | _IncompleteCustomer:
        customer_id = plan.request.customer_id
        need = plan.reservation
        operations = [
            reserve_operation(self._table, plan, now),
            {"Put": {**versioned_put(self._table, plan.order_item(now), None), **ALL_OLD}},
        ]
        try:
            reasons = transact_conditionally(self._client, operations, unavailable=FundsUnavailable)
        except (ClientError, BotoCoreError, TransactionCancelled) as error:
            raise FundsUnavailable(f"could not reserve funds for order {plan.parent_order_id}: {error}") from error
        if reasons is None:
            return Reserved(need)
        if reasons[1].condition_failed:  # the ORDER item is there: a first run of the same key wrote it
            if not reasons[1].item:
                raise FundsUnavailable(f"order {plan.parent_order_id} exists, and its item did not come back")
            return AlreadyPlaced(reasons[1].item)
        if not reasons[0].condition_failed:
            raise FundsUnavailable(f"the reservation of {plan.parent_order_id} was cancelled: {reasons}")
        if plan.request.direction is Direction.SELL:
            return sell_refusal(self._client, self._table, plan, reasons[0].item)
        old = reasons[0].item
        if not old:
            return UnknownCustomer(customer_id)
        try:
            funds = record.read_funds(old)
        except record.UnreadableCustomer as error:
            return UnreadableCustomer(str(error))
        if not record.is_complete(old):
            return _IncompleteCustomer(old)
        return InsufficientFunds(required=need, available=funds.available)

    def release(self, children: Sequence[ChildOrder], now: str, reason: str) -> list[ChildOrder]:
        """Give back the reservation of children that could not be routed and mark them REJECTED.

        Only children still live (ACCEPTED or OPEN) are released: one that a pool already filled (its
        event got through after all) keeps its reservation. Returns the children released. All
        children must belong to one customer and one parent order.
        """
        try:
            return end_children(self._client, self._table, children, REJECTED, reason, now).ended
        except StoreUnavailable as error:
            raise FundsUnavailable(str(error)) from error

    def keep_refused(self, items: Sequence[dict[str, Any]]) -> None:
        """One put per refused order, 25 per BatchWriteItem (the same id written again replaces it)."""
        try:
            batch_write(self._client, self._table, [{"PutRequest": {"Item": item}} for item in items])
        except (ClientError, BotoCoreError, RuntimeError) as error:
            raise FundsUnavailable(f"could not keep {len(items)} refused orders: {error}") from error
