"""What the system holds after the fault run, read as its users and operators read it: trades, customers and
positions through the data API; ticker-day shares from TradesStore; the trades bucket's settled objects; the
messages waiting in the stage's dead-letter and on-failure queues (left in them)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from tests.e2e.conftest import STAGE, Client

PREFIX: Final = f"trading-system-{STAGE}-"
SETTLED: Final = "settled/"


@dataclass
class Holdings:
    trades: list[dict[str, Any]] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (customer, ticker)
    shares: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (ticker, day, customer)
    objects: dict[str, bytes] = field(default_factory=dict)  # settled key → content
    parked: dict[str, list[str]] = field(default_factory=dict)  # queue → message bodies

    def trades_per_child(self) -> Counter[str]:
        return Counter(trade["orderId"] for trade in self.trades)


def read(client: Client, customers: Sequence[str], days: Sequence[str]) -> Holdings:
    held = Holdings()
    for customer in customers:
        held.customers[customer] = client.customer(customer)
        for day in days:
            held.trades.extend(client.trades(customer, day))
        status, body = client.get(f"/customers/{customer}/positions")
        if status != 200:
            raise RuntimeError(f"positions of {customer}: {status} {body}")
        for position in body["positions"]:
            held.positions[(customer, position["ticker"])] = position
    held.shares = _shares(client, set(customers))
    held.objects = _settled_objects(client)
    held.parked = parked(client)
    return held


def _shares(client: Client, customers: set[str]) -> dict[tuple[str, str, str], dict[str, Any]]:
    dynamodb = client.aws("dynamodb")
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=f"{PREFIX}trades",
        FilterExpression="begins_with(PK, :ticker)",
        ExpressionAttributeValues={":ticker": {"S": "TICKER#"}},
    ):
        for item in page["Items"]:
            day, _, customer = item["SK"]["S"].partition("#")
            if customer in customers:
                found[(item["Ticker"]["S"], day, customer)] = {
                    "nrTrades": int(item["NrTrades"]["N"]),
                    "totalQuantity": int(item["TotalQuantity"]["N"]),
                    "totalNotional": item["TotalNotional"]["N"],
                }
    return found


def _settled_objects(client: Client) -> dict[str, bytes]:
    s3 = client.aws("s3")
    (bucket,) = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"{PREFIX}trades-")]
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=SETTLED):
        for entry in page.get("Contents", []):
            objects[entry["Key"]] = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
    return objects


def parked(client: Client) -> dict[str, list[str]]:
    """Every message of the stage's queues, received and made visible again at once."""
    sqs = client.aws("sqs")
    found: dict[str, list[str]] = {}
    for url in sqs.list_queues(QueueNamePrefix=PREFIX).get("QueueUrls", []):
        bodies: dict[str, str] = {}
        handles: list[str] = []
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages", [])
            if not batch:
                break
            for message in batch:
                bodies.setdefault(message["MessageId"], message["Body"])
                handles.append(message["ReceiptHandle"])
        for handle in handles:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
        if bodies:
            found[url.rsplit("/", 1)[-1]] = list(bodies.values())
    return found


def settled_trade_ids(content: bytes) -> list[str]:
    return [str(trade["tradeId"]) for trade in json.loads(content)]
