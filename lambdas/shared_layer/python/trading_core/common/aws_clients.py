"""The adapters' AWS clients, one retry policy for all; handlers build them in their composition root."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode backs off on throttling and transient errors: one retry path for every call.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
# For calls an order must not wait on (the router's market-data requests): short timeouts, one retry.
FAST_FAIL_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 2})


def client(service: str, config: Config = CLIENT_CONFIG) -> Any:
    return boto3.client(service, config=config)


def resource(service: str, config: Config = CLIENT_CONFIG) -> Any:
    return boto3.resource(service, config=config)


def table(name: str, config: Config = CLIENT_CONFIG) -> Any:
    """A DynamoDB Table resource: the adapters use its client for transactions and batch calls."""
    return resource("dynamodb", config).Table(name)
