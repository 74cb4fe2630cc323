"""Undocumented query parameters are refused with a 400 naming each, from the documents' own parameter lists."""

from __future__ import annotations

from trading_core.api import data_api, orders_api
from trading_core.api.query_parameters import documented_query, refusal_body, undocumented


def test_a_parameter_the_operation_does_not_document_is_named() -> None:
    documented = documented_query(data_api.DOCUMENT)

    assert undocumented(documented, "GET", "/customers", {"limit": "5", "sort": "name", "colour": "red"}) == [
        "colour",
        "sort",
    ]
    assert undocumented(documented, "GET", "/customers", {"limit": "5", "nextToken": "t"}) == []
    assert undocumented(documented, "GET", "/trades/{customerId}", {"date": "2026-12-01"}) == ["date"]
    assert undocumented(documented, "GET", "/trades/{customerId}", None) == []
    assert refusal_body(documented, "GET", "/customers", ["sort"]) == {
        "message": "invalid request",
        "errors": [{"field": "sort", "message": "is not a parameter of this call; it takes limit, nextToken"}],
    }


def test_a_resource_the_mapping_does_not_know_is_left_to_the_router() -> None:
    assert undocumented(documented_query(data_api.DOCUMENT), "GET", "/{proxy+}", {"limit": "5"}) == []


def test_the_order_functions_mappings_are_the_documents() -> None:
    """The router and the canceller spell their (empty) query parameters out, not importing the document."""
    from lambdas.order_canceller import handler as canceller
    from lambdas.order_router import handler as router

    documented = documented_query(orders_api.DOCUMENT)
    assert {key: names for key, names in documented.items() if key[1] != "/openapi.json"} == {
        **router.QUERY_PARAMETERS,
        **canceller.QUERY_PARAMETERS,
    }
    assert refusal_body(router.QUERY_PARAMETERS, "POST", "/orders", ["dryRun"])["errors"] == [
        {"field": "dryRun", "message": "is not a parameter of this call; it takes none"}
    ]
