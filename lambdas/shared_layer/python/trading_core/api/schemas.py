"""The bodies shared by every document: the error body, money, days and amounts sent in requests.

pydantic models used only to describe the bodies (their JSON schemas go into the OpenAPI components); the
handlers build and check the bodies themselves, so these never parse or serialise a request at run time.
Reply models keep `additionalProperties` open (a client ignores keys it does not know); a field that may be
absent has a default, one that is always there but may be null is `X | None` without one.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from trading_core.queries.parameters import DAY_PATTERN

MONEY_PATTERN: Final = r"^-?\d+\.\d{2}$"
# Decimal text with at most 2 decimals and no leading zeros (regular expressions without look-arounds, which
# every generator reads): 0 or more, and greater than 0.
AMOUNT_TEXT_PATTERN: Final = r"^(?:0|[1-9]\d{0,11})(?:\.\d{1,2})?$"
POSITIVE_AMOUNT_TEXT_PATTERN: Final = r"^(?:[1-9]\d{0,11}(?:\.\d{1,2})?|0\.(?:[1-9]\d?|0[1-9]))$"

Money = Annotated[str, Field(pattern=MONEY_PATTERN, description="An amount with 2 decimals, as a string.")]
Day = Annotated[str, Field(pattern=DAY_PATTERN, description="A day, YYYY-MM-DD.")]
Timestamp = Annotated[str, Field(description="An ISO-8601 UTC instant, e.g. 2026-12-02T02:09:39.175Z.")]


MAX_AMOUNT: Final = 1_000_000_000_000
"""The largest deposit or withdrawal (`customers.accounts.MAX_AMOUNT`, which imports this package's errors:
not imported here, the tests compare them)."""


def amount_in(description: str, *, minimum_exclusive: bool, maximum: int | None = MAX_AMOUNT) -> Any:
    """An amount a client sends: a decimal string such as "161.90" or a JSON number (read from its text, never
    as a float), with at most 2 decimals."""
    number: dict[str, Any] = {"type": "number", ("exclusiveMinimum" if minimum_exclusive else "minimum"): 0}
    if maximum is not None:
        number["maximum"] = maximum
    return WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": POSITIVE_AMOUNT_TEXT_PATTERN if minimum_exclusive else AMOUNT_TEXT_PATTERN,
                },
                number,
            ],
            "description": f'{description} A decimal string such as "161.90" or a number; at most 2 decimals.',
        }
    )


class OpenModel(BaseModel):
    """A reply body: more keys may come, so clients ignore the ones they do not know."""

    model_config = ConfigDict(extra="allow")


class ClosedModel(BaseModel):
    """A request body: a field the API does not know is refused (400 naming it)."""

    model_config = ConfigDict(extra="forbid")


class FieldError(BaseModel):
    """One field at fault."""

    model_config = ConfigDict(extra="allow")

    field: str = Field(description="The parameter or body field at fault, e.g. `customerId`, `limit`, `[0].price`.")
    message: str


class ErrorBody(OpenModel):
    """The body of every 4xx and 5xx; `errors` is empty when no field is at fault."""

    message: str
    errors: list[FieldError] = Field(description="The fields at fault; empty when none is.")


class Page(OpenModel):
    """What every paged list adds: `nextToken` is null on the last page."""

    count: int = Field(ge=0, description="Items on this page.")
    nextToken: str | None = Field(description="Pass it back as `nextToken` for the next page; null on the last.")
