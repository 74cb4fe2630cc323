"""A local cloud for the tests: moto started, a `LambdaRuntime` and `Delivery` with short retry delays,
the patches applied; functions registered from the fixture folders."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from localcloud import faults, moto_patches
from localcloud.delivery.streams import Delivery
from localcloud.faults.injector import Injector, unit
from localcloud.iam import enforcement
from localcloud.lambda_runtime.function_spec import FunctionSpec
from localcloud.lambda_runtime.runtime import LambdaRuntime
from tests.localcloud.fixtures import sink

FIXTURES = Path(__file__).parent / "fixtures"
ACCOUNT = "123456789012"
REGION = "us-east-1"
LAMBDA_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},'
    '"Action":"sts:AssumeRole"}]}'
)


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def spec(name: str, folder: str = "recorder", **overrides: Any) -> FunctionSpec:
    values: dict[str, Any] = {
        "name": name,
        "arn": function_arn(name),
        "code_dir": FIXTURES / folder,
        "handler": "handler.lambda_handler",
        "environment": {"GREETING": f"hello from {name}"},
        "layer_dirs": (),
        "timeout_seconds": 3,
        "memory_mb": 256,
    }
    values.update(overrides)
    return FunctionSpec(**values)


@dataclass
class Cloud:
    runtime: LambdaRuntime
    delivery: Delivery

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def function(
        self, name: str, folder: str = "recorder", *, in_moto: bool = False, register: bool = True, **overrides: Any
    ) -> str:
        """Registers a fixture function (and creates it in moto, for the paths that look it up there)."""
        if register:
            self.runtime.register(spec(name, folder, **overrides))
        if in_moto:
            iam = self.client("iam")
            try:
                iam.get_role(RoleName="test")
            except iam.exceptions.NoSuchEntityException:
                iam.create_role(RoleName="test", AssumeRolePolicyDocument=LAMBDA_TRUST)
            self.client("lambda").create_function(
                FunctionName=name,
                Runtime="python3.13",
                Role=f"arn:aws:iam::{ACCOUNT}:role/test",
                Handler="handler.lambda_handler",
                Code={"ZipFile": placeholder_zip()},
            )
        return function_arn(name)

    def queue(self, name: str) -> tuple[str, str]:
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def dead_letter_queue(self, name: str, service: str, source_arn: str) -> tuple[str, str]:
        """A queue whose policy lets `<service>.amazonaws.com` send to it for `source_arn` (an EventBridge
        rule's, an SNS topic's), as CDK writes it for a target's or subscription's dead-letter queue."""
        url, arn = self.queue(name)
        self.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": json.dumps(dead_letter_policy(arn, service, source_arn))}
        )
        return url, arn

    def messages(self, url: str) -> list[dict[str, Any]]:
        return drain_queue(self.client("sqs"), url)


def dead_letter_policy(queue_arn: str, service: str, source_arn: str) -> dict[str, Any]:
    """CDK's queue policy for a dead-letter queue: TLS only, `sqs:SendMessage` for the service from its source."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": f"{service}.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
            },
        ],
    }


def placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return None\n")
    return buffer.getvalue()


@contextmanager
def local_cloud(*, step_functions: bool = False, **runtime_options: Any) -> Iterator[Cloud]:
    """`step_functions=True`: moto runs Step Functions executions (as `LocalCloud` configures it)."""
    sink.reset()
    config: Any = {"stepfunctions": {"execute_state_machine": True}} if step_functions else None
    with mock_aws(config=config):
        runtime = LambdaRuntime(async_retry_delays=(0.0,), **runtime_options)
        delivery = Delivery(runtime, retry_delay=0.0, poll_interval=0.2)
        moto_patches.apply(runtime, delivery)
        try:
            yield Cloud(runtime, delivery)
        finally:
            runtime.close()
    sink.reset()


def create_table(cloud: Cloud, name: str = "trades") -> str:
    """A PK/SK table with a NEW_AND_OLD_IMAGES stream; returns the stream ARN."""
    table = cloud.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(table["TableDescription"]["LatestStreamArn"])


def stream_mapping(cloud: Cloud, stream_arn: str, function: str = "consumer", **overrides: Any) -> None:
    """A stream → Lambda mapping of `function` (a fixture function's name, or an ARN) with Lambda's defaults
    for the tests; `overrides` are `StreamMappingOptions`."""
    options: dict[str, Any] = {
        "uuid": "mapping-1",
        "stream_arn": stream_arn,
        "function": function if function.startswith("arn:") else function_arn(function),
        "batch_size": 100,
        "filters": [],
        "bisect_on_error": False,
        "report_batch_item_failures": False,
        "max_retries": -1,
        "on_failure_arn": None,
        "starting_position": "LATEST",
    }
    options.update(overrides)
    cloud.delivery.add_stream_mapping(**options)


@contextmanager
def enforced_local_cloud() -> Iterator[Cloud]:
    """A local cloud whose functions' AWS requests are checked against their roles (`localcloud.iam`)."""
    with local_cloud() as cloud:
        enforcement.start()
        try:
            yield cloud
        finally:
            enforcement.stop()


def function_with_role(cloud: Cloud, name: str, role_name: str, policy: str | None, folder: str = "recorder") -> str:
    """A function created in moto with a role of its own (and the inline policy `policy`, if any), run from
    the fixture `folder`; its ARN."""
    iam = cloud.client("iam")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    if policy is not None:
        iam.put_role_policy(RoleName=role_name, PolicyName="grants", PolicyDocument=policy)
    arn = cloud.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": placeholder_zip()},
    )["FunctionArn"]
    cloud.runtime.register(spec(name, folder, arn=arn))
    return str(arn)


def drain_queue(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message of the queue, with its attributes, received and deleted."""
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
        "Messages", []
    ):
        found.extend(batch)
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


@contextmanager
def injected_faults(spec: str, seed: int = 0) -> Iterator[Injector]:
    """`localcloud.faults` active with this spec while the block runs (as `LocalCloud` once deployed)."""
    injector = faults.activate(spec, seed)
    try:
        yield injector
    finally:
        faults.deactivate()


def seed_deciding(kind: str, target: str, rate: float, *decisions: bool) -> int:
    """The first seed whose first decisions for (kind, target) at `rate` are `decisions` (True: a fault)."""
    return next(
        seed
        for seed in range(10_000)
        if all((unit(seed, kind, target, number) < rate) == fault for number, fault in enumerate(decisions))
    )
