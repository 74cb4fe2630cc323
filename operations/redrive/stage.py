"""Where the redrive works, read from an outputs file: `cdk deploy --outputs-file` writes one (stacks, each with
its outputs), the local cloud's `outputs.json` has the same shape plus a `LocalCloud` block with its AWS
endpoint. The stage is the one the stack names carry (`TradingSystem-<stage>-Data`, `-Service`), the region the
one the outputs' ARNs carry; against the local cloud the clients go to its endpoint with placeholder
credentials, against AWS they use the default credential chain.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import boto3
from botocore.config import Config

DEFAULT_OUTPUTS: Final = Path(".localcloud/outputs.json")
"""What `make run` writes."""
STACK_NAME: Final = re.compile(r"^TradingSystem-(?P<stage>[A-Za-z0-9]+)-(?:Data|Service)$")
"""`stacks.app_builder.stack_names` (tests/unit/test_redrive_stage.py checks they agree)."""
LOCAL_CLOUD_BLOCK: Final = "LocalCloud"
LOCAL_ENDPOINT_KEY: Final = "AwsEndpointUrl"
ARN_REGION: Final = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):")
LOCAL_CREDENTIALS: Final = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
"""The local cloud accepts any: these keep a user's real credentials from being sent even to loopback."""
INVOKE_READ_TIMEOUT_SECONDS: Final = 900
"""Lambda's longest timeout: a synchronous replay waits for the function's answer."""


class OutputsError(ValueError):
    """The outputs file does not say which stage, region or endpoint to work on."""


def resource_prefix(stage: str) -> str:
    """Every physical name of the stage starts with it (`constructs_lib.stage_config.StageConfig.prefix` + `-`)."""
    return f"trading-system-{stage}-"


@dataclass(frozen=True, kw_only=True)
class Stage:
    name: str
    region: str
    endpoint_url: str | None
    """The local cloud's AWS endpoint; None for AWS itself."""
    outputs_file: Path

    @property
    def prefix(self) -> str:
        return resource_prefix(self.name)

    def describe(self) -> str:
        where = f"local cloud {self.endpoint_url}" if self.endpoint_url else "AWS"
        return f"stage {self.name}, {where}, region {self.region} (outputs {self.outputs_file})"


def read_stage(path: Path, *, stage: str | None = None, region: str | None = None) -> Stage:
    """The stage the outputs file describes (`stage` picks one when it holds several, and must be among them)."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise OutputsError(f"{path}: no such file (make run writes {DEFAULT_OUTPUTS}; else OUTPUTS=<file>)") from None
    except ValueError as error:
        raise OutputsError(f"{path}: not JSON ({error})") from None
    if not isinstance(document, dict):
        raise OutputsError(f"{path}: not an outputs file (expected an object of stacks)")
    stages = stages_of(document)
    name = _chosen(path, stages, stage)
    stacks = [outputs for key, outputs in document.items() if _stage_of(key) == name and isinstance(outputs, dict)]
    local = document.get(LOCAL_CLOUD_BLOCK)
    endpoint = local.get(LOCAL_ENDPOINT_KEY) if isinstance(local, dict) else None
    return Stage(
        name=name,
        region=region or region_of(stacks) or _environment_region(path),
        endpoint_url=str(endpoint) if endpoint else None,
        outputs_file=path,
    )


def stages_of(document: dict[str, Any]) -> list[str]:
    return sorted({stage for key in document if (stage := _stage_of(key)) is not None})


def _stage_of(stack_name: str) -> str | None:
    match = STACK_NAME.match(stack_name)
    return match.group("stage") if match else None


def _chosen(path: Path, stages: list[str], stage: str | None) -> str:
    if stage is not None:
        if stage not in stages:
            found = ", ".join(stages) or "none"
            raise OutputsError(f"{path}: no stacks of stage {stage} (stages found: {found})")
        return stage
    if len(stages) != 1:
        found = ", ".join(stages) or "none"
        raise OutputsError(f"{path}: say which stage (STAGE=<name>; stages found: {found})")
    return stages[0]


def region_of(stacks: list[dict[str, Any]]) -> str | None:
    """The region of the first ARN among the outputs (the topic's, the workflows')."""
    for outputs in stacks:
        for value in outputs.values():
            match = ARN_REGION.match(value) if isinstance(value, str) else None
            if match:
                return match.group("region")
    return None


def _environment_region(path: Path) -> str:
    found = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not found:
        raise OutputsError(f"{path}: no ARN gives the region; set AWS_REGION")
    return found


@dataclass(frozen=True, kw_only=True)
class Clients:
    """The services the redrive reads and replays through (boto3 clients)."""

    sqs: Any
    events: Any
    sns: Any
    lambda_: Any
    streams: Any
    stepfunctions: Any


def clients_for(stage: Stage) -> Clients:
    session = (
        boto3.Session(region_name=stage.region, **LOCAL_CREDENTIALS)
        if stage.endpoint_url
        else boto3.Session(region_name=stage.region)
    )
    config = Config(retries={"mode": "standard", "max_attempts": 3})
    invoking = Config(read_timeout=INVOKE_READ_TIMEOUT_SECONDS, retries={"mode": "standard", "max_attempts": 3})

    def client(service: str, with_config: Config = config) -> Any:
        return session.client(service, endpoint_url=stage.endpoint_url, config=with_config)

    return Clients(
        sqs=client("sqs"),
        events=client("events"),
        sns=client("sns"),
        lambda_=client("lambda", invoking),
        streams=client("dynamodbstreams"),
        stepfunctions=client("stepfunctions"),
    )
