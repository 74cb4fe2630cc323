"""Lambda building blocks with the project's defaults (docs/architecture.md §7, docs/contracts.md "Functions")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib import LAMBDAS_DIR, SHARED_LAYER_DIR
from constructs_lib.common import powertools
from constructs_lib.common.nag import LATEST_RUNTIME, XRAY_WILDCARD, XRAY_WILDCARD_REASON, acknowledge
from constructs_lib.common.queues import dead_letter_queue
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

RUNTIME: Final = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE: Final = lambda_.Architecture.ARM_64
ASSET_EXCLUDES: Final = ("**/__pycache__", "**/*.pyc")
PARAMETERS_MAX_AGE_SECONDS: Final = "30"
# What a function reads its run-time parameters with: Powertools' `get_parameters_by_name`
# (`trading_core/common/ssm.py`) asks SSM GetParameters for every batch it has not cached; GetParameter would
# only serve a parameter to decrypt, and none is a SecureString.
PARAMETER_READ_ACTIONS: Final = ("ssm:GetParameters",)
RUNTIME_REASON: Final = (
    "Python 3.13 is pinned on purpose: the AWS-managed Powertools v3 layer used is the python313 build and the "
    "code must also run on the local Python; moving to 3.14 is a deliberate upgrade of both."
)


def code_asset(folder: str) -> lambda_.Code:
    """A plain folder asset (no bundling, no Docker) without byte-code, so its hash follows the sources only."""
    return lambda_.Code.from_asset(str(LAMBDAS_DIR / folder), exclude=list(ASSET_EXCLUDES))


@dataclass(frozen=True, kw_only=True)
class SharedCodeLayerProps:
    config: StageConfig


class SharedCodeLayer(Construct):
    """`lambdas/shared_layer` (holds `python/trading_core`) as a layer for Python 3.13 on arm64."""

    layer: lambda_.LayerVersion

    def __init__(self, scope: Construct, id: str, *, props: SharedCodeLayerProps) -> None:
        super().__init__(scope, id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            layer_version_name=props.config.resource_name("shared"),
            code=lambda_.Code.from_asset(str(SHARED_LAYER_DIR), exclude=list(ASSET_EXCLUDES)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="trading_core: the trading domain and its AWS adapters",
            removal_policy=props.config.removal_policy,
        )


@dataclass(frozen=True, kw_only=True)
class TradingFunctionProps:
    config: StageConfig
    name: str
    """The contract name (docs/contracts.md): code folder `lambdas/<name>`, `POWERTOOLS_SERVICE_NAME`."""
    shared_layer: lambda_.ILayerVersion
    description: str = ""
    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    timeout: Duration = field(default_factory=lambda: Duration.seconds(30))
    memory_size: int = 512
    async_invoked: bool = False
    """Invoked asynchronously (EventBridge, SNS, S3): failed events after retries go to an on-failure queue."""


class TradingFunction(Construct):
    """A Python 3.13 arm64 function with JSON logs, X-Ray, its own log group and the Powertools settings."""

    name: str
    function: lambda_.Function
    log_group: logs.LogGroup
    role: iam.Role
    failure_queue: sqs.Queue | None

    def __init__(self, scope: Construct, id: str, *, props: TradingFunctionProps) -> None:
        super().__init__(scope, id)
        config = props.config
        self.name = props.name
        function_name = config.resource_name(props.name.replace("_", "-"))
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        # Our own role instead of AWSLambdaBasicExecutionRole: logs go to this function's log group only.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{function_name}: least privilege, grants added per resource",
        )
        self.log_group.grant_write(self.role)
        # The layer version of the pinned aws-lambda-powertools release (constructs_lib/common/powertools.py).
        table = powertools.table()
        powertools_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "Powertools",
            f"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:{table.publisher}:layer:{table.name}:{powertools.layer_version()}",
        )
        self.failure_queue = (
            dead_letter_queue(self, "FailureQueue", config=config, name=props.name.replace("_", "-"))
            if props.async_invoked
            else None
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=props.description or props.name,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=contracts.HANDLER,
            code=code_asset(props.name),
            layers=[powertools_layer, props.shared_layer],
            memory_size=props.memory_size,
            timeout=props.timeout,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            environment={
                contracts.STAGE_ENV: config.stage,
                contracts.PARAMETER_PREFIX_ENV: config.parameter_prefix,
                "POWERTOOLS_SERVICE_NAME": props.name,
                "POWERTOOLS_METRICS_NAMESPACE": config.metrics_namespace,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                # Powertools caches parameters for 300 s by default; 30 s lets a switch of
                # `bus-type` take effect within a minute without a redeploy (docs/architecture.md §5).
                "POWERTOOLS_PARAMETERS_MAX_AGE": PARAMETERS_MAX_AGE_SECONDS,
                **props.environment,
            },
            on_failure=destinations.SqsDestination(self.failure_queue) if self.failure_queue else None,
            retry_attempts=2 if props.async_invoked else None,
            max_event_age=Duration.hours(6) if props.async_invoked else None,
        )
        acknowledge(self.role, {XRAY_WILDCARD: XRAY_WILDCARD_REASON})
        acknowledge(self.function, {LATEST_RUNTIME: RUNTIME_REASON})

    def grant_parameters_read(self, parameters: Iterable[ssm.IStringParameter]) -> None:
        """`PARAMETER_READ_ACTIONS` on exactly these parameters (their ARNs), never `ssm:*` or a path wildcard
        (`parameter.grant_read` would add DescribeParameters, GetParameter and GetParameterHistory)."""
        arns = [parameter.parameter_arn for parameter in parameters]
        if arns:
            iam.Grant.add_to_principal(grantee=self.function, actions=list(PARAMETER_READ_ACTIONS), resource_arns=arns)

    def add_environment(self, key: str, value: str) -> None:
        self.function.add_environment(key, value)
