"""Request parameters of the read APIs (the data API and the market-data API) and their 400 body.

Powertools validates the patterns; what passes a pattern but means nothing (e.g. 2026-02-30) is an
`InvalidParameter`. The handlers answer both with `invalid_request_body`, one field-level shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

DAY_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}$"
# What a day that fails `DAY_PATTERN` or names no date is told (pydantic would echo the regex).
DAY_HINT: Final = "must be a date as YYYY-MM-DD"
ORDER_ID_HINT: Final = "must be 1 to 64 letters, digits or '-'"
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
    """Powertools' request validation errors as field-level messages (a pattern failure gets its hint)."""
    errors = []
    for detail in details:
        name = str(detail["loc"][-1])
        hint = hints.get(name) if detail["type"] == "string_pattern_mismatch" else None
        message = "is required" if detail["type"] == "missing" else hint or str(detail["msg"])
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
