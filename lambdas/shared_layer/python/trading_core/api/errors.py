"""The one error body every API answers with a 4xx or 5xx: `{"message": str, "errors": [{field, message}]}`.

`errors` names the fields at fault and is `[]` when none is (404, most 409s). Extra keys are allowed (the
canceller's 409 keeps `orderId`, `status`, `notCancelled`). Standard library only: the order path imports it.
The documents describe this body with `ErrorBody` (pydantic, from `schemas`, loaded only when asked for).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trading_core.api.schemas import ErrorBody as ErrorBody


@dataclass(frozen=True)
class FieldError:
    """One field at fault: `field` is the parameter or body field name (`customerId`, `limit`, `body`)."""

    field: str
    message: str

    def to_wire(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def error_body(message: str, errors: Iterable[FieldError] = (), **extra: Any) -> dict[str, Any]:
    """The error body: always both keys, `errors` possibly empty; `extra` keys follow them."""
    return {"message": message, "errors": [error.to_wire() for error in errors], **extra}


def __getattr__(name: str) -> Any:
    """`errors.ErrorBody` without importing pydantic for the handlers that only build bodies."""
    if name == "ErrorBody":
        from trading_core.api.schemas import ErrorBody

        return ErrorBody
    raise AttributeError(name)
