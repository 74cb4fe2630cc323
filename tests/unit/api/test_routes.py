"""Each Powertools handler routes exactly the operations its document gives its function: a route added to a
handler without a document entry (or documented and never routed) fails here, naming the difference."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from trading_core import contracts
from trading_core.api.documents import DOCUMENTS

LAMBDAS = Path(__file__).resolve().parents[3] / "lambdas"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Functions behind an API whose handler is a Powertools APIGatewayRestResolver (`app`); `api_docs` is not.
RESOLVER_FUNCTIONS = (
    contracts.ORDER_ROUTER_FUNCTION,
    contracts.ORDER_CANCELLER_FUNCTION,
    contracts.DATA_API_FUNCTION,
    contracts.CUSTOMER_ACCOUNTS_FUNCTION,
    contracts.MARKET_DATA_API_FUNCTION,
)


def documented(function: str) -> set[tuple[str, str]]:
    return {
        (operation.method, operation.path)
        for document in DOCUMENTS.values()
        for operation in document.operations_of(function)
    }


def routed(function: str) -> set[tuple[str, str]]:
    """The resolver's routes, `<name>` written `{name}` (Powertools' own OpenAPI view of them)."""
    app = importlib.import_module(f"lambdas.{function}.handler").app
    paths = app.get_openapi_schema().paths or {}
    return {(method.upper(), path) for path, item in paths.items() for method in METHODS if getattr(item, method, None)}


def test_every_api_function_is_checked() -> None:
    functions = {op.function for document in DOCUMENTS.values() for op in document.operations} - {None}
    assert functions == {*RESOLVER_FUNCTIONS, contracts.API_DOCS_FUNCTION}


@pytest.mark.parametrize("function", RESOLVER_FUNCTIONS)
def test_the_handler_routes_what_the_document_says(function: str) -> None:
    assert (LAMBDAS / function / "handler.py").exists(), f"lambdas/{function}/handler.py does not exist yet"
    routes, operations = routed(function), documented(function)
    assert operations, function
    assert (sorted(routes - operations), sorted(operations - routes)) == ([], []), (
        "(routed but not documented, documented but not routed)"
    )
