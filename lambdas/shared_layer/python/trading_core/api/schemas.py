"""The bodies shared by every document: the error body and the money and day formats.

pydantic models used only to describe the bodies (their JSON schemas go into the OpenAPI components); the
handlers build the bodies themselves, so these never parse or serialise a request at run time.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MONEY_PATTERN = r"^-?\d+\.\d{2}$"

Money = Annotated[str, Field(pattern=MONEY_PATTERN, description="A decimal amount with 2 decimals, as a string.")]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="An ISO day, YYYY-MM-DD.")]
Timestamp = Annotated[str, Field(description="An ISO 8601 UTC timestamp.")]


class OpenModel(BaseModel):
    """A reply body: more keys may come (additionalProperties stays open), so clients ignore unknown ones."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class FieldError(BaseModel):
    """One field at fault."""

    model_config = ConfigDict(extra="allow")

    field: str = Field(description="The parameter or body field at fault, e.g. `customerId`, `limit`, `body`.")
    message: str


class ErrorBody(OpenModel):
    """The body of every 4xx and 5xx; `errors` is empty when no field is at fault."""

    message: str
    errors: list[FieldError] = Field(description="The fields at fault; empty when none is.")
