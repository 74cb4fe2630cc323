"""The trading day: when DAY orders expire (docs/architecture.md §2 "Order lifecycle").

The market trades around the clock (the simulated venues never close); a trading day ends at the
stage's close time (`market-close-time`, UTC, 21:00 by default: 16:00 in New York). An order placed
at or after a close belongs to the next trading day.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Final

DEFAULT_CLOSE_TIME: Final = "21:00"
_CLOSE_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_close_time(text: str) -> time:
    """`HH:MM` (UTC) to a time; anything else is a configuration error naming the value."""
    match = _CLOSE_TIME.match(text.strip())
    if not match:
        raise ValueError(f"market close time must be HH:MM (UTC), got {text!r}")
    return time(int(match.group(1)), int(match.group(2)), tzinfo=UTC)


DEFAULT_CLOSE: Final = parse_close_time(DEFAULT_CLOSE_TIME)


def close_after(moment: datetime, close: time) -> datetime:
    """The first close strictly after `moment`: when a DAY order placed at `moment` expires."""
    moment = moment.astimezone(UTC)
    candidate = datetime.combine(moment.date(), close.replace(tzinfo=None), tzinfo=UTC)
    return candidate if candidate > moment else candidate + timedelta(days=1)
