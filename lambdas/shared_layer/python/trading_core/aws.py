"""Adapters' AWS clients, built from the environment the constructs set (docs/contracts.md).

Handlers build their dependencies lazily (on first invocation, then reuse them while warm), so tests
can start moto before the first call and reset with `cache_clear()`.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from botocore.config import Config

from trading_core.bus import EventBridgePublisher, SelectingPublisher, SnsPublisher
from trading_core.config import ParameterReader, bus_type_reader, ssm_reader

# Standard retry mode backs off on throttling and transient errors: one retry path for every call.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
# For calls an order must not wait on (the router's market-data requests): short timeouts, one retry.
FAST_FAIL_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 2})


def client(service: str, config: Config = CLIENT_CONFIG) -> Any:
    import boto3

    return boto3.client(service, config=config)


def resource(service: str, config: Config = CLIENT_CONFIG) -> Any:
    import boto3

    return boto3.resource(service, config=config)


def env(name: str) -> str:
    try:
        return os.environ[name]
    except KeyError:
        raise RuntimeError(f"environment variable {name} is not set; see docs/contracts.md") from None


def trades_table() -> Any:
    return resource("dynamodb").Table(env("TRADES_TABLE_NAME"))


def publisher(read: ParameterReader) -> SelectingPublisher:
    """Publishes on the transport `/trading-system/<stage>/bus-type` names at the time of the call."""
    return SelectingPublisher(
        bus_type_reader(read),
        EventBridgePublisher(client("events"), env("EVENT_BUS_NAME")),
        SnsPublisher(client("sns"), env("ORDERS_TOPIC_ARN")),
    )


@cache
def parameters() -> ParameterReader:
    return ssm_reader()
