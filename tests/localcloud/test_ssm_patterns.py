"""Patch 11: the local SSM refuses a value that does not match the parameter's AllowedPattern, as AWS does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.deployer import DeployError
from tests.localcloud.support import Cloud, local_cloud
from tests.localcloud.test_deployer import deployer, only

NAME = "/app/dev/bus-type"
PATTERN = "^(EVENT-BRIDGE|SNS)$"


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


@pytest.fixture
def ssm(cloud: Cloud) -> Any:
    client = cloud.client("ssm")
    client.put_parameter(Name=NAME, Value="EVENT-BRIDGE", Type="String", AllowedPattern=PATTERN)
    return client


def refusal(raised: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response: Any = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def current(ssm: Any, name: str = NAME) -> tuple[str, int]:
    parameter = ssm.get_parameter(Name=name)["Parameter"]
    return parameter["Value"], parameter["Version"]


def test_a_value_that_matches_the_pattern_is_stored(ssm: Any) -> None:
    assert current(ssm) == ("EVENT-BRIDGE", 1)
    assert ssm.put_parameter(Name=NAME, Value="SNS", Type="String", Overwrite=True)["Version"] == 2
    assert current(ssm) == ("SNS", 2)


def test_an_overwrite_without_a_pattern_is_checked_against_the_stored_one_and_changes_nothing(ssm: Any) -> None:
    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(Name=NAME, Value="KAFKA", Type="String", Overwrite=True)

    assert refusal(raised) == (
        400,
        "ParameterPatternMismatchException",
        f"Parameter value, cannot be validated against allowedPattern: {PATTERN}",
    )
    assert isinstance(raised.value, ssm.exceptions.ParameterPatternMismatchException)
    assert current(ssm) == ("EVENT-BRIDGE", 1)
    assert [p["Value"] for p in ssm.get_parameter_history(Name=NAME)["Parameters"]] == ["EVENT-BRIDGE"]
    # the next accepted put is version 2: the refused one took no version number
    assert ssm.put_parameter(Name=NAME, Value="SNS", Overwrite=True)["Version"] == 2


def test_a_new_parameter_whose_value_does_not_match_is_not_created(cloud: Cloud) -> None:
    ssm = cloud.client("ssm")
    with pytest.raises(ssm.exceptions.ParameterPatternMismatchException):
        ssm.put_parameter(Name="/app/dev/mode", Value="Carrier-Pigeon", Type="String", AllowedPattern="^(A|B)$")
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/app/dev/mode")
    assert ssm.describe_parameters()["Parameters"] == []


def test_the_pattern_given_on_an_overwrite_is_the_one_checked_and_then_kept(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.ParameterPatternMismatchException) as raised:
        ssm.put_parameter(Name=NAME, Value="SNS", Overwrite=True, AllowedPattern="^KAFKA$")
    assert refusal(raised)[2].endswith(": ^KAFKA$")

    ssm.put_parameter(Name=NAME, Value="KAFKA", Overwrite=True, AllowedPattern="^KAFKA$")

    assert current(ssm) == ("KAFKA", 2)
    with pytest.raises(ssm.exceptions.ParameterPatternMismatchException):
        ssm.put_parameter(Name=NAME, Value="SNS", Overwrite=True)
    assert current(ssm) == ("KAFKA", 2)


def test_a_parameter_without_a_pattern_accepts_any_value(cloud: Cloud) -> None:
    ssm = cloud.client("ssm")
    ssm.put_parameter(Name="/app/dev/free", Value="anything", Type="String")
    ssm.put_parameter(Name="/app/dev/free", Value="KAFKA, or \n anything else", Overwrite=True)
    ssm.put_parameter(Name="/app/dev/empty-pattern", Value="x", Type="String", AllowedPattern="")
    ssm.put_parameter(Name="/app/dev/empty-pattern", Value="y", Overwrite=True)

    assert current(ssm, "/app/dev/free") == ("KAFKA, or \n anything else", 2)
    assert current(ssm, "/app/dev/empty-pattern") == ("y", 2)


def test_the_pattern_must_match_the_whole_value(cloud: Cloud) -> None:
    """AWS's walkthrough: `--allowed-pattern "\\d{1,4}"` refuses `10,000` (a search would find `10`)."""
    ssm = cloud.client("ssm")
    ssm.put_parameter(Name="/MyService/Test/MaxConnections", Value="100", Type="String", AllowedPattern=r"\d{1,4}")
    with pytest.raises(ssm.exceptions.ParameterPatternMismatchException) as raised:
        ssm.put_parameter(Name="/MyService/Test/MaxConnections", Value="10,000", Type="String", Overwrite=True)
    assert refusal(raised)[2] == r"Parameter value, cannot be validated against allowedPattern: \d{1,4}"
    # `$` alone would let a trailing newline through
    with pytest.raises(ssm.exceptions.ParameterPatternMismatchException):
        ssm.put_parameter(Name=NAME, Value="SNS\n", Type="String", AllowedPattern=PATTERN)


def test_a_pattern_that_is_no_regular_expression_is_refused(cloud: Cloud) -> None:
    ssm = cloud.client("ssm")
    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(Name="/app/dev/broken", Value="x", Type="String", AllowedPattern="(unclosed")
    assert refusal(raised)[:2] == (400, "InvalidAllowedPatternException")
    assert ssm.describe_parameters()["Parameters"] == []


def test_moto_decides_its_own_refusals_first(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.ParameterAlreadyExists):
        ssm.put_parameter(Name=NAME, Value="KAFKA", Type="String")
    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(Name=NAME, Value="", Type="String", Overwrite=True)
    assert refusal(raised)[1] == "ValidationException"
    assert current(ssm) == ("EVENT-BRIDGE", 1)


def test_without_an_active_runtime_moto_accepts_the_value_as_before() -> None:
    with local_cloud() as cloud:
        ssm = cloud.client("ssm")
        ssm.put_parameter(Name=NAME, Value="SNS", Type="String", AllowedPattern=PATTERN)
        cloud.runtime.close()
        ssm.put_parameter(Name=NAME, Value="KAFKA", Type="String", Overwrite=True)
        assert current(ssm) == ("KAFKA", 2)


def test_a_template_parameter_whose_value_does_not_match_fails_the_deploy(tmp_path: Path, cloud: Cloud) -> None:
    properties = {"Name": NAME, "Type": "String", "Value": "KAFKA", "AllowedPattern": PATTERN}
    template = only({"BusType": {"Type": "AWS::SSM::Parameter", "Properties": properties}})

    with pytest.raises(
        DeployError, match=r"BusType \(AWS::SSM::Parameter\): ParameterPatternMismatchException"
    ) as raised:
        deployer(tmp_path, {"Config": template}).deploy_all()

    assert "cannot be validated against allowedPattern" in str(raised.value)
    assert cloud.client("ssm").describe_parameters()["Parameters"] == []


def test_a_template_parameter_whose_value_matches_deploys(tmp_path: Path, cloud: Cloud) -> None:
    properties = {"Name": NAME, "Type": "String", "Value": "SNS", "AllowedPattern": PATTERN}
    deployer(
        tmp_path, {"Config": only({"BusType": {"Type": "AWS::SSM::Parameter", "Properties": properties}})}
    ).deploy_all()

    assert current(cloud.client("ssm")) == ("SNS", 1)
