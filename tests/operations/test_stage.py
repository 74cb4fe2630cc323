"""The stage, region and endpoint come from the outputs file, as `cdk deploy --outputs-file` or `make run` write it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from operations.redrive.stage import OutputsError, clients_for, read_stage

SERVICE = {
    "OrdersApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/prod/",
    "OrdersTopicArn": "arn:aws:sns:eu-west-1:210987654321:trading-system-prod-orders",
}


def outputs(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(document))
    return path


def test_a_deployed_stage_s_outputs_give_its_name_and_the_region_of_its_arns(tmp_path: Path) -> None:
    path = outputs(
        tmp_path, {"TradingSystem-prod-Data": {"TradesTableName": "t"}, "TradingSystem-prod-Service": SERVICE}
    )

    stage = read_stage(path)

    assert (stage.name, stage.region, stage.endpoint_url, stage.prefix) == (
        "prod",
        "eu-west-1",
        None,
        "trading-system-prod-",
    )
    assert stage.describe() == f"stage prod, AWS, region eu-west-1 (outputs {path})"


def test_the_local_cloud_s_outputs_give_its_endpoint_and_its_clients_use_it_without_real_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    path = outputs(
        tmp_path,
        {
            "TradingSystem-dev-Service": {
                "OrdersTopicArn": "arn:aws:sns:us-east-1:123456789012:trading-system-dev-orders"
            },
            "LocalCloud": {"ApiKey": "k", "AwsEndpointUrl": "http://127.0.0.1:8601"},
        },
    )

    stage = read_stage(path)
    clients = clients_for(stage)

    assert (stage.name, stage.endpoint_url) == ("dev", "http://127.0.0.1:8601")
    assert clients.sqs.meta.endpoint_url == "http://127.0.0.1:8601"
    assert clients.lambda_._request_signer._credentials.access_key == "local"


def test_several_stages_need_one_named_and_a_missing_stage_or_file_is_said(tmp_path: Path) -> None:
    path = outputs(tmp_path, {"TradingSystem-dev-Service": SERVICE, "TradingSystem-prod-Service": SERVICE})

    assert read_stage(path, stage="dev").name == "dev"
    with pytest.raises(OutputsError, match="say which stage"):
        read_stage(path)
    with pytest.raises(OutputsError, match="no stacks of stage qa"):
        read_stage(path, stage="qa")
    with pytest.raises(OutputsError, match="no such file"):
        read_stage(tmp_path / "missing.json")


def test_without_an_arn_the_region_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = outputs(tmp_path, {"TradingSystem-qa-Data": {"TradesTableName": "t"}})
    monkeypatch.setenv("AWS_REGION", "ap-south-1")

    assert read_stage(path).region == "ap-south-1"
    assert read_stage(path, region="us-west-2").region == "us-west-2"
