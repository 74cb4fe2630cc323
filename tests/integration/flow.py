"""Runs the whole order flow through the real handlers against moto, wired as the stacks wire them.

What a publisher sends is read back from the bus capture and delivered to the function its route
names (the routes the bus construct turns into rules and subscriptions), in the test's transport;
new TradesStore stream records go to the aggregator and the trade archiver in batches through the mappings'
filter; new settled objects go to the storage analyzer. Every delivery is logged, so a test can deliver it all a
second time, and `duplicate=True` delivers each one twice in a row, as at-least-once delivery may.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

from constructs_lib.routes import ORDER_FLOW_ROUTES
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TRADES_BUCKET, TRADES_TABLE, TradingAws
from tests.integration.stream_events import StreamTap, bus_delivery, s3_event

FUNCTIONS = (
    "order_router",
    "dark_pool",
    "lit_pool",
    "funds_raiser",
    "post_trade",
    "aggregator",
    "trade_archiver",
    "storage_analyzer",
    "data_api",
)
STREAM_BATCH_SIZES = {"aggregator": 100, "trade_archiver": 1000}  # their event source mappings


def handler_module(function: str) -> Any:
    return importlib.import_module(f"lambdas.{function}.handler")


def reset_handlers() -> None:
    """Forgets every handler's warm state (cached clients and services), as a cold start would."""
    for function in FUNCTIONS:
        for value in vars(handler_module(function)).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def invoke(function: str, event: dict[str, Any]) -> Any:
    return handler_module(function).lambda_handler(event, lambda_context(function))


@dataclass(frozen=True)
class Delivery:
    function: str
    event: dict[str, Any]


@dataclass
class OrderFlow:
    aws: TradingAws
    bus_type: str
    duplicate: bool = False
    log: list[Delivery] = field(default_factory=list)
    settled_events: list[dict[str, Any]] = field(default_factory=list)
    _stream: StreamTap = field(default_factory=lambda: StreamTap(TRADES_TABLE))
    _objects_seen: set[str] = field(default_factory=set)

    def post_orders(self, body: Any) -> tuple[int, Any]:
        response = invoke("order_router", api_event("POST", "/orders", body=body, resource="/orders"))
        return response["statusCode"], json_body(response)

    def get(self, path: str, query: dict[str, str] | None = None) -> tuple[int, Any]:
        response = invoke("data_api", api_event("GET", path, query=query))
        return response["statusCode"], json_body(response)

    def deliver(self, delivery: Delivery) -> None:
        """One invocation, as the trigger makes it; a stream batch's reported failures are redelivered."""
        for _ in range(2 if self.duplicate else 1):
            self.log.append(delivery)
            result = invoke(delivery.function, delivery.event)
            if delivery.function == "aggregator":
                assert result == {"batchItemFailures": []}, result

    def run_until_idle(self) -> int:
        """Delivers until no function has anything left to do; returns the number of deliveries."""
        start = len(self.log)
        while True:
            pending = self._bus_deliveries() + self._stream_deliveries() + self._object_deliveries()
            if not pending:
                return len(self.log) - start
            for delivery in pending:
                self.deliver(delivery)

    def redeliver_everything(self) -> None:
        """Every bus event, stream batch and S3 notification of the run, once more, in the same order."""
        for delivery in list(self.log):
            invoke(delivery.function, delivery.event)
        self.run_until_idle()

    def _bus_deliveries(self) -> list[Delivery]:
        deliveries = []
        for source, detail_type, detail in self.aws.bus.drain():
            if detail.get("tradesSettled") == "True":
                self.settled_events.append(detail)
            for route in ORDER_FLOW_ROUTES:
                if route.selects(source, detail_type, detail):
                    event = bus_delivery(detail, self.bus_type, source=source, detail_type=detail_type)
                    deliveries.append(Delivery(route.target, event))
        return deliveries

    def _stream_deliveries(self) -> list[Delivery]:
        records = self._stream.event()["Records"]
        return [
            Delivery(function, {"Records": records[start : start + size]})
            for function, size in STREAM_BATCH_SIZES.items()
            for start in range(0, len(records), size)
        ]

    def _object_deliveries(self) -> list[Delivery]:
        listed = self.aws.s3.list_objects_v2(Bucket=TRADES_BUCKET, Prefix="settled/").get("Contents", [])
        new = [entry for entry in listed if entry["Key"] not in self._objects_seen]
        self._objects_seen.update(entry["Key"] for entry in new)
        return [Delivery("storage_analyzer", s3_event(TRADES_BUCKET, entry["Key"], entry["Size"])) for entry in new]


def table_content(aws: TradingAws) -> list[dict[str, Any]]:
    return sorted(aws.scan(), key=lambda item: (item["PK"], item["SK"]))


def bucket_content(aws: TradingAws) -> dict[str, tuple[bytes, dict[str, str]]]:
    content = {}
    for entry in aws.s3.list_objects_v2(Bucket=TRADES_BUCKET).get("Contents", []):
        obj = aws.s3.get_object(Bucket=TRADES_BUCKET, Key=entry["Key"])
        content[entry["Key"]] = (obj["Body"].read(), obj["Metadata"])
    return content


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


@contextmanager
def serialized_dynamodb() -> Iterator[None]:
    """Gives moto's DynamoDB the per-request atomicity of the real service under concurrent clients.

    moto checks a condition and applies the write in separate Python steps, and a cancelled
    transaction restores a deep copy of the whole table, so two threads can interleave in ways
    DynamoDB never allows. One lock around each request restores DynamoDB's guarantee; the code
    under test still has to make conditional writes to be safe, since the lock decides nothing.
    """
    lock = threading.RLock()
    names = (
        *("put_item", "update_item", "delete_item", "transact_write_items", "get_item", "query", "scan"),
        *("batch_get_item", "batch_write_item", "transact_get_items"),
    )
    originals = {name: getattr(DynamoDBBackend, name) for name in names}

    def locked(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(self, *args, **kwargs)

        return call

    for name, original in originals.items():
        setattr(DynamoDBBackend, name, locked(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)
