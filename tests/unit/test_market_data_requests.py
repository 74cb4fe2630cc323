"""The router's market-data requests over fakes: stale tickers only, both modes, failures swallowed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from trading_core.bus.events import BusEvent
from trading_core.bus.publishers import PublishError
from trading_core.contracts import EVENT_BRIDGE_MODE, MARKET_DATA_INVOKE_MODE_PARAMETER, STEP_FUNCTIONS_MODE
from trading_core.market_data.requests import (
    MAX_TICKERS_PER_EVENT,
    MarketDataRequest,
    MarketDataRequester,
    execution_name,
    invoke_mode_reader,
)
from trading_core.market_data.step_functions import StepFunctionsStarter

NOW = datetime(2026, 3, 4, 15, 0, 30, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeMarketData:
    """Staleness by a set of fresh tickers; records every call of every adapter."""

    def __init__(self, fresh: Sequence[str] = (), mode: str = EVENT_BRIDGE_MODE) -> None:
        self.fresh = set(fresh)
        self.mode = mode
        self.stale_calls: list[list[str]] = []
        self.published: list[list[BusEvent]] = []
        self.executions: list[tuple[str, dict[str, Any]]] = []
        self.mode_reads = 0
        self.fail: set[str] = set()

    def read(self, names: list[str]) -> dict[str, str]:
        assert names == [MARKET_DATA_INVOKE_MODE_PARAMETER]
        self.mode_reads += 1
        if "mode" in self.fail:
            raise RuntimeError("ssm down")
        return {MARKET_DATA_INVOKE_MODE_PARAMETER: self.mode}

    def stale_tickers(self, tickers: Sequence[str], now: datetime) -> list[str]:
        self.stale_calls.append(list(tickers))
        if "store" in self.fail:
            raise EndpointConnectionError(endpoint_url="https://dynamodb")
        return [ticker for ticker in tickers if ticker not in self.fresh]

    def publish(self, events: list[BusEvent]) -> None:
        if "events" in self.fail:
            raise PublishError("bus down")
        self.published.append(events)

    def start_execution(self, name: str, payload: str) -> None:
        if "sfn" in self.fail:
            raise RuntimeError("states down")
        self.executions.append((name, json.loads(payload)))

    @property
    def requested_tickers(self) -> list[str]:
        from_events = [t for call in self.published for event in call for t in event.detail["tickers"]]
        from_executions = [item["ticker"] for _, body in self.executions for item in body["detail"]["tickers"]]
        return from_events + from_executions


def requester(fake: FakeMarketData, clock: Clock | None = None) -> MarketDataRequester:
    return MarketDataRequester(
        invoke_mode=invoke_mode_reader(fake.read),
        stale_tickers=fake.stale_tickers,
        events=fake,
        start_execution=fake.start_execution,
        clock=clock or Clock(),
    )


def test_only_stale_tickers_are_requested_as_one_market_data_event() -> None:
    fake = FakeMarketData(fresh=["AAPL"])

    outcome = requester(fake).request(["MSFT", "AAPL", "COIN"])

    assert outcome == MarketDataRequest(mode=EVENT_BRIDGE_MODE, tickers=("COIN", "MSFT"))
    [[event]] = fake.published
    assert (event.source, event.detail_type, event.detail) == (
        "SmartOrderRouter",
        "MarketData",
        {"tickers": ["COIN", "MSFT"]},
    )
    assert fake.executions == []
    assert outcome.metrics() == {"MarketDataTickersRequested": 2, "MarketDataRequestFailures": 0}


def test_tickers_are_deduplicated_before_the_single_staleness_read() -> None:
    fake = FakeMarketData()

    requester(fake).request(["COIN", "AAPL", "COIN", "COIN", "AAPL"])

    assert fake.stale_calls == [["COIN", "AAPL"]]
    assert fake.requested_tickers == ["AAPL", "COIN"]


def test_nothing_stale_means_no_request_and_no_parameter_read() -> None:
    fake = FakeMarketData(fresh=["AAPL", "COIN"])

    outcome = requester(fake).request(["AAPL", "COIN"])

    assert outcome == MarketDataRequest()
    assert fake.published == [] and fake.executions == []
    assert fake.mode_reads == 0
    assert outcome.metrics() == {"MarketDataTickersRequested": 0, "MarketDataRequestFailures": 0}


def test_no_tickers_means_no_read_at_all() -> None:
    fake = FakeMarketData()

    assert requester(fake).request([]) == MarketDataRequest()
    assert fake.stale_calls == [] and fake.mode_reads == 0


def test_step_function_mode_starts_one_execution_of_workflow_b() -> None:
    fake = FakeMarketData(fresh=["AAPL"], mode=STEP_FUNCTIONS_MODE)

    outcome = requester(fake).request(["MSFT", "AAPL", "COIN"])

    assert outcome == MarketDataRequest(mode=STEP_FUNCTIONS_MODE, tickers=("COIN", "MSFT"))
    [(name, body)] = fake.executions
    assert body == {"detail": {"tickers": [{"ticker": "COIN"}, {"ticker": "MSFT"}]}}
    assert name == execution_name(["COIN", "MSFT"], NOW)
    assert fake.published == []


def test_the_mode_is_read_from_the_parameter_on_each_request() -> None:
    fake = FakeMarketData()
    service = requester(fake)

    service.request(["AAPL"])
    fake.mode = STEP_FUNCTIONS_MODE
    service.request(["COIN"])

    assert fake.mode_reads == 2
    assert [event.detail["tickers"] for call in fake.published for event in call] == [["AAPL"]]
    assert [body["detail"]["tickers"] for _, body in fake.executions] == [[{"ticker": "COIN"}]]


def test_an_unknown_mode_is_a_configuration_error_and_nothing_is_requested(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeMarketData(mode="Carrier-Pigeon")

    outcome = requester(fake).request(["AAPL"])

    assert outcome == MarketDataRequest(mode=None, tickers=("AAPL",), failed=True)
    assert fake.requested_tickers == [] and fake.executions == []
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage().startswith(
        "configuration error: SSM parameter market-data-invoke-mode is 'Carrier-Pigeon'; "
        "allowed values: EventBridge, StepFunctionAPIs"
    )
    assert record.exc_info is None  # a configuration error, not a failure with a traceback


@pytest.mark.parametrize(
    ("failing", "mode"),
    [
        ("store", EVENT_BRIDGE_MODE),
        ("mode", EVENT_BRIDGE_MODE),
        ("events", EVENT_BRIDGE_MODE),
        ("sfn", STEP_FUNCTIONS_MODE),
    ],
)
def test_a_failure_is_logged_counted_and_swallowed(failing: str, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeMarketData(mode=mode)
    fake.fail = {failing}

    outcome = requester(fake).request(["AAPL", "COIN"])

    assert outcome.failed
    assert outcome.metrics() == {"MarketDataTickersRequested": 0, "MarketDataRequestFailures": 1}
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.exc_info is not None  # logger.exception: the traceback is in the log


def test_a_failed_request_is_tried_again_by_the_next_order_request() -> None:
    fake = FakeMarketData()
    service = requester(fake)
    fake.fail = {"events"}
    assert service.request(["AAPL"]).failed

    fake.fail = set()
    assert service.request(["AAPL"]) == MarketDataRequest(mode=EVENT_BRIDGE_MODE, tickers=("AAPL",))


def test_a_warm_router_does_not_ask_again_within_the_cooldown() -> None:
    fake = FakeMarketData()
    clock = Clock()
    service = requester(fake, clock)

    service.request(["AAPL"])
    clock.now += timedelta(minutes=4)
    assert service.request(["AAPL", "COIN"]).tickers == ("COIN",)
    assert fake.stale_calls == [["AAPL"], ["COIN"]]  # no read either for a ticker just requested
    clock.now += timedelta(minutes=1, seconds=1)
    assert service.request(["AAPL", "COIN"]).tickers == ("AAPL",)


def test_many_tickers_are_split_over_events_of_at_most_ten() -> None:
    fake = FakeMarketData()
    tickers = [f"T{n:03d}" for n in range(25)]

    requester(fake).request(tickers)

    [events] = fake.published
    assert [len(event.detail["tickers"]) for event in events] == [MAX_TICKERS_PER_EVENT, MAX_TICKERS_PER_EVENT, 5]
    assert fake.requested_tickers == sorted(tickers)


def test_execution_names_are_shared_within_a_minute_and_valid_for_step_functions() -> None:
    name = execution_name(["MSFT", "AAPL"], NOW)

    assert name == execution_name(["AAPL", "MSFT"], NOW.replace(second=59))
    assert name != execution_name(["AAPL", "MSFT"], NOW + timedelta(minutes=1))
    assert name != execution_name(["AAPL"], NOW)
    assert name.startswith("sor-20260304T1500-")
    assert len(name) <= 80 and all(c.isalnum() or c == "-" for c in name)


class FakeStepFunctions:
    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.calls: list[dict[str, str]] = []

    def start_execution(self, **kwargs: str) -> dict[str, str]:
        self.calls.append(kwargs)
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "StartExecution")
        return {"executionArn": "arn"}


def test_an_execution_another_router_started_counts_as_started() -> None:
    client = FakeStepFunctions("ExecutionAlreadyExists")

    StepFunctionsStarter(lambda: client, "arn:sm")("sor-x", "{}")

    assert client.calls == [{"stateMachineArn": "arn:sm", "name": "sor-x", "input": "{}"}]


def test_other_start_errors_are_raised() -> None:
    starter = StepFunctionsStarter(lambda: FakeStepFunctions("AccessDeniedException"), "arn:sm")

    with pytest.raises(ClientError):
        starter("sor-x", "{}")


def test_the_step_functions_client_is_built_on_first_use_only() -> None:
    built: list[FakeStepFunctions] = []

    def client() -> FakeStepFunctions:
        built.append(FakeStepFunctions())
        return built[-1]

    starter = StepFunctionsStarter(client, "arn:sm")
    assert built == []
    starter("a", "{}")
    starter("b", "{}")
    assert len(built) == 1 and len(built[0].calls) == 2
