"""The types of an API definition: parameters, replies, operations and the document that lists them.

Frozen dataclasses over the standard library only, so a handler can import its parameters without pydantic;
a request or reply body is named by its pydantic model class, which only the renderer (`openapi`) inspects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from pydantic import BaseModel

Location = Literal["path", "query", "header"]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]

_PATH_VARIABLE: Final = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter; `schema` is its JSON schema (type, pattern, enum, minimum...).

    `hint` is what a value that fails the pattern is told (the 400's field message), since the regex itself
    means little to a caller. A path parameter is always required.
    """

    name: str
    location: Location
    schema: Mapping[str, Any]
    description: str
    required: bool = False
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.location == "path" and not self.required:
            object.__setattr__(self, "required", True)

    @property
    def pattern(self) -> str | None:
        """The schema's regular expression, if it has one."""
        pattern = self.schema.get("pattern")
        return str(pattern) if pattern is not None else None


@dataclass(frozen=True)
class Reply:
    """One status an operation can answer, with its body's model (None: no documented body)."""

    status: int
    description: str
    schema: type[BaseModel] | None = None
    example: Any = None


@dataclass(frozen=True)
class Operation:
    """A method on a path, the function that serves it (None: an API Gateway service integration)."""

    method: Method
    path: str
    operation_id: str
    summary: str
    function: str | None
    parameters: tuple[Parameter, ...] = ()
    request_body: type[BaseModel] | None = None
    request_body_required: bool = True
    replies: tuple[Reply, ...] = ()
    api_key_required: bool = True
    request_example: Any = None
    description: str = ""
    tags: tuple[str, ...] = ()

    @property
    def path_variables(self) -> tuple[str, ...]:
        """The `{names}` in the path, in order."""
        return tuple(_PATH_VARIABLE.findall(self.path))

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        return self._at("path")

    @property
    def query_parameters(self) -> tuple[Parameter, ...]:
        return self._at("query")

    @property
    def header_parameters(self) -> tuple[Parameter, ...]:
        return self._at("header")

    def parameter(self, name: str) -> Parameter:
        """The parameter called `name` (KeyError if the operation has none)."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(f"{self.method} {self.path} has no parameter {name}")

    def reply(self, status: int) -> Reply:
        """The reply documented for `status` (KeyError if none)."""
        for reply in self.replies:
            if reply.status == status:
                return reply
        raise KeyError(f"{self.method} {self.path} documents no {status}")

    def _at(self, location: Location) -> tuple[Parameter, ...]:
        return tuple(parameter for parameter in self.parameters if parameter.location == location)


@dataclass(frozen=True)
class ApiDocument:
    """One REST API: `name` is its TradingRestApi short name (`orders-api`, `data-api`, ...)."""

    name: str
    title: str
    description: str
    operations: tuple[Operation, ...] = field(default=())
    version: str = "1.0.0"

    def operations_of(self, function: str) -> tuple[Operation, ...]:
        """The operations `function` serves (what its handler must route, and nothing else)."""
        return tuple(operation for operation in self.operations if operation.function == function)

    def operation(self, method: str, path: str) -> Operation:
        """The operation for `method path` (KeyError if the document has none)."""
        for operation in self.operations:
            if operation.method == method and operation.path == path:
                return operation
        raise KeyError(f"{self.name} has no {method} {path}")

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path, once, in the order of first appearance."""
        return tuple(dict.fromkeys(operation.path for operation in self.operations))

    @property
    def functions(self) -> tuple[str, ...]:
        """Every function the document's operations integrate with, once."""
        return tuple(dict.fromkeys(op.function for op in self.operations if op.function is not None))
