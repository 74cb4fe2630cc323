"""The router's funds in TradesStore: the reservation of a parent order, its ORDER item, and their release.

One parent order is two single-item conditional writes, no transaction (a transaction bills two units per
item): the reservation, an update of the customer (or, for a sell, the position) that decides on the funds
and sets the order's hold (`orders.holds`), then the put of the ORDER item (the parent and its children,
`model.order_item`), on condition that there is none (docs/architecture.md §11). A put that fails gives the
reservation back at once; a router that stops between the two leaves a hold without its order, which a later
reservation on the same item gives back (`orders.holds`). An order whose id a first run of the same
`Idempotency-Key` already wrote comes back `AlreadyPlaced`, with the item as stored, and keeps nothing reserved.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common import keys
from trading_core.common.dynamodb import (
    MAX_BATCH_WRITE_ITEMS,
    MAX_BATCH_WRITE_ROUNDS,
    MAX_TRANSACTION_ATTEMPTS,
    ConditionFailed,
    batch_get,
    batch_write,
    chunked,
    decided_write,
)
from trading_core.contracts import ORDER_ID_ATTRIBUTE
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
from trading_core.orders.holds import (
    MAX_FOREIGN_HOLDS,
    ORPHAN_AFTER,
    epoch,
    holds_of,
    release_hold,
    with_hold,
    with_holds,
)
from trading_core.orders.plan import PlannedOrder
from trading_core.orders.reservations import reserve_operation, sell_refusal

logger = logging.getLogger(__name__)

ALL_OLD: Final = {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
MAX_DEFERRED_HOLDS: Final = 8
"""Reservations on one item whose ORDER items wait to be written before the next one writes them (so it removes
their holds: eight holds keep a customer item under 1 KB)."""
MAX_PLACED_KEPT: Final = 10_000
"""Items whose placed holds a store remembers for removal (a container's memory, not a guarantee)."""


@dataclass(frozen=True)
class _IncompleteCustomer:
    item: dict[str, Any]


@dataclass(frozen=True)
class _Deferred:
    """A reservation made whose ORDER item `place_deferred` writes."""

    plan: PlannedOrder
    key: dict[str, str]
    held: Decimal
    now: str
    written: dict[str, Any]


@dataclass(frozen=True)
class _Again:
    """An orphan hold of the same order was given back: reserve again."""


Place = tuple[str, str]


class DynamoFundsStore:
    """Funds and order items in the TradesStore, through a boto3 Table resource (UpdateItem, then PutItem)."""

    def __init__(self, table: Any) -> None:
        self._table = table.name
        self._client = table.meta.client
        self._deferred: list[_Deferred] = []
        self._unplaced: set[str] = set()
        self._placed: dict[Place, set[str]] = {}
        """Per reserved item, the orders whose holds this store knows placed: the next reservation removes them."""

    def reserve(self, plan: PlannedOrder, now: str, *, defer: bool = False) -> ReservationOutcome:
        """Reserve what the plan needs and write its parent and children (ACCEPTED or OPEN); with `defer`, the
        item is written by `place_deferred` (25 per BatchWriteItem, not conditional: for fresh ids only).

        A customer record lacking the funds attributes is completed with their defaults first."""
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            outcome = self._reserve_once(plan, now, defer)
            if isinstance(outcome, _Again):
                continue
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

    def reserve_all(
        self, plans: Sequence[PlannedOrder], now: str, *, defer: bool = False
    ) -> list[ReservationOutcome | FundsUnavailable]:
        """Each plan's outcome (or why it could not be decided), in order. With `defer` (fresh ids), the orders
        that reserve on one item (a customer's buys, a position's sells) are first reserved together by one
        update of their sum with all their holds: if it passes, each one would have passed in turn; if not,
        they are reserved one by one, in order, as without it."""
        outcomes: dict[int, ReservationOutcome | FundsUnavailable] = {}
        groups: dict[Place, list[int]] = {}
        for index, plan in enumerate(plans):
            groups.setdefault(_place(reserve_operation(self._table, plan, now)["Update"]["Key"]), []).append(index)
        for indexes in groups.values():
            if defer and len(indexes) > 1 and self._reserve_together([plans[i] for i in indexes], now):
                outcomes.update({i: Reserved(plans[i].reservation) for i in indexes})
                continue
            for i in indexes:
                try:
                    outcomes[i] = self.reserve(plans[i], now, defer=defer)
                except FundsUnavailable as error:
                    outcomes[i] = error
        return [outcomes[index] for index in range(len(plans))]

    def _reserve_together(self, plans: Sequence[PlannedOrder], now: str) -> bool:
        """One update reserving the plans' sum on their item, with each one's hold; their ORDER items deferred.
        False (nothing written) when its condition or the request failed."""
        first = plans[0]
        update = reserve_operation(self._table, first, now)["Update"]
        place = _place(update["Key"])
        held = {plan.parent_order_id: _held(plan) for plan in plans}
        total = sum(held.values(), Decimal(0))
        values = dict(update["ExpressionAttributeValues"])
        if ":need" in values:
            values[":need"] = sum((plan.reservation for plan in plans), Decimal(0))
        else:
            values[":q"] = int(total)
        placed = self._placed.pop(place, set())
        request = with_holds({**update, "ExpressionAttributeValues": values}, held, now, placed)
        for attempt in range(2):
            try:
                answer = decided_write(self._client.update_item, request)
                break
            except ConditionFailed as failed:  # a record lacking the funds attributes is completed first, once
                old = failed.item
                if attempt or first.request.direction is Direction.SELL or not old or record.is_complete(old):
                    self._remember(place, placed)
                    return False
                try:
                    record.read_funds(old)
                    complete_record(self._client, self._table, old, now)
                except (ClientError, BotoCoreError, record.UnreadableCustomer):
                    self._remember(place, placed)
                    return False
            except (ClientError, BotoCoreError):
                self._remember(place, placed)
                return False
        else:
            return False
        written = answer.get("Attributes") or {}
        for plan in plans:
            self._deferred.append(_Deferred(plan, update["Key"], held[plan.parent_order_id], now, written))
        return True

    def _reserve_once(
        self, plan: PlannedOrder, now: str, defer: bool
    ) -> ReservationOutcome | _IncompleteCustomer | _Again:
        parent_id = plan.parent_order_id
        held = _held(plan)
        update = reserve_operation(self._table, plan, now)["Update"]
        place = _place(update["Key"])
        if defer and sum(1 for entry in self._deferred if _place(entry.key) == place) >= MAX_DEFERRED_HOLDS:
            self._flush()  # so this reservation removes their holds: an item keeps a few at most
        placed = self._placed.pop(place, set())
        request = with_hold(update, parent_id, held, now, placed)
        try:
            answer = decided_write(self._client.update_item, request)
        except ConditionFailed as failed:
            self._remember(place, placed)
            return self._refusal(plan, update["Key"], failed.item, now)
        except (ClientError, BotoCoreError) as error:
            self._remember(place, placed)
            raise FundsUnavailable(f"could not reserve funds for order {parent_id}: {error}") from error
        if defer:
            self._deferred.append(_Deferred(plan, update["Key"], held, now, answer.get("Attributes") or {}))
            return Reserved(plan.reservation)
        try:
            decided_write(self._client.put_item, {**versioned_put(self._table, plan.order_item(now), None), **ALL_OLD})
        except ConditionFailed as failed:  # the ORDER item is there: a first run of the same key wrote it
            self._give_back(plan, update["Key"], held, now)
            if not failed.item:
                raise FundsUnavailable(f"order {parent_id} exists, and its item did not come back") from None
            return AlreadyPlaced(failed.item)
        except (ClientError, BotoCoreError) as error:
            self._give_back(plan, update["Key"], held, now)
            raise FundsUnavailable(f"could not write order {parent_id}: {error}") from error
        self._remember(place, {parent_id})
        self._tidy(plan, update["Key"], answer.get("Attributes") or {}, now)
        return Reserved(plan.reservation)

    def place_deferred(self) -> set[str]:
        """The deferred ORDER items, 25 per BatchWriteItem; an item left unprocessed was not written, so its
        reservation is given back; one whose call failed is put on condition that there is none (written either
        way), or, when even that fails, keeps its reservation (it may exist, and then its children hold it)."""
        self._flush()
        unplaced, self._unplaced = self._unplaced, set()
        return unplaced

    def _flush(self) -> None:
        deferred, self._deferred = self._deferred, []
        placed: dict[Place, _Deferred] = {}
        for chunk in chunked(deferred, MAX_BATCH_WRITE_ITEMS):
            items = {entry.plan.parent_order_id: entry for entry in chunk}
            try:
                unwritten = self._batch_put([entry.plan.order_item(entry.now) for entry in chunk])
            except (ClientError, BotoCoreError) as error:
                logger.warning("could not write %d orders in one batch (%s): one by one", len(chunk), error)
                unwritten = self._put_each(chunk)
            for parent_id, entry in items.items():
                if parent_id in unwritten:
                    self._give_back(entry.plan, entry.key, entry.held, entry.now)
                    self._unplaced.add(parent_id)
                elif parent_id not in self._unplaced:
                    self._remember(_place(entry.key), {parent_id})
                    placed[_place(entry.key)] = entry
        for entry in placed.values():  # the last reservation on each item, once all of them are known placed
            self._tidy(entry.plan, entry.key, entry.written, entry.now)

    def _put_each(self, chunk: Sequence[_Deferred]) -> set[str]:
        """After a failed batch (which may have written some): each put on condition that there is none; the
        ones not written. One whose put fails too is unplaced but keeps its hold (it may exist)."""
        unwritten: set[str] = set()
        for entry in chunk:
            parent_id = entry.plan.parent_order_id
            try:
                decided_write(self._client.put_item, versioned_put(self._table, entry.plan.order_item(entry.now), None))
            except ConditionFailed:
                pass  # the batch wrote it
            except (ClientError, BotoCoreError):
                logger.exception("RECONCILE: order %s may exist; its hold stays", parent_id)
                self._unplaced.add(parent_id)
        return unwritten

    def _batch_put(self, items: list[dict[str, Any]]) -> set[str]:
        """One BatchWriteItem of `items` and its rounds of unprocessed items; the order ids still unprocessed."""
        request: dict[str, Any] = {self._table: [{"PutRequest": {"Item": item}} for item in items]}
        for _ in range(MAX_BATCH_WRITE_ROUNDS):
            request = self._client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            if not request:
                return set()
        return {str(entry["PutRequest"]["Item"][ORDER_ID_ATTRIBUTE]) for entry in request.get(self._table, [])}

    def _refusal(
        self, plan: PlannedOrder, key: dict[str, str], old: dict[str, Any], now: str
    ) -> ReservationOutcome | _IncompleteCustomer | _Again:
        """Why the reservation's condition failed: the order placed by a first run of its key (its ORDER item
        exists, read consistently), its own orphan hold (given back: reserve again), or the funds or holdings."""
        parent_id = plan.parent_order_id
        stored = self._read_orders([parent_id]).get(parent_id)
        if stored is not None:
            return AlreadyPlaced(stored)
        own = holds_of(old).get(parent_id)
        if own is not None:
            if epoch(now) - own[1] < ORPHAN_AFTER:
                raise FundsUnavailable(f"order {parent_id} is being placed by another run")
            self._release(plan, key, parent_id, own[0], now)
            return _Again()
        customer_id = plan.request.customer_id
        if plan.request.direction is Direction.SELL:
            return sell_refusal(self._client, self._table, plan, old)
        if not old:
            return UnknownCustomer(customer_id)
        try:
            funds = record.read_funds(old)
        except record.UnreadableCustomer as error:
            return UnreadableCustomer(str(error))
        if not record.is_complete(old):
            return _IncompleteCustomer(old)
        return InsufficientFunds(required=plan.reservation, available=funds.available)

    def _tidy(self, plan: PlannedOrder, key: dict[str, str], item: dict[str, Any], now: str) -> None:
        """Once the item holds `MAX_FOREIGN_HOLDS` holds of other runs, their orders are looked up: the placed
        ones are removed by the next reservation, the orphans given back now. Never fails the order."""
        place = _place(key)
        known = self._placed.get(place, set())
        foreign = {order_id: hold for order_id, hold in holds_of(item).items() if order_id not in known}
        if len(foreign) < MAX_FOREIGN_HOLDS:
            return
        try:
            stored = self._read_orders(sorted(foreign))
            self._remember(place, set(stored))
            for order_id, (held, made) in foreign.items():
                if order_id not in stored and epoch(now) - made >= ORPHAN_AFTER:
                    self._release(plan, key, order_id, held, now)
        except (ClientError, BotoCoreError, RuntimeError, FundsUnavailable):
            logger.exception("could not look up the holds on %s", place)

    def _give_back(self, plan: PlannedOrder, key: dict[str, str], held: Decimal, now: str) -> None:
        """The reservation of an order whose ORDER item was not written: given back now, or left as an orphan
        hold for a later reservation to give back."""
        try:
            self._release(plan, key, plan.parent_order_id, held, now)
        except FundsUnavailable:
            logger.exception("RECONCILE: order %s keeps its hold for a reservation to give back", plan.parent_order_id)

    def _release(self, plan: PlannedOrder, key: dict[str, str], order_id: str, held: Decimal, now: str) -> None:
        sell = plan.request.direction is Direction.SELL
        request = release_hold(self._table, key, order_id, held, sell=sell, now=now)
        try:
            decided_write(self._client.update_item, request)
        except ConditionFailed:
            return  # given back already (by another run)
        except (ClientError, BotoCoreError) as error:
            raise FundsUnavailable(f"could not give back the hold of order {order_id}: {error}") from error

    def _read_orders(self, order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        try:
            items = batch_get(self._client, self._table, [keys.order_key(order_id) for order_id in order_ids])
        except (ClientError, BotoCoreError, RuntimeError) as error:
            raise FundsUnavailable(f"could not read orders {', '.join(order_ids)}: {error}") from error
        return {str(item[ORDER_ID_ATTRIBUTE]): item for item in items}

    def _remember(self, place: Place, order_ids: set[str]) -> None:
        if not order_ids:
            return
        if len(self._placed) >= MAX_PLACED_KEPT and place not in self._placed:
            self._placed.clear()
        self._placed.setdefault(place, set()).update(order_ids)

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


def _held(plan: PlannedOrder) -> Decimal:
    """What the order's hold records: the funds a buy reserves, the quantity a sell does."""
    if plan.request.direction is Direction.SELL:
        return Decimal(sum(child.quantity for child in plan.children))
    return plan.reservation


def _place(key: dict[str, str]) -> Place:
    return str(key[keys.PK]), str(key[keys.SK])
