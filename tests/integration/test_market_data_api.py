"""The market data API against moto: summaries and history, GET and DELETE, 404s and field-level 400s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from lambdas.market_data_api import handler
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.market_data_fixtures import MarketDataAws, market_data_environment, use
from trading_core.market_data.providers.offline import OfflineProvider


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketDataAws]:
    with market_data_environment(monkeypatch) as environment:
        handler.build.cache_clear()
        use(handler, "build", environment.store, monkeypatch)
        use(handler, "clock", environment.clock, monkeypatch)
        store = environment.store()
        store.put_summary(OfflineProvider(clock=environment.clock).quote_summary("AAPL"))
        store.put_history("AAPL", OfflineProvider().history("AAPL", date(2026, 2, 2), date(2026, 2, 27)))
        yield environment


def call(method: str, path: str, *, body: Any = None, query: dict[str, str] | None = None) -> tuple[int, Any]:
    response = handler.lambda_handler(
        api_event(method, path, body=body, query=query), lambda_context("market_data_api")
    )
    return response["statusCode"], json_body(response)


def test_get_a_quote_summary(aws: MarketDataAws) -> None:
    status, body = call("GET", "/quote-summary/AAPL")

    summary = OfflineProvider(clock=aws.clock).quote_summary("AAPL")
    assert status == 200
    assert body == {
        **summary.to_wire(),
        "histDataStart": "2026-02-02",
        "histDataEnd": "2026-02-27",
        "updated": "2026-03-04T15:00:00.000Z",
    }
    assert isinstance(body["price"], str) and body["price"] == f"{summary.price:.2f}"
    assert call("GET", "/quote-summary/MSFT") == (404, {"message": "quote summary of MSFT not found", "errors": []})


def test_get_history_in_a_window(aws: MarketDataAws) -> None:
    status, body = call("GET", "/history/AAPL", query={"from": "2026-02-09", "to": "2026-02-10"})

    bar = OfflineProvider().bar("AAPL", date(2026, 2, 9))
    assert status == 200
    assert (body["ticker"], body["from"], body["to"], body["count"]) == ("AAPL", "2026-02-09", "2026-02-10", 2)
    assert body["bars"][0] == {
        "date": "2026-02-09",
        "open": f"{bar.open:.2f}",
        "high": f"{bar.high:.2f}",
        "low": f"{bar.low:.2f}",
        "close": f"{bar.close:.2f}",
        "adjClose": f"{bar.adj_close:.2f}",
        "volume": bar.volume,
    }
    # Without a window: the 30 days up to today (2026-03-04).
    status, body = call("GET", "/history/AAPL")
    assert (status, body["from"], body["to"], body["count"]) == (200, "2026-02-02", "2026-03-04", 20)
    assert call("GET", "/history/MSFT") == (404, {"message": "market data of MSFT not found", "errors": []})


@pytest.mark.parametrize(
    ("path", "query", "field", "message"),
    [
        ("/history/aapl", None, "ticker", "must be 1 to 15 upper-case letters, digits, '.', '-', '=' or '^'"),
        ("/history/AAPL", {"from": "02/09/2026"}, "from", "must be a date as YYYY-MM-DD"),
        ("/history/AAPL", {"to": "2026-02-30"}, "to", "must be a date as YYYY-MM-DD"),
        ("/history/AAPL", {"from": "2026-02-10", "to": "2026-02-09"}, "from", "must not be after to"),
        ("/history/AAPL", {"from": "2000-01-01", "to": "2026-02-09"}, "from", "must be at most 1830 days before to"),
    ],
)
def test_invalid_history_requests_are_400_per_field(
    aws: MarketDataAws, path: str, query: dict[str, str] | None, field: str, message: str
) -> None:
    status, body = call("GET", path, query=query)

    assert status == 400
    assert body == {"message": "invalid request", "errors": [{"field": field, "message": message}]}


def test_delete_a_quote_summary_keeps_the_history(aws: MarketDataAws) -> None:
    assert call("DELETE", "/quote-summary/AAPL") == (200, {"ticker": "AAPL", "deletedSummary": True})
    assert call("GET", "/quote-summary/AAPL")[0] == 404
    assert call("DELETE", "/quote-summary/AAPL") == (404, {"message": "quote summary of AAPL not found", "errors": []})
    assert call("GET", "/history/AAPL", query={"from": "2026-02-02", "to": "2026-02-27"})[1]["count"] == 20


@pytest.mark.parametrize("path", ["/history/AAPL", "/quote-summary/AAPL"])
def test_delete_history_in_a_window(aws: MarketDataAws, path: str) -> None:
    status, body = call("DELETE", path, body={"from": "2026-02-16", "to": "2026-02-27"})

    assert (status, body) == (200, {"ticker": "AAPL", "from": "2026-02-16", "to": "2026-02-27", "deletedRows": 10})
    remaining = call("GET", "/history/AAPL", query={"from": "2026-02-01", "to": "2026-03-01"})[1]
    assert remaining["count"] == 10
    summary = call("GET", "/quote-summary/AAPL")[1]
    assert (summary["histDataStart"], summary["histDataEnd"]) == ("2026-02-02", "2026-02-13")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"to": "2026-02-27"}, "from", "is required"),
        ({"from": "2026-02-01"}, "to", "is required"),
        ({"from": 20260201, "to": "2026-02-27"}, "from", "must be a date as YYYY-MM-DD"),
        ({"from": "2026-02-28", "to": "2026-02-27"}, "from", "must not be after to"),
        ({"from": "", "to": ""}, "from", "must be a date as YYYY-MM-DD"),  # found by schemathesis: was a 200
        ({"from": "2026-02-01", "to": ""}, "to", "must be a date as YYYY-MM-DD"),
        (["2026-02-01"], "body", "must be a JSON object"),
        (None, "body", "must be a JSON object with from and to"),
    ],
)
def test_invalid_history_deletes_are_400_per_field(aws: MarketDataAws, body: Any, field: str, message: str) -> None:
    status, answer = call("DELETE", "/history/AAPL", body=body)

    assert status == 400
    assert answer == {"message": "invalid request", "errors": [{"field": field, "message": message}]}
    assert call("GET", "/history/AAPL", query={"from": "2026-02-01", "to": "2026-03-01"})[1]["count"] == 20


def test_a_body_that_is_not_json_is_400(aws: MarketDataAws) -> None:
    event = api_event("DELETE", "/quote-summary/AAPL", raw_body="from=2026-02-01")
    response = handler.lambda_handler(event, lambda_context("market_data_api"))

    assert response["statusCode"] == 400
    assert json_body(response)["errors"] == [{"field": "body", "message": "must be a JSON object"}]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
def test_a_json_body_is_read_whatever_its_content_type(aws: MarketDataAws, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    event = api_event("DELETE", "/history/AAPL", body={"from": "2026-02-16", "to": "2026-02-27"}, headers=headers)
    if content_type is None:
        del event["headers"]["Content-Type"], event["multiValueHeaders"]["Content-Type"]
    response = handler.lambda_handler(event, lambda_context("market_data_api"))

    assert (response["statusCode"], json_body(response)["deletedRows"]) == (200, 10)


def test_a_body_that_is_not_utf8_is_400_on_the_body(aws: MarketDataAws) -> None:
    event = api_event("DELETE", "/history/AAPL", raw_body="AP8=", headers={"Content-Type": "application/octet-stream"})
    event["isBase64Encoded"] = True  # the bytes 00 ff: not UTF-8
    response = handler.lambda_handler(event, lambda_context("market_data_api"))

    assert response["statusCode"] == 400
    assert json_body(response) == {
        "message": "invalid request",
        "errors": [{"field": "body", "message": "must be a JSON object"}],
    }
    assert call("GET", "/history/AAPL", query={"from": "2026-02-01", "to": "2026-03-01"})[1]["count"] == 20


@pytest.mark.parametrize("path", ["/history/\u00ac\u009f5", "/quote-summary/A\u0300", "/history/%20"])
def test_a_ticker_the_router_cannot_read_is_400_on_the_ticker(aws: MarketDataAws, path: str) -> None:
    status, body = call("GET", path)

    assert status == 400
    assert body == {
        "message": "invalid request",
        "errors": [{"field": "ticker", "message": "must be 1 to 15 upper-case letters, digits, '.', '-', '=' or '^'"}],
    }
