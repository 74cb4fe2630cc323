"""Completing a customer record in TradesStore with the defaults of what it lacks (`record.completion_request`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trading_core.customers.record import completion_request


def complete_record(client: Any, table_name: str, item: Mapping[str, Any], now: str) -> bool:
    """Writes the defaults; False when the record changed meanwhile (read it again and decide anew)."""
    try:
        client.update_item(**completion_request(table_name, item, now))
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True
