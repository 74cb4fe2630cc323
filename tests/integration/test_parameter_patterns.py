"""The enumerated SSM parameters (`bus-type`, `market-data-invoke-mode`, `auto-top-up`) under moto.

The deployed parameters carry an `AllowedPattern` (constructs_lib.parameters), which AWS checks on
PutParameter. moto itself does not: it stores the pattern but accepts any value, with or without the pattern
in the call (pinned here, so this file says so when moto starts enforcing it). These tests run on moto's own
SSM: the local cloud's check (localcloud.moto_patches.ssm, tests/localcloud/test_ssm_patterns.py) refuses
such a put only while a local cloud's runtime is active, and none is here, even when tests/localcloud ran
earlier in the same process. So the functions check again when they read: a value such as `KAFKA` put around
the pattern (as plain moto lets it be) is a configuration error naming the parameter and its allowed values,
not an order "that could not be routed".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from constructs_lib.parameters import ENUMERATED_PARAMETERS, allowed_patterns
from trading_core.bus.events import BusEvent
from trading_core.bus.publishers import SelectingPublisher, bus_type_reader
from trading_core.common.environment import InvalidParameter
from trading_core.common.ssm import ssm_reader
from trading_core.contracts import BUS_TYPE_PARAMETER, MARKET_DATA_INVOKE_MODE_PARAMETER, ROUTER_SOURCE
from trading_core.market_data.requests import MarketDataRequest, MarketDataRequester, invoke_mode_reader

PREFIX = "/trading-system/test"
REGION = "eu-west-1"


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_PARAMETERS_MAX_AGE", "0")
    with mock_aws():
        client = boto3.client("ssm", region_name=REGION)
        for name, pattern in allowed_patterns().items():
            client.put_parameter(
                Name=f"{PREFIX}/{name}",
                Value=ENUMERATED_PARAMETERS[name][0],
                Type="String",
                AllowedPattern=pattern,
            )
        yield client


def test_the_patterns_accept_exactly_the_contract_values() -> None:
    patterns = allowed_patterns()
    assert patterns[BUS_TYPE_PARAMETER] == "^(EVENT-BRIDGE|SNS)$"
    assert patterns[MARKET_DATA_INVOKE_MODE_PARAMETER] == "^(EventBridge|StepFunctionAPIs)$"
    for name, values in ENUMERATED_PARAMETERS.items():
        pattern = re.compile(patterns[name])
        assert all(pattern.search(value) for value in values), name
        for wrong in ("KAFKA", "", values[0].lower(), f" {values[0]}", f"{values[0]}|x"):
            if wrong not in values:
                assert not pattern.search(wrong), (name, wrong)


def test_moto_keeps_the_pattern_but_does_not_enforce_it(ssm: Any) -> None:
    """moto's own PutParameter (no local cloud active): the local cloud and AWS refuse this put."""
    name = f"{PREFIX}/{BUS_TYPE_PARAMETER}"
    [described] = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    assert described["AllowedPattern"] == "^(EVENT-BRIDGE|SNS)$"

    ssm.put_parameter(Name=name, Value="KAFKA", Type="String", Overwrite=True)  # AWS and the local cloud refuse it

    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "KAFKA"


def test_a_bus_type_put_around_the_pattern_is_a_configuration_error(ssm: Any) -> None:
    ssm.put_parameter(Name=f"{PREFIX}/{BUS_TYPE_PARAMETER}", Value="KAFKA", Type="String", Overwrite=True)
    publisher = SelectingPublisher(bus_type_reader(ssm_reader(PREFIX)), _Unused(), _Unused())

    with pytest.raises(InvalidParameter) as raised:
        publisher.publish([BusEvent(source=ROUTER_SOURCE, detail_type="Orders", detail={"orders": []})])

    assert str(raised.value) == (
        "configuration error: SSM parameter bus-type is 'KAFKA'; allowed values: EVENT-BRIDGE, SNS"
    )


def test_an_invoke_mode_put_around_the_pattern_requests_nothing(ssm: Any, caplog: pytest.LogCaptureFixture) -> None:
    ssm.put_parameter(
        Name=f"{PREFIX}/{MARKET_DATA_INVOKE_MODE_PARAMETER}", Value="Carrier-Pigeon", Type="String", Overwrite=True
    )
    requester = MarketDataRequester(
        invoke_mode=invoke_mode_reader(ssm_reader(PREFIX)),
        stale_tickers=lambda tickers, _now: tickers,
        events=_Unused(),
        start_execution=_unused_start,
    )

    assert requester.request(["AAPL"]) == MarketDataRequest(tickers=("AAPL",), failed=True)
    assert any(
        "market-data-invoke-mode is 'Carrier-Pigeon'; allowed values: EventBridge, StepFunctionAPIs" in r.getMessage()
        for r in caplog.records
        if r.levelname == "ERROR"
    )


class _Unused:
    def publish(self, events: list[BusEvent]) -> None:
        raise AssertionError("nothing may be published")


def _unused_start(name: str, payload: str) -> None:
    raise AssertionError("no execution may start")
