"""ISO-8601 UTC timestamps with milliseconds and `Z`, as on every wire and item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def add_millis(text: str, millis: int) -> str:
    return to_iso(parse_iso(text) + timedelta(milliseconds=millis))


def day_of(text: str) -> str:
    """The `yyyy-mm-dd` of a timestamp: the date part of trade keys and ticker-day aggregates."""
    return text[:10]
