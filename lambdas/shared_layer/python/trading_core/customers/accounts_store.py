"""Customer accounts in TradesStore (`customers.accounts`): each change is one TransactWriteItems.

- open: Put the customer record (`attribute_not_exists`) and Put its opening DEPOSIT entry.
- deposit / withdrawal: `ledger_store.DynamoLedgerStore.record` (the entry's Put and the customer's
  Update, whose condition `AvailableFunds >= :amount` refuses an overdraft whatever the concurrency).
- an idempotent request adds its marker, PK `REQUEST#<requestId>` SK `REQUEST`, first in the same
  transaction (`attribute_not_exists`): when it already exists nothing is written and the stored marker
  comes back. Once answered, the answer body is stored on the marker (`Answer`, JSON), first writer wins.
- the list: Query on the sparse index `CustomerIds` (partition `CustomerListKey` = `CUSTOMER`, sort
  `CustomerId`), keys only, then one BatchGetItem of the page's customer items; `nextToken` is the
  urlsafe base64 of the JSON of the LastEvaluatedKey (the scheme of the trades' and the ledger's pages,
  `queries.trade_pages`), refused unless it continues this query.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common import keys
from trading_core.common.dynamodb import batch_get, transact_conditionally
from trading_core.contracts import (
    CUSTOMER_ID_ATTRIBUTE,
    CUSTOMER_ID_PATTERN,
    CUSTOMER_LIST_INDEX,
    CUSTOMER_LIST_KEY_ATTRIBUTE,
    CUSTOMER_LIST_PARTITION,
)
from trading_core.customers import accounts, ledger, ledger_store
from trading_core.customers.account_requests import invalid
from trading_core.customers.accounts import Marker

REQUEST_PREFIX: Final = "REQUEST#"
REQUEST_SORT_KEY: Final = "REQUEST"

_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)
_TOKEN_KEYS: Final = frozenset({keys.PK, keys.SK, CUSTOMER_LIST_KEY_ATTRIBUTE, CUSTOMER_ID_ATTRIBUTE})


def marker_key(request_id: str) -> dict[str, str]:
    return {keys.PK: f"{REQUEST_PREFIX}{request_id}", keys.SK: REQUEST_SORT_KEY}


def marker_put(table: str, marker: Marker) -> dict[str, Any]:
    item: dict[str, Any] = {
        **marker_key(marker.request_id),
        "RequestId": marker.request_id,
        "IdempotencyKey": marker.key,
        accounts.MARKER_OPERATION: marker.operation,
        accounts.MARKER_CUSTOMER: marker.customer_id,
        accounts.MARKER_FINGERPRINT: marker.fingerprint,
        "Created": marker.created,
    }
    if marker.entry is not None:
        item[accounts.MARKER_ENTRY_KEY] = ledger.ledger_key(marker.customer_id, marker.entry.at, marker.entry.entry_id)[
            keys.SK
        ]
    return {
        "Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": keys.PK},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def encode_token(last_key: dict[str, Any]) -> str:
    text = json.dumps({name: str(value) for name, value in sorted(last_key.items())}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_list_token(token: str) -> dict[str, str]:
    """The start key a `GET /customers` token stands for; refused unless it continues that query."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise invalid("nextToken", "is not a token this API issued") from None
    if not isinstance(decoded, dict) or set(decoded) != _TOKEN_KEYS:
        raise invalid("nextToken", "does not belong to this query")
    customer_id = decoded[CUSTOMER_ID_ATTRIBUTE]
    if (
        decoded[CUSTOMER_LIST_KEY_ATTRIBUTE] != CUSTOMER_LIST_PARTITION
        or not isinstance(customer_id, str)
        or not _CUSTOMER_ID.match(customer_id)
        or {decoded[keys.PK], decoded[keys.SK]} != {keys.customer_key(customer_id)[keys.PK]}
    ):
        raise invalid("nextToken", "does not belong to this query")
    return {
        **keys.customer_key(customer_id),
        CUSTOMER_LIST_KEY_ATTRIBUTE: CUSTOMER_LIST_PARTITION,
        CUSTOMER_ID_ATTRIBUTE: customer_id,
    }


class DynamoAccountsStore:
    """`accounts.AccountsStore` through a boto3 Table resource."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._name = table.name
        self._client = table.meta.client
        self._ledger = ledger_store.DynamoLedgerStore(table)

    def open(
        self, item: dict[str, Any], entry: ledger.LedgerEntry | None, marker: Marker | None
    ) -> accounts.OpenOutcome:
        operations: list[dict[str, Any]] = [] if marker is None else [marker_put(self._name, marker)]
        operations.append(
            {
                "Put": {
                    "TableName": self._name,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                }
            }
        )
        if entry is not None:
            operations.append(ledger.entry_put(self._name, entry))
        reasons = transact_conditionally(self._client, operations, unavailable=_unavailable)
        customer_id = str(item[CUSTOMER_ID_ATTRIBUTE])
        if reasons is None:
            return accounts.Done(self._read_customer(customer_id))
        if marker is not None and reasons[0].condition_failed:
            return accounts.Replay(reasons[0].item or {})
        # The record exists (or, were its partition's entry left behind by hand, that entry: the same answer).
        return accounts.Exists(customer_id)

    def move(self, entry: ledger.LedgerEntry, marker: Marker | None, now: str) -> accounts.MoveOutcome:
        guard = None if marker is None else marker_put(self._name, marker)
        try:
            outcome = self._ledger.record(entry, now, guard=guard)
        except ledger_store.LedgerUnavailable:
            raise accounts.AccountsUnavailable() from None
        match outcome:
            case ledger_store.Recorded():
                return accounts.Done(self._read_customer(entry.customer_id))
            case ledger_store.GuardFailed(item=stored):
                return accounts.Replay(stored)
            case ledger_store.UnknownCustomer():
                return accounts.Unknown(entry.customer_id)
            case ledger_store.InsufficientAvailableFunds(required=required, available=available):
                return accounts.Short(required, available)
            case ledger_store.UnreadableCustomer(reason=reason, field=field):
                return accounts.Unreadable(reason, field)
            case _:  # DuplicateEntry: entry ids are new uuids or the marker's, which was not there
                raise accounts.AccountsUnavailable()

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key=keys.customer_key(customer_id), ConsistentRead=True).get("Item")
        return None if item is None else dict(item)

    def entry(self, customer_id: str, sort_key: str) -> dict[str, Any] | None:
        key = {keys.PK: keys.trades_partition(customer_id), keys.SK: sort_key}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return None if item is None else dict(item)

    def remember(self, request_id: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            self._client.update_item(
                TableName=self._name,
                Key=marker_key(request_id),
                UpdateExpression="SET #answer = :answer",
                ConditionExpression="attribute_exists(#pk) AND attribute_not_exists(#answer)",
                ExpressionAttributeNames={"#pk": keys.PK, "#answer": accounts.MARKER_ANSWER},
                ExpressionAttributeValues={":answer": json.dumps(body, separators=(",", ":"))},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            stored = self._table.get_item(Key=marker_key(request_id), ConsistentRead=True).get("Item") or {}
            return accounts.stored_answer(stored) or body
        return body

    def customers(self, limit: int, token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        request: dict[str, Any] = {
            "IndexName": CUSTOMER_LIST_INDEX,
            "KeyConditionExpression": Key(CUSTOMER_LIST_KEY_ATTRIBUTE).eq(CUSTOMER_LIST_PARTITION),
            "Limit": limit,
        }
        if token:
            request["ExclusiveStartKey"] = decode_list_token(token)
        try:
            page = self._table.query(**request)
            listed = [keys.customer_key(str(entry[CUSTOMER_ID_ATTRIBUTE])) for entry in page.get("Items", [])]
            found = {str(item[keys.PK]): dict(item) for item in batch_get(self._client, self._name, listed)}
        except (ClientError, BotoCoreError, RuntimeError) as error:  # also: the index not deployed yet
            raise accounts.AccountsUnavailable() from error
        last = page.get("LastEvaluatedKey")
        # In id order; a customer removed between the two reads is left out.
        items = [found[key[keys.PK]] for key in listed if key[keys.PK] in found]
        return items, encode_token(last) if last else None

    def _read_customer(self, customer_id: str) -> dict[str, Any]:
        item = self.customer(customer_id)
        if item is None:  # written a moment ago in this transaction; only a deletion since explains it
            raise accounts.AccountsUnavailable()
        return item


def _unavailable(reason: str) -> Exception:
    return accounts.AccountsUnavailable()
