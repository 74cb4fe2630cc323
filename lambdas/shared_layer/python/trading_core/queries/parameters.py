"""Request parameters of the read APIs (the data API and the market-data API) and their 400 body.

Powertools validates the patterns; what passes a pattern but means nothing (e.g. 2026-02-30) is an
`InvalidParameter`. The handlers answer both with `invalid_request_body`, one field-level shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

DAY_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}$"
# What a day that fails `DAY_PATTERN` or names no date is told (pydantic would echo the regex).
DAY_HINT: Final = "must be a date as YYYY-MM-DD"
ORDER_ID_HINT: Final = "must be a UUID"
"""What an order id that fails `contracts.ORDER_ID_PATTERN` is told (the data API and the canceller)."""


class InvalidParameter(ValueError):
    """A path or query parameter that passed its pattern but means nothing (e.g. 2026-02-30)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message

    def to_wire(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def invalid_request(errors: list[dict[str, str]]) -> dict[str, Any]:
    """The 400 body of the data and market-data APIs: one entry per bad field."""
    return {"message": "invalid request", "errors": errors}


def field_errors(details: Iterable[Mapping[str, Any]], hints: Mapping[str, str]) -> list[dict[str, str]]:
    """Powertools' request validation errors as field-level messages: a parameter with a hint gets it
    whatever it failed (its pattern, its type or its bounds: `limit` "must be an integer from 1 to 500")."""
    errors = []
    for detail in details:
        name = str(detail["loc"][-1])
        message = "is required" if detail["type"] == "missing" else hints.get(name) or str(detail["msg"])
        errors.append({"field": name, "message": message})
    return errors


def invalid_request_body(error: RequestValidationError | InvalidParameter, hints: Mapping[str, str]) -> dict[str, Any]:
    """The 400 body of a parameter Powertools refused (its pattern, `hints` say what it means) or a
    route refused (`InvalidParameter`)."""
    if isinstance(error, InvalidParameter):
        return invalid_request([error.to_wire()])
    return invalid_request(field_errors(error.errors(), hints))


def parse_day(value: str, field: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidParameter(field, DAY_HINT) from None


@dataclass(frozen=True)
class DayRange:
    """Days from `first` to `last`, inclusive; either may be open (None)."""

    first: str | None = None
    last: str | None = None

    @property
    def upper(self) -> str | None:
        """The day after `last`: the exclusive upper bound of keys that start with a day."""
        return None if self.last is None else (date.fromisoformat(self.last) + timedelta(days=1)).isoformat()

    @property
    def days(self) -> int | None:
        if self.first is None or self.last is None:
            return None
        return (date.fromisoformat(self.last) - date.fromisoformat(self.first)).days + 1

    def contains(self, key: str) -> bool:
        """Whether a key that starts with a day (or an ISO time) lies in the range."""
        upper = self.upper
        return (self.first is None or key >= self.first) and (upper is None or key < upper)


def day_range(start: str | None, end: str | None, *, together: bool = False, max_days: int | None = None) -> DayRange:
    """The `from`/`to` query parameters as days (`from` after `to` is refused); `together`: both or neither;
    `max_days`: at most that many days from `from` to `to`, both included."""
    if together and (start is None) != (end is None):
        missing, other = ("from", "to") if start is None else ("to", "from")
        raise InvalidParameter(missing, f"is required with {other}")
    days = DayRange(parse_day(start, "from") if start else None, parse_day(end, "to") if end else None)
    if days.first is not None and days.last is not None and days.first > days.last:
        raise InvalidParameter("from", "must not be after to")
    if max_days is not None and (days.days or 0) > max_days:
        raise InvalidParameter("from", f"must be at most {max_days} days before to (both included)")
    return days
