"""Market data in the local cloud (issue #4): both workflows to SUCCEEDED, both branches of workflow B,
and the two market-data APIs over HTTP, as a client of `make run` sees them.

Workflow A is started as the router starts it: a `SmartOrderRouter` / `MarketData` event on the bus.
Workflow B is started through the market-data manager API (API Gateway → StartExecution). Events the
workflows emit are observed the way an operator would: a rule with an SQS target, added through the
AWS endpoint. Each test uses tickers no other e2e test trades, so the offline provider's history for
them is new exactly once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Client, today
from trading_core.common.clock import parse_iso, utc_now
from trading_core.market.walk import walk_price
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.store import DEFAULT_MAX_AGE, MarketDataStore
from trading_core.pools.pricing import protection_price

WORKFLOW_SOURCE = "MarketDataManagerStepFunction"


def state_names(client: Client, execution_arn: str) -> list[str]:
    """The states entered, in the order of the execution history."""
    events = client.aws("stepfunctions").get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [event["stateEnteredEventDetails"]["name"] for event in events if "stateEnteredEventDetails" in event]


def finished(client: Client, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
    """The execution once it is no longer RUNNING (a token-parked one resumes when its token comes back)."""
    sfn = client.aws("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        client.idle()
        execution = sfn.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(execution)
        time.sleep(0.05)


def executions(client: Client, output: str) -> list[dict[str, Any]]:
    sfn = client.aws("stepfunctions")
    return list(sfn.list_executions(stateMachineArn=client.url(output), maxResults=1000)["executions"])


@pytest.fixture(scope="module")
def workflow_events(client: Client) -> Iterator[Any]:
    """Reads what the workflows put on the bus: a rule on their source with an SQS queue as target."""
    sqs, events = client.aws("sqs"), client.aws("events")
    queue_url = sqs.create_queue(QueueName="e2e-market-data-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = client.url("EventBusName")
    events.put_rule(
        Name="e2e-market-data-events", EventBusName=bus, EventPattern=json.dumps({"source": [WORKFLOW_SOURCE]})
    )
    events.put_targets(Rule="e2e-market-data-events", EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])

    def received(detail_type: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return [event for event in found if event["detail-type"] == detail_type]
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    yield received
    events.remove_targets(Rule="e2e-market-data-events", EventBusName=bus, Ids=["queue"])
    events.delete_rule(Name="e2e-market-data-events", EventBusName=bus)


def start_workflow_b(client: Client, tickers: list[str]) -> str:
    status, body = client.request(
        "POST", client.url("MarketDataManagerApiUrl"), {"detail": {"tickers": [{"ticker": t} for t in tickers]}}
    )
    assert status == 200, body
    assert body["executionArn"].startswith(
        client.url("MarketDataTickerMapWorkflowArn").replace(":stateMachine:", ":execution:")
    )
    return str(body["executionArn"])


def test_workflow_a_runs_from_the_routers_market_data_event(client: Client) -> None:
    before = {e["executionArn"] for e in executions(client, "MarketDataParallelFetchWorkflowArn")}
    client.aws("events").put_events(
        Entries=[
            {
                "Source": "SmartOrderRouter",
                "DetailType": "MarketData",
                "Detail": json.dumps({"tickers": ["ORCL", "INTC"]}),
                "EventBusName": client.url("EventBusName"),
            }
        ]
    )
    client.idle()

    [started] = [e for e in executions(client, "MarketDataParallelFetchWorkflowArn") if e["executionArn"] not in before]
    execution = finished(client, started["executionArn"])
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["input"]) == {"tickers": ["ORCL", "INTC"]}
    names = state_names(client, started["executionArn"])
    assert names[0] == "FetchMarketData" and sorted(names[1:]) == ["HistoricalData", "QuoteSummary"]
    output = json.loads(execution["output"])
    assert [s["ticker"] for s in output["summary"]["summaries"]] == ["ORCL", "INTC"]
    for ticker in ("ORCL", "INTC"):
        status, summary = client.request("GET", client.url("MarketDataApiUrl") + f"quote-summary/{ticker}")
        assert status == 200 and summary["ticker"] == ticker and summary["histDataEnd"] <= today()


def test_workflow_b_new_data_publishes_market_data_update(client: Client, workflow_events: Any) -> None:
    arn = start_workflow_b(client, ["AMZN", "NVDA"])
    execution = finished(client, arn)

    assert execution["status"] == "SUCCEEDED", execution
    assert state_names(client, arn) == [
        "FetchEachTicker",
        "FetchTicker",
        "FetchTicker",
        "CheckNewData",
        "NewDataArrived",
        "PublishMarketDataUpdate",
    ]
    [update] = workflow_events("MarketDataUpdate")
    assert update["source"] == WORKFLOW_SOURCE
    assert sorted(update["detail"]["tickers"]) == ["AMZN", "NVDA"]
    assert workflow_events("NoHistoricalDataRetrieved") == []


def test_workflow_b_without_new_data_waits_for_the_task_token_manager(client: Client, workflow_events: Any) -> None:
    first = finished(client, start_workflow_b(client, ["PEP"]))
    assert first["status"] == "SUCCEEDED"
    workflow_events("MarketDataUpdate")  # drained: the first run had new history

    arn = start_workflow_b(client, ["PEP"])  # the same day again: nothing newer than HistDataEnd
    execution = finished(client, arn)

    assert execution["status"] == "SUCCEEDED", execution
    assert state_names(client, arn) == [
        "FetchEachTicker",
        "FetchTicker",
        "CheckNewData",
        "NewDataArrived",
        "WaitForNoDataAcknowledgement",
    ]
    [no_data] = workflow_events("NoHistoricalDataRetrieved")
    assert no_data["detail"]["taskToken"] and no_data["detail"]["tickers"] == ["PEP"]
    assert workflow_events("MarketDataUpdate") == []
    history = client.aws("stepfunctions").get_execution_history(executionArn=arn)["events"]
    assert any(event["type"] == "TaskSucceeded" for event in history)


def test_the_manager_api_refuses_bad_requests_and_starts_nothing(client: Client) -> None:
    url = client.url("MarketDataManagerApiUrl")
    before = len(executions(client, "MarketDataTickerMapWorkflowArn"))

    hint = 'the body must be {"detail": {"tickers": [{"ticker": "AAPL"}]}} with 1 to 100 tickers'
    readable = {"message": "invalid request", "errors": [{"field": "body", "message": hint}]}
    assert client.request("POST", url, {"detail": {"tickers": [{"ticker": "aapl"}]}}) == (400, readable)
    assert client.request("POST", url, {"detail": {"tickers": []}}) == (400, readable)
    assert client.request("POST", url, {"tickers": ["AAPL"]}) == (400, readable)
    assert client.request("POST", url, {"detail": {"tickers": [{"ticker": "AAPL"}]}}, key=False) == (
        403,
        {"message": "Forbidden", "errors": []},
    )
    # Any content type is read as JSON (plain `curl -d` sends form-urlencoded): validated alike, never a 415.
    assert client.request("POST", url, "AAPL", headers={"content-type": "text/plain"}) == (400, readable)

    assert len(executions(client, "MarketDataTickerMapWorkflowArn")) == before


def test_the_market_data_api_reads_and_deletes_summaries_and_history(client: Client) -> None:
    assert finished(client, start_workflow_b(client, ["KO"]))["status"] == "SUCCEEDED"
    api = client.url("MarketDataApiUrl")

    status, summary = client.request("GET", api + "quote-summary/KO")
    assert status == 200 and summary["ticker"] == "KO"
    status, history = client.request("GET", api + f"history/KO?from={summary['histDataStart']}&to={today()}")
    assert status == 200 and history["count"] == len(history["bars"]) > 200
    days = [bar["date"] for bar in history["bars"]]
    assert days == sorted(days) and days[-1] == summary["histDataEnd"]

    window = {"from": days[0], "to": days[9]}
    status, deleted = client.request("DELETE", api + "history/KO", window)
    assert (status, deleted["deletedRows"]) == (200, 10)
    status, after = client.request("GET", api + f"history/KO?from={days[0]}&to={today()}")
    assert after["count"] == history["count"] - 10 and after["bars"][0]["date"] == days[10]

    status, gone = client.request("DELETE", api + "quote-summary/KO")
    assert (status, gone["deletedSummary"]) == (200, True)
    assert client.request("GET", api + "quote-summary/KO")[0] == 404
    status, bad = client.request("GET", api + "history/KO?from=yesterday")
    assert status == 400 and bad["errors"][0]["field"] == "from"
    assert client.request("GET", api + "quote-summary/KO", key=False)[0] == 403


INVOKE_MODE_PARAMETER = "/trading-system/dev/market-data-invoke-mode"
CUSTOMER = "0000012"  # no other e2e test trades for this customer


def market_buy(client: Client, ticker: str) -> dict[str, Any]:
    status, body = client.post_orders(
        {"customerId": CUSTOMER, "direction": "Buy", "ticker": ticker, "type": "Market", "quantity": 10}
    )
    assert status == 200 and not body["invalidOrders"], body
    [child] = body["orders"]
    return dict(child)


def set_invoke_mode(client: Client, mode: str) -> None:
    """As an operator would, then clearing the parameter cache instead of waiting for it (conftest)."""
    client.idle()
    client.aws("ssm").put_parameter(Name=INVOKE_MODE_PARAMETER, Value=mode, Type="String", Overwrite=True)
    from aws_lambda_powertools.utilities.parameters.base import clear_caches

    clear_caches()


def store_stale_quote(client: Client, ticker: str) -> Decimal:
    """The offline provider's quote of `ticker`, stored as if longer ago than `DEFAULT_MAX_AGE`: it prices
    orders, and the router asks for fresher data. Returns its price."""
    import boto3

    endpoint = client.outputs["LocalCloud"]["AwsEndpointUrl"]
    table = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=endpoint).Table(
        client.url("MarketDataTableName")
    )
    summary = OfflineProvider().quote_summary(ticker)
    MarketDataStore(table, clock=lambda: utc_now() - DEFAULT_MAX_AGE - timedelta(hours=1)).put_summary(summary)
    return summary.price


def test_a_never_seen_ticker_is_looked_up_before_the_order_and_needs_no_workflow(client: Client) -> None:
    before = {e["executionArn"] for e in executions(client, "MarketDataParallelFetchWorkflowArn")}
    api = client.url("MarketDataApiUrl")
    assert client.request("GET", api + "quote-summary/NFLX")[0] == 404

    child = market_buy(client, "NFLX")
    client.idle()

    status, summary = client.request("GET", api + "quote-summary/NFLX")  # stored by the synchronous lookup
    assert status == 200, summary
    market = walk_price(Decimal(summary["price"]), "NFLX", parse_iso(child["orderDate"]))
    assert (child["marketPrice"], child["pricedAt"]) == (str(market), child["orderDate"])
    assert child["protectionPrice"] == str(protection_price(market))
    trades = [t for t in client.trades(CUSTOMER, today()) if t["orderId"] == child["orderId"]]
    assert [(Decimal(t["price"]), t["tradeDate"]) for t in trades] == [(market, child["orderDate"])]
    # fresh: no workflow A for it
    assert [
        e for e in executions(client, "MarketDataParallelFetchWorkflowArn") if e["executionArn"] not in before
    ] == []


def test_the_router_asks_workflow_a_for_a_stale_ticker_and_prices_at_the_stale_quote_meanwhile(
    client: Client,
) -> None:
    quote = store_stale_quote(client, "MU")
    before = {e["executionArn"] for e in executions(client, "MarketDataParallelFetchWorkflowArn")}

    child = market_buy(client, "MU")
    client.idle()

    market = walk_price(quote, "MU", parse_iso(child["orderDate"]))
    assert child["marketPrice"] == str(market)
    assert Decimal(child["reservedAmount"]) >= protection_price(market) * 10
    trades = [t for t in client.trades(CUSTOMER, today()) if t["orderId"] == child["orderId"]]
    assert [Decimal(t["price"]) for t in trades] == [market]
    [started] = [e for e in executions(client, "MarketDataParallelFetchWorkflowArn") if e["executionArn"] not in before]
    execution = finished(client, started["executionArn"])
    assert (execution["status"], json.loads(execution["input"])) == ("SUCCEEDED", {"tickers": ["MU"]})
    status, history = client.request("GET", client.url("MarketDataApiUrl") + "history/MU")
    assert status == 200 and history["bars"], history

    again = market_buy(client, "MU")  # fresh now: not asked for again
    client.idle()
    assert again["marketPrice"] is not None
    assert [e for e in executions(client, "MarketDataParallelFetchWorkflowArn") if e["executionArn"] not in before] == [
        started
    ]


def test_in_step_functions_mode_the_router_starts_workflow_b(client: Client) -> None:
    store_stale_quote(client, "ADBE")  # a never-seen ticker is looked up synchronously, then fresh
    before = {e["executionArn"] for e in executions(client, "MarketDataTickerMapWorkflowArn")}
    set_invoke_mode(client, "StepFunctionAPIs")
    try:
        market_buy(client, "ADBE")
        client.idle()
    finally:
        set_invoke_mode(client, "EventBridge")

    [started] = [e for e in executions(client, "MarketDataTickerMapWorkflowArn") if e["executionArn"] not in before]
    assert started["name"].startswith("sor-")
    execution = finished(client, started["executionArn"])
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["input"]) == {"detail": {"tickers": [{"ticker": "ADBE"}]}}
    assert state_names(client, started["executionArn"])[-1] == "PublishMarketDataUpdate"
