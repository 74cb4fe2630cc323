"""The market-data workflow tasks against moto: workflow A's two tasks, workflow B's Map task, checker,
no-data notifier and the external task token manager (with a real task token of a moto execution)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from lambdas.historical_data import handler as historical_data
from lambdas.market_data_checker import handler as checker
from lambdas.market_data_fetcher import handler as fetcher
from lambdas.no_data_notifier import handler as notifier
from lambdas.quote_summary import handler as quote_summary
from lambdas.task_token_manager import handler as token_manager
from tests.integration.api_events import lambda_context
from tests.integration.market_data_fixtures import MARKET_DATA_BUCKET, MarketDataAws, market_data_environment, use
from trading_core.contracts import (
    MARKET_DATA_BUCKET_ENV,
    MARKET_DATA_PROVIDER_ENV,
    MARKET_DATA_TABLE_ENV,
    OFFLINE_PROVIDER,
)
from trading_core.market_data.model import InvalidTicker
from trading_core.market_data.providers.offline import OfflineProvider

HANDLERS_WITH_SERVICE = (quote_summary, historical_data, fetcher)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketDataAws]:
    with market_data_environment(monkeypatch) as environment:
        for module in HANDLERS_WITH_SERVICE:
            use(module, "build", environment.service, monkeypatch)
        notifier.build.cache_clear()
        token_manager.build.cache_clear()
        yield environment
    notifier.build.cache_clear()
    token_manager.build.cache_clear()


def test_the_service_comes_from_the_environment(aws: MarketDataAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the handler's own factory, on the environment the fixture set
    monkeypatch.setenv(MARKET_DATA_PROVIDER_ENV, OFFLINE_PROVIDER)
    monkeypatch.setenv(MARKET_DATA_TABLE_ENV, aws.table.name)
    monkeypatch.setenv(MARKET_DATA_BUCKET_ENV, MARKET_DATA_BUCKET)
    quote_summary.build.cache_clear()
    try:
        result = quote_summary.lambda_handler({"ticker": "AAPL"}, lambda_context("quote_summary"))
    finally:
        quote_summary.build.cache_clear()

    assert [summary["ticker"] for summary in result["summaries"]] == ["AAPL"]
    assert aws.store().get_summary("AAPL") is not None  # the offline provider, on today's date


def test_workflow_a_quote_summary_task_stores_summaries_and_raw_json(aws: MarketDataAws) -> None:
    result = quote_summary.lambda_handler({"tickers": ["AAPL", "MSFT"]}, lambda_context("quote_summary"))

    expected = OfflineProvider(clock=aws.clock).quote_summary("AAPL")
    assert result["summaries"][0] == {"ticker": "AAPL", "price": f"{expected.price:.2f}", "currency": "USD"}
    assert result["notFound"] == []
    assert aws.store().get_summary("AAPL") == expected
    assert sorted(aws.raw_keys()) == ["raw/AAPL/summary/2026-03-04.json", "raw/MSFT/summary/2026-03-04.json"]
    raw = json.loads(
        aws.s3.get_object(Bucket="trading-system-dev-market-data-bucket", Key=aws.raw_keys()[0])["Body"].read()
    )
    assert raw["provider"] == "offline"


def test_workflow_a_historical_data_task_loads_incrementally(aws: MarketDataAws) -> None:
    context = lambda_context("historical_data")

    first = historical_data.lambda_handler({"detail": {"tickers": ["AAPL"]}}, context)
    # A year back, up to yesterday (Tuesday 2026-03-03): 261 business days.
    assert first["tickers"] == [{"ticker": "AAPL", "newRows": 261, "histDataEnd": "2026-03-03"}]
    assert "raw/AAPL/history/2026-03-04.json" in aws.raw_keys()

    again = historical_data.lambda_handler({"tickers": ["AAPL"]}, context)
    assert again == {"tickers": [{"ticker": "AAPL", "newRows": 0, "histDataEnd": "2026-03-03"}], "newRows": 0}

    aws.clock.now += timedelta(days=5)  # Monday 2026-03-09: Wednesday to Friday are new
    later = historical_data.lambda_handler({"tickers": ["AAPL"]}, context)
    assert later["tickers"] == [{"ticker": "AAPL", "newRows": 3, "histDataEnd": "2026-03-06"}]
    assert aws.store().history("AAPL", "2026-03-04", "2026-03-31")[0].day == "2026-03-04"


def test_workflow_b_map_task_and_checker(aws: MarketDataAws) -> None:
    context = lambda_context("market_data_fetcher")

    results = [fetcher.lambda_handler({"ticker": ticker}, context) for ticker in ("AAPL", "MSFT")]
    assert results[0] == {"ticker": "AAPL", "newRows": 261, "histDataEnd": "2026-03-03", "found": True}
    assert aws.store().get_summary("MSFT") is not None

    decision = checker.lambda_handler(results, lambda_context("market_data_checker"))
    assert decision == {"newData": True, "tickers": ["AAPL", "MSFT"], "checked": ["AAPL", "MSFT"]}

    again = [fetcher.lambda_handler({"ticker": ticker}, context) for ticker in ("AAPL", "MSFT")]
    assert checker.lambda_handler({"results": again}, lambda_context("market_data_checker")) == {
        "newData": False,
        "tickers": [],
        "checked": ["AAPL", "MSFT"],
    }
    with pytest.raises(InvalidTicker):
        fetcher.lambda_handler({"tickers": ["AAPL", "MSFT"]}, context)


def test_the_notifier_puts_the_task_token_on_the_bus(aws: MarketDataAws) -> None:
    result = notifier.lambda_handler(
        {"taskToken": "token-123", "tickers": ["AAPL"]}, lambda_context("no_data_notifier")
    )

    assert result == {"published": True}
    (event,) = aws.bus_events()
    assert (event["source"], event["detail-type"]) == ("MarketDataManagerStepFunction", "NoHistoricalDataRetrieved")
    assert event["detail"] == {"taskToken": "token-123", "tickers": ["AAPL"]}
    with pytest.raises(ValueError, match="taskToken"):
        notifier.lambda_handler({}, lambda_context("no_data_notifier"))


def waiting_execution(aws: MarketDataAws) -> tuple[str, str]:
    """A moto execution paused on a `.waitForTaskToken` task; returns (execution ARN, its real token)."""
    queue = aws.sqs.create_queue(QueueName="task-tokens")["QueueUrl"]
    definition = {
        "StartAt": "WaitForManager",
        "States": {
            "WaitForManager": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody": {"taskToken.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    machine = aws.stepfunctions.create_state_machine(
        name="waits-for-token", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    execution = aws.stepfunctions.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    for _ in range(200):
        messages = aws.sqs.receive_message(QueueUrl=queue).get("Messages", [])
        if messages:
            return execution, json.loads(messages[0]["Body"])["taskToken"]
        time.sleep(0.02)
    raise AssertionError("the execution never reached its waitForTaskToken task")


def final_status(aws: MarketDataAws, execution: str) -> dict[str, Any]:
    for _ in range(200):
        described = aws.stepfunctions.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.02)
    raise AssertionError("the execution is still running")


def test_the_token_manager_completes_the_waiting_execution(aws: MarketDataAws) -> None:
    execution, token = waiting_execution(aws)
    event = {
        "source": "MarketDataManagerStepFunction",
        "detail-type": "NoHistoricalDataRetrieved",
        "detail": {"taskToken": token, "tickers": ["AAPL"]},
    }

    assert token_manager.lambda_handler(event, lambda_context("task_token_manager")) == {"completed": True}

    described = final_status(aws, execution)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"newData": False, "tickers": ["AAPL"]}


def test_a_token_nobody_waits_for_is_dropped(aws: MarketDataAws) -> None:
    result = token_manager.lambda_handler({"taskToken": "stale"}, lambda_context("task_token_manager"))

    assert result == {"completed": False, "error": "InvalidToken"}
