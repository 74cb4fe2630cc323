"""Two costs of the emulated AWS that the tests paid over and over, removed without changing behaviour.

1. botocore re-reads its JSON models for every session. `mock_aws()` gives each test a new default
   boto3 session, so each test parsed the service models, endpoints and rule sets of every client
   it created again (most of the ~1 s setup of an integration test). `share_botocore_loader`
   gives every session the one loader; the loader caches what it loaded, as it already did within
   a session, and botocore never mutates what it loaded.

2. moto 5.2.5's `transact_write_items` deep-copies every table the transaction names, once per
   item of the transaction, to roll back if it is cancelled: the whole table, with every stream
   record it ever wrote. The order flow's tests write thousands of items, so each transaction
   cost more than the last (about 80 % of their time). `cheap_transaction_snapshots` makes that
   backup share what a transaction cannot change: the items it does not name and the stream
   records already written (a record is never modified once appended). The items it names, the
   containers (item maps, the stream's record list) and the table itself are still copied, and
   moto's own code does the rollback, so a cancelled transaction leaves the table as before.
   tests/test_speedups.py checks that against the unpatched copy.

`install()` applies both, once per process (tests/conftest.py calls it, so pytest-xdist workers
do too). Nothing in the product imports this: `make run` uses moto as released.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Iterator
from typing import Any

from botocore import loaders, session
from moto.dynamodb import models

_installed = False


def share_botocore_loader() -> None:
    shared: list[Any] = []

    def loader(self: session.Session) -> Any:
        data_path = self.get_config_variable("data_path")
        for path, created in shared:
            if path == data_path:
                return created
        created = loaders.create_loader(data_path)
        shared.append((data_path, created))
        return created

    def register_data_loader(self: session.Session) -> None:
        self._components.lazy_register_component("data_loader", lambda: loader(self))

    session.Session._register_data_loader = register_data_loader  # type: ignore[method-assign]


# The objects a transaction's backup may share with the live tables (id -> object), or None.
_shared: contextvars.ContextVar[dict[int, Any] | None] = contextvars.ContextVar("shared", default=None)


class _Copy:
    """`copy` as moto.dynamodb.models sees it: deepcopy seeded with the objects that may be shared."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        shared = _shared.get()
        if shared is not None and memo is None:
            memo = dict(shared)
        return copy.deepcopy(value, memo)


def _items(table: Any) -> Iterator[Any]:
    for entry in table.items.values():
        if table.range_key_attr is not None:
            yield from entry.values()
        else:
            yield entry


def _key_of(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type == "Put":
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key
    return dict(op["Key"])


def shareable(backend: Any, transact_items: list[dict[str, Any]]) -> dict[int, Any]:
    """What the backup of these tables need not copy: untouched items, stream records written so far.

    A table whose items cannot all be located (a malformed request moto will refuse) is copied whole.
    """
    named: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for entry in transact_items:
        if len(entry) != 1:
            continue
        op_type, op = next(iter(entry.items()))
        if isinstance(op, dict) and op.get("TableName") in backend.tables:
            named.setdefault(op["TableName"], []).append((op_type, op))
    shared: dict[int, Any] = {}
    for table_name, ops in named.items():
        table = backend.tables[table_name]
        try:
            touched = set()
            for op_type, op in ops:
                hash_key, range_key = backend.get_keys_value(table, _key_of(table, op_type, op))
                entry = table.items.get(hash_key)
                if range_key is not None and isinstance(entry, dict):
                    entry = entry.get(range_key)
                if entry is not None:
                    touched.add(id(entry))
        except Exception:
            continue
        for item in _items(table):
            if id(item) not in touched:
                shared[id(item)] = item
        if table.stream_shard is not None:
            for record in table.stream_shard.items:
                shared[id(record)] = record
    return shared


# moto's own, for tests/test_speedups.py to compare with.
original_transact_write_items = models.DynamoDBBackend.transact_write_items


def cheap_transaction_snapshots() -> None:
    original = original_transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        token = _shared.set(shareable(self, transact_items))
        try:
            original(self, transact_items)
        finally:
            _shared.reset(token)

    models.copy = _Copy()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    share_botocore_loader()
    cheap_transaction_snapshots()
