"""What the functions cost while the bench measures: their AWS requests and billed units, their invocations
and handler time, and the moment each trade is written (so readable).

Two hooks, installed for the run and removed after it: every AWS SDK request of the process goes through
`botocore.client.BaseClient._make_request` (sent to the local emulator, answered, parsed); one made on a thread
that runs a handler is the function's: counted, billed (`bench.billing`) and timed against that invocation. Each
invocation is one `Environment.run` of the local Lambda runtime (a cold start's import is outside it), billed for
its time minus the time its own SDK requests spent in the emulator (the services answer that on AWS), at the
memory the template sets. Requests made outside a handler (the bench's own calls) are neither counted nor timed.

DynamoDB writes are billed by item size: the old items read from moto's backend before a write, the new ones
after it (an update: the larger of the two), and each of the table's global secondary indexes for the projected
item it puts, updates or deletes. A write that fails its condition (or a cancelled transaction) is billed as
writing nothing new, the old item's size and at least one unit, as AWS bills a failed conditional write.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs

from boto3.dynamodb.types import TypeDeserializer

import constructs_lib  # noqa: F401  (puts the shared layer, hence trading_core, on sys.path)
from bench import billing
from bench.item_kinds import item_kind
from trading_core.common import keys
from trading_core.model.order_trades import trades_of

_DESERIALIZER: Final = TypeDeserializer()

WRITES: Final = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
READS: Final = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
S3_WRITE_CLASS: Final = frozenset({"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2"})
S3_READ_CLASS: Final = frozenset({"GetObject", "HeadObject"})

TradeListener = Callable[[str, float], None]  # (child order id, when written)


@dataclass
class _Frame:
    """One running invocation on this thread."""

    function: str
    sdk_seconds: float = 0.0
    depth: int = 0
    sdk_started: float = 0.0


@dataclass
class Usage:
    """What the functions did while counting was on."""

    calls: Counter[str] = field(default_factory=Counter)  # "service:Operation"
    invocations: Counter[str] = field(default_factory=Counter)
    handler_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    sdk_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    memory_mb: dict[str, int] = field(default_factory=dict)
    write_units: float = 0.0
    index_write_units: float = 0.0
    read_units: float = 0.0
    read_units_by_call: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # "<fn> <Op>"
    dynamodb_requests: int = 0
    write_units_by_operation: Counter[str] = field(default_factory=Counter)
    item_kind_writes: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0.0]))
    events: int = 0  # EventBridge 64 KB chunks
    sns_publishes: int = 0  # SNS 64 KB chunks
    s3_write_class: int = 0
    s3_read_class: int = 0
    sfn_requests: int = 0

    @property
    def gb_seconds(self) -> float:
        return sum(seconds * self.memory_mb[name] / 1024 for name, seconds in self.handler_seconds.items())


class Meter:
    """Install with `with Meter(...).installed():`; count with `counting = True`."""

    def __init__(self, *, account: str = "123456789012", region: str = "us-east-1") -> None:
        self.usage = Usage()
        self.counting = False
        self.trade_listeners: list[TradeListener] = []
        self._account = account
        self._region = region
        self._local = threading.local()
        self._lock = threading.Lock()

    # -- installation

    @contextmanager
    def installed(self) -> Iterator[Meter]:
        from botocore.client import BaseClient

        from localcloud.lambda_runtime.environments import Environment

        make_request = BaseClient._make_request
        run = Environment.run
        meter = self

        def metered_request(client: Any, operation_model: Any, request_dict: Any, request_context: Any) -> Any:
            return meter._request(make_request, client, operation_model, request_dict, request_context)

        def metered_run(environment: Any, event: Any, request_id: str) -> Any:
            return meter._run(run, environment, event, request_id)

        setattr(BaseClient, "_make_request", metered_request)  # noqa: B010  (a patch, undone below)
        setattr(Environment, "run", metered_run)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_request", make_request)  # noqa: B010
            setattr(Environment, "run", run)  # noqa: B010

    def _frames(self) -> list[_Frame]:
        frames: list[_Frame] | None = getattr(self._local, "frames", None)
        if frames is None:
            frames = self._local.frames = []
        return frames

    # -- invocations

    def _run(self, run: Any, environment: Any, event: Any, request_id: str) -> Any:
        frames = self._frames()
        frame = _Frame(environment.spec.name)
        frames.append(frame)
        started = time.perf_counter()
        try:
            return run(environment, event, request_id)
        finally:
            elapsed = time.perf_counter() - started
            frames.pop()
            if self.counting:
                with self._lock:
                    usage = self.usage
                    usage.invocations[frame.function] += 1
                    usage.handler_seconds[frame.function] += max(0.0, elapsed - frame.sdk_seconds)
                    usage.sdk_seconds[frame.function] += frame.sdk_seconds
                    usage.memory_mb[frame.function] = environment.spec.memory_mb

    # -- requests

    def _request(
        self, make_request: Any, client: Any, operation_model: Any, request_dict: Any, request_context: Any
    ) -> Any:
        frames = self._frames()
        if not frames:
            return make_request(client, operation_model, request_dict, request_context)
        frame = frames[-1]
        service = client.meta.service_model.service_name
        operation = operation_model.name
        body = _body(request_dict) if service in ("dynamodb", "events", "sns") else {}
        writes = self._targets(operation, body) if service == "dynamodb" and operation in WRITES else []
        old = [self._image(table, key) for table, key, _, _ in writes] if self.counting else []
        if frame.depth == 0:
            frame.sdk_started = time.perf_counter()
        frame.depth += 1
        try:
            response = make_request(client, operation_model, request_dict, request_context)
        finally:
            frame.depth -= 1
            if frame.depth == 0:
                frame.sdk_seconds += time.perf_counter() - frame.sdk_started
        http, parsed = response
        succeeded = http.status_code < 300
        if service == "dynamodb" and succeeded and writes:
            self._announce_trades(writes)
        if self.counting and len(old) == len(writes):
            with self._lock:
                self._count(frame.function, service, operation, body, parsed, writes, old, succeeded)
        return response

    def _announce_trades(self, writes: list[tuple[str, dict[str, Any], dict[str, Any] | None, bool]]) -> None:
        """A trade is readable once its item is written: an item the data API reads trades from (its sort key
        starts with `TRADE#`, `model.order_trades`), naming each trade's child order."""
        now = time.perf_counter()
        for _, _, item, _ in writes:
            if item is None or not item.get(keys.SK, {}).get("S", "").startswith(keys.TRADE_PREFIX):
                continue
            for trade in trades_of({name: _DESERIALIZER.deserialize(value) for name, value in item.items()}):
                for listener in self.trade_listeners:
                    listener(trade.order_id, now)

    def _targets(self, operation: str, body: Mapping[str, Any]) -> list[tuple[str, dict[str, Any], Any, bool]]:
        """(table, key, item put or None, transactional) for each item a write names."""
        if operation == "PutItem":
            return [(body["TableName"], self._key(body["TableName"], body["Item"]), body["Item"], False)]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(body["TableName"], body["Key"], None, False)]
        out: list[tuple[str, dict[str, Any], Any, bool]] = []
        if operation == "BatchWriteItem":
            for table, requests in body.get("RequestItems", {}).items():
                for request in requests:
                    if "PutRequest" in request:
                        item = request["PutRequest"]["Item"]
                        out.append((table, self._key(table, item), item, False))
                    else:
                        out.append((table, request["DeleteRequest"]["Key"], None, False))
        elif operation == "TransactWriteItems":
            for action in body.get("TransactItems", []):
                ((kind, spec),) = action.items()
                if kind == "Put":
                    out.append((spec["TableName"], self._key(spec["TableName"], spec["Item"]), spec["Item"], True))
                else:
                    out.append((spec["TableName"], spec["Key"], None, True))
        return out

    # -- moto's backend (the old and new items, the tables' indexes)

    def _table(self, name: str) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self._account][self._region].get_table(name)

    def _key(self, table_name: str, item: Mapping[str, Any]) -> dict[str, Any]:
        table = self._table(table_name)
        names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        return {name: item[name] for name in names if name in item}

    def _image(self, table_name: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        from localcloud.moto_lock import MOTO_LOCK

        with MOTO_LOCK:
            table = self._table(table_name)
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            item = table.get_item(hash_key, range_key)
            return None if item is None else dict(item.to_json()["Attributes"])

    def _indexes(self, table_name: str) -> list[tuple[list[str], dict[str, Any], list[str]]]:
        """Per GSI: its key attributes, its projection, the table's key attributes."""
        table = self._table(table_name)
        table_keys = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        return [
            ([k["AttributeName"] for k in index.schema], index.projection or {}, table_keys)
            for index in table.global_indexes
        ]

    # -- billing

    def _count(
        self,
        function: str,
        service: str,
        operation: str,
        body: Mapping[str, Any],
        parsed: Mapping[str, Any],
        writes: list[tuple[str, dict[str, Any], Any, bool]],
        old: list[dict[str, Any] | None],
        succeeded: bool,
    ) -> None:
        usage = self.usage
        usage.calls[f"{service}:{operation}"] += 1
        if service == "dynamodb":
            usage.dynamodb_requests += 1
            if operation in WRITES:
                self._bill_writes(operation, writes, old, succeeded)
            elif operation in READS and succeeded:
                usage.read_units_by_call[f"{function} {operation}"] += _read_units(operation, body, parsed)
                usage.read_units = sum(usage.read_units_by_call.values())
        elif service == "events" and operation == "PutEvents":
            usage.events += sum(billing.event_entry_chunks(entry) for entry in body.get("Entries", []))
        elif service == "sns" and operation in ("Publish", "PublishBatch"):
            usage.sns_publishes += _sns_chunks(operation, body)
        elif service == "s3":
            if operation in S3_WRITE_CLASS:
                usage.s3_write_class += 1
            elif operation in S3_READ_CLASS:
                usage.s3_read_class += 1
        elif service == "stepfunctions":
            usage.sfn_requests += 1

    def _bill_writes(
        self,
        operation: str,
        writes: list[tuple[str, dict[str, Any], Any, bool]],
        old: list[dict[str, Any] | None],
        succeeded: bool,
    ) -> None:
        usage = self.usage
        for (table, key, put, transactional), before in zip(writes, old, strict=True):
            after: dict[str, Any] | None
            if not succeeded:
                after = before
            elif operation == "DeleteItem" or (put is None and operation == "BatchWriteItem"):
                after = None
            elif put is not None:
                after = put
            else:
                after = self._image(table, key)  # an update (or a transaction's delete: then None)
            units = billing.write_units(
                billing.item_size(before), billing.item_size(after), transactional=transactional
            )
            usage.write_units += units
            usage.write_units_by_operation[operation] += units
            tally = usage.item_kind_writes[f"{operation} {item_kind(key)}"]  # "<Op> <kind>": [items, units]
            tally[0], tally[1] = tally[0] + 1, tally[1] + units
            if succeeded and before != after:
                index_units = sum(_index_units(index, before, after) for index in self._indexes(table))
                usage.index_write_units += index_units
                usage.write_units_by_operation[f"{operation} (indexes)"] += index_units


def _index_units(
    index: tuple[list[str], dict[str, Any], list[str]], before: dict[str, Any] | None, after: dict[str, Any] | None
) -> int:
    """Write units one GSI is billed for a change of one item: put, update, or delete plus put when its keys
    change (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes)."""
    index_keys, projection, table_keys = index

    def projected(image: dict[str, Any] | None) -> dict[str, Any] | None:
        if image is None or any(name not in image for name in index_keys):
            return None
        kind = projection.get("ProjectionType", "ALL")
        if kind == "ALL":
            return image
        names = {*index_keys, *table_keys, *(projection.get("NonKeyAttributes", []) if kind == "INCLUDE" else [])}
        return {name: value for name, value in image.items() if name in names}

    old, new = projected(before), projected(after)
    if old is None and new is None:
        return 0
    if old is None or new is None:
        return billing.write_units(billing.item_size(old), billing.item_size(new), transactional=False)
    if any(old[name] != new[name] for name in index_keys):
        return billing.write_units(billing.item_size(old), 0, transactional=False) + billing.write_units(
            0, billing.item_size(new), transactional=False
        )
    if old == new:
        return 0
    return billing.write_units(billing.item_size(old), billing.item_size(new), transactional=False)


def _read_units(operation: str, body: Mapping[str, Any], parsed: Mapping[str, Any]) -> float:
    consistent = bool(body.get("ConsistentRead"))
    if operation == "GetItem":
        return billing.read_units(billing.item_size(parsed.get("Item")), consistent=consistent)
    if operation == "BatchGetItem":
        total = 0.0
        for table, spec in body.get("RequestItems", {}).items():
            found = parsed.get("Responses", {}).get(table, [])
            sizes = [billing.item_size(item) for item in found]
            missing = max(0, len(spec.get("Keys", [])) - len(found))
            table_consistent = bool(spec.get("ConsistentRead"))
            total += sum(billing.read_units(size, consistent=table_consistent) for size in sizes)
            total += missing * billing.read_units(0, consistent=table_consistent)
        return total
    if operation == "TransactGetItems":
        return sum(
            billing.read_units(billing.item_size(r.get("Item")), consistent=True, transactional=True)
            for r in parsed.get("Responses", [])
        )
    # Query and Scan: the size of what was read, before any filter (scaled from what it returned).
    items = parsed.get("Items", [])
    size = sum(billing.item_size(item) for item in items)
    scanned, returned = parsed.get("ScannedCount", len(items)), len(items)
    if returned and scanned > returned:
        size = size * scanned // returned
    return billing.read_units(size, consistent=consistent)


def _sns_chunks(operation: str, body: Mapping[str, Any]) -> int:
    """Message and attribute values per published message (the query protocol's flattened form)."""
    sizes: Counter[str] = Counter()
    for name, value in body.items():
        if operation == "Publish":
            entry = "one"
        elif name.startswith("PublishBatchRequestEntries.member."):
            entry = name.split(".")[2]
        else:
            continue
        if name.endswith(("Message", "StringValue", "Name", "Subject")) or ".Message" in name:
            sizes[entry] += len(str(value).encode())
    return sum(billing.message_chunks(size) for size in sizes.values()) or 1


def _body(request_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The request's parameters as sent: JSON for DynamoDB and EventBridge, the query form for SNS."""
    body = request_dict.get("body")
    if isinstance(body, dict):
        return body
    if isinstance(body, bytes | bytearray):
        body = body.decode()
    if not body:
        return {}
    text = str(body)
    if text.startswith("{"):
        parsed: dict[str, Any] = json.loads(text)
        return parsed
    return {name: values[0] for name, values in parse_qs(text).items()}
