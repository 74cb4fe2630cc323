"""The deployer against moto, on a small hand-written cloud assembly: two stacks, assets, a repo folder.

The Lambda runtime and the event delivery are stand-ins that record what the deployer hands them
(the real ones are tested with the local cloud end to end, in tests/e2e).
"""

from __future__ import annotations

import json
import types
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.app import AppConfig
from localcloud.assembly import CloudAssembly
from localcloud.deployer import Deployer
from localcloud.records import DeployError
from localcloud.resources.registry import HANDLED_TYPES, REGISTRY, SKIPPED_TYPES

ASSET = "a" * 64
LAYER_ASSET = "b" * 64
HANDLER_SOURCE = "def lambda_handler(event, context):\n    return event\n"
REPO_ROOT = Path(__file__).resolve().parents[2]
POWERTOOLS = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"


class RuntimeStandIn:
    """Records registrations; a custom resource's function answers on its ResponseURL as told."""

    def __init__(self) -> None:
        self.specs: dict[str, Any] = {}
        self.async_configs: dict[str, dict[str, Any]] = {}
        self.invocations: list[dict[str, Any]] = []
        self.answer: dict[str, Any] = {"Status": "SUCCESS", "PhysicalResourceId": "seeded", "Data": {"Count": "3"}}

    def register(self, spec: Any) -> None:
        self.specs[spec.name] = spec

    def configure_async(self, name_or_arn: str, *, max_retries: int, on_failure_arn: str | None) -> None:
        self.async_configs[name_or_arn] = {"max_retries": max_retries, "on_failure_arn": on_failure_arn}

    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        self.invocations.append(event)
        document = {**self.answer, "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"]}
        request = urllib.request.Request(event["ResponseURL"], data=json.dumps(document).encode(), method="PUT")
        urllib.request.urlopen(request, timeout=5).read()
        return None, False


class DeliveryStandIn:
    def __init__(self) -> None:
        self.mappings: list[dict[str, Any]] = []

    def add_stream_mapping(self, **mapping: Any) -> None:
        self.mappings.append(mapping)


def function(code_key: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": extra.pop("name", "fn"),
            "Runtime": "python3.13",
            "Handler": "handler.lambda_handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"S3Bucket": {"Fn::Sub": "cdk-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": code_key},
            **extra,
        },
    }


DATA: dict[str, Any] = {
    "Parameters": {
        "BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/cdk-bootstrap/hnb659fds/version",
        }
    },
    "Conditions": {"Never": {"Fn::Equals": [{"Ref": "AWS::Region"}, "mars-1"]}},
    "Rules": {"CheckBootstrapVersion": {"Assertions": []}},
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": "things",
                "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                "SSESpecification": {"SSEEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            },
        },
        "Logs": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "LogsPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "Logs"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Logs", "Arn"]}, "/*"]]},
                        }
                    ],
                },
            },
        },
        "Bucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": {"Fn::Sub": "things-${AWS::AccountId}"},
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "LifecycleConfiguration": {
                    "Rules": [{"Id": "old", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]
                },
                "LoggingConfiguration": {"DestinationBucketName": {"Ref": "Logs"}, "LogFilePrefix": "things/"},
                "Tags": [{"Key": "Project", "Value": "x"}],
            },
        },
        "Never": {"Type": "AWS::SQS::Queue", "Condition": "Never", "Properties": {"QueueName": "never"}},
        "Meta": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:x"}},
    },
    "Outputs": {
        "TableName": {"Value": {"Ref": "Table"}},
        "StreamArn": {"Value": {"Fn::GetAtt": ["Table", "StreamArn"]}},
        "BucketName": {"Value": {"Ref": "Bucket"}, "Export": {"Name": "things-bucket"}},
    },
}

SERVICE: dict[str, Any] = {
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
                ],
            },
        },
        "RolePolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "RolePolicy",
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
                },
            },
        },
        "Layer": {
            "Type": "AWS::Lambda::LayerVersion",
            "Properties": {"LayerName": "shared", "Content": {"S3Bucket": "assets", "S3Key": f"{LAYER_ASSET}.zip"}},
        },
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "dlq", "MessageRetentionPeriod": 1209600}},
        "DlqPolicy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": "Dlq"}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*"}]},
            },
        },
        "Function": function(
            f"{ASSET}.zip",
            Environment={
                "Variables": {
                    "TABLE": {
                        "Fn::GetStackOutput": {"StackName": "Data", "Region": "us-east-1", "OutputName": "TableName"}
                    },
                    "BUCKET": {"Fn::ImportValue": "things-bucket"},
                    "SIZE": 10,
                }
            },
            Layers=[POWERTOOLS, {"Ref": "Layer"}],
            Timeout=30,
            MemorySize=512,
        ),
        "FunctionInvokeConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Function"},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 1,
                "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
            },
        },
        "Mapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "FunctionName": {"Ref": "Function"},
                "EventSourceArn": {
                    "Fn::GetStackOutput": {"StackName": "Data", "Region": "us-east-1", "OutputName": "StreamArn"}
                },
                "BatchSize": 25,
                "StartingPosition": "TRIM_HORIZON",
                "BisectBatchOnFunctionError": True,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "MaximumRetryAttempts": 3,
                "FilterCriteria": {"Filters": [{"Pattern": '{"eventName":["INSERT"]}'}]},
                "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
                "MaximumBatchingWindowInSeconds": 1,
            },
        },
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "bus"}},
        "Rule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventBusName": {"Ref": "Bus"},
                "EventPattern": {"source": ["Orders"]},
                "State": "ENABLED",
                "Targets": [
                    {
                        "Id": "Target0",
                        "Arn": {"Fn::GetAtt": ["Function", "Arn"]},
                        "InputPath": "$.detail",
                        "RetryPolicy": {"MaximumRetryAttempts": 4},
                        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}},
                    }
                ],
            },
        },
        "RulePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Fn::GetAtt": ["Function", "Arn"]},
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]},
            },
        },
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "orders"}},
        "TopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "Topic"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sns:Publish"}],
                },
            },
        },
        "Subscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "Topic"},
                "Protocol": "lambda",
                "Endpoint": {"Fn::GetAtt": ["Function", "Arn"]},
                "FilterPolicy": {"source": ["Orders"]},
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}},
            },
        },
        "Parameter": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/app/bus-type", "Type": "String", "Value": "EVENT-BRIDGE"},
        },
        "LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": "/aws/lambda/fn", "RetentionInDays": 7},
        },
        "Notifications": {
            "Type": "Custom::S3BucketNotifications",
            "Properties": {
                "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:cdk-handler",
                "BucketName": {"Fn::ImportValue": "things-bucket"},
                "NotificationConfiguration": {
                    "LambdaFunctionConfigurations": [
                        {
                            "Events": ["s3:ObjectCreated:*"],
                            "LambdaFunctionArn": {"Fn::GetAtt": ["Function", "Arn"]},
                            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "settled/"}]}},
                        }
                    ]
                },
                "Managed": False,
            },
        },
        "Seed": {
            "Type": "Custom::Seed",
            "DependsOn": ["Notifications"],
            "Properties": {
                "ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]},
                "Customers": ["000001", "000002"],
                "Count": 2,
                "Enabled": True,
            },
        },
        "Api": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {"Name": "api", "EndpointConfiguration": {"Types": ["REGIONAL"]}},
        },
        "ApiItems": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "items",
            },
        },
        "ApiItem": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": {"Ref": "ApiItems"}, "PathPart": "{id}"},
        },
        "ApiValidator": {
            "Type": "AWS::ApiGateway::RequestValidator",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ValidateRequestBody": False,
                "ValidateRequestParameters": True,
            },
        },
        "ApiItemGet": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Ref": "ApiItem"},
                "HttpMethod": "GET",
                "AuthorizationType": "NONE",
                "ApiKeyRequired": True,
                "RequestParameters": {"method.request.path.id": True, "method.request.querystring.day": True},
                "RequestValidatorId": {"Ref": "ApiValidator"},
                "Integration": {
                    "Type": "AWS_PROXY",
                    "IntegrationHttpMethod": "POST",
                    "Uri": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/",
                                {"Fn::GetAtt": ["Function", "Arn"]},
                                "/invocations",
                            ],
                        ]
                    },
                },
            },
        },
        "ApiDeployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": ["ApiItemGet"],
            "Properties": {"RestApiId": {"Ref": "Api"}},
        },
        "ApiStage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "DeploymentId": {"Ref": "ApiDeployment"},
                "StageName": "dev",
                "MethodSettings": [{"HttpMethod": "*", "ResourcePath": "/*", "MetricsEnabled": True}],
            },
        },
        "ApiAccount": {
            "Type": "AWS::ApiGateway::Account",
            "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["Role", "Arn"]}},
        },
        "ApiKey": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Name": "clients", "Enabled": True}},
        "Plan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "Properties": {
                "UsagePlanName": "plan",
                "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "ApiStage"}}],
                "Throttle": {"BurstLimit": 10, "RateLimit": 5},
                "Quota": {"Limit": 1000, "Period": "DAY"},
            },
        },
        "PlanKey": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {"UsagePlanId": {"Ref": "Plan"}, "KeyId": {"Ref": "ApiKey"}, "KeyType": "API_KEY"},
        },
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "Errors"}},
    },
    "Outputs": {
        "ApiUrl": {
            "Value": {
                "Fn::Join": [
                    "",
                    [
                        "https://",
                        {"Ref": "Api"},
                        ".execute-api.us-east-1.",
                        {"Ref": "AWS::URLSuffix"},
                        "/",
                        {"Ref": "ApiStage"},
                        "/",
                    ],
                ]
            }
        },
        "Seeded": {"Value": {"Fn::GetAtt": ["Seed", "Count"]}},
        "SeedId": {"Value": {"Ref": "Seed"}},
        "ApiKeyId": {"Value": {"Ref": "ApiKey"}},
    },
}


def write_assembly(root: Path, stacks: dict[str, dict[str, Any]], *, asset_matches_repo: bool = True) -> Path:
    """A cloud assembly as `cdk synth` writes it, and a repo folder the function asset was copied from."""
    repo = root / "repo"
    (repo / "lambdas" / "fn").mkdir(parents=True)
    (repo / "lambdas" / "fn" / "handler.py").write_text(HANDLER_SOURCE)
    (repo / "lambdas" / "fn" / "__pycache__").mkdir()
    (repo / "lambdas" / "fn" / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00")
    (repo / "lambdas" / "other").mkdir()
    (repo / "lambdas" / "other" / "handler.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    (repo / "lambdas" / "layer" / "python" / "core").mkdir(parents=True)
    (repo / "lambdas" / "layer" / "python" / "core" / "__init__.py").write_text("")

    out = root / "cdk.out"
    (out / f"asset.{ASSET}").mkdir(parents=True)
    source = HANDLER_SOURCE if asset_matches_repo else HANDLER_SOURCE + "# changed since\n"
    (out / f"asset.{ASSET}" / "handler.py").write_text(source)
    (out / f"asset.{LAYER_ASSET}" / "python" / "core").mkdir(parents=True)
    (out / f"asset.{LAYER_ASSET}" / "python" / "core" / "__init__.py").write_text("")
    artifacts: dict[str, Any] = {}
    previous: str | None = None
    for name, template in stacks.items():
        (out / f"{name}.template.json").write_text(json.dumps(template))
        files = {
            digest: {
                "source": {"path": f"asset.{digest}", "packaging": "zip"},
                "destinations": {"current": {"bucketName": "assets", "objectKey": f"{digest}.zip"}},
            }
            for digest in (ASSET, LAYER_ASSET)
        }
        (out / f"{name}.assets.json").write_text(json.dumps({"version": "55.0.0", "files": files}))
        artifacts[f"{name}.assets"] = {"type": "cdk:asset-manifest", "properties": {"file": f"{name}.assets.json"}}
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/us-east-1",
            "properties": {"templateFile": f"{name}.template.json"},
            "dependencies": [f"{name}.assets", *([previous] if previous else [])],
        }
        previous = name
    # The manifest lists the dependent stack first: the deployer must order by dependencies.
    ordered = dict(reversed(list(artifacts.items())))
    (out / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": ordered}))
    return out


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def deployer(
    tmp_path: Path,
    stacks: dict[str, dict[str, Any]],
    *,
    runtime: RuntimeStandIn | None = None,
    delivery: DeliveryStandIn | None = None,
    asset_matches_repo: bool = True,
) -> Deployer:
    """A deployer of `stacks` with stand-ins for the runtime and the delivery (pass them to inspect them)."""
    out = write_assembly(tmp_path, stacks, asset_matches_repo=asset_matches_repo)
    return Deployer(
        runtime=runtime if runtime is not None else RuntimeStandIn(),
        delivery=delivery if delivery is not None else DeliveryStandIn(),
        assembly=CloudAssembly(out),
        repo_root=tmp_path / "repo",
        state_dir=tmp_path / "state",
        function_spec=types.SimpleNamespace,
    )


def test_two_stacks_deploy_in_dependency_order_with_every_resource_in_moto(tmp_path: Path, aws: None) -> None:
    runtime, delivery = RuntimeStandIn(), DeliveryStandIn()
    deploy = deployer(tmp_path, {"Data": DATA, "Service": SERVICE}, runtime=runtime, delivery=delivery)
    results = deploy.deploy_all()
    assert [result.name for result in results] == ["Data", "Service"]
    data, service = results

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    table = dynamodb.describe_table(TableName="things")["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert data.outputs == {
        "TableName": "things",
        "StreamArn": table["LatestStreamArn"],
        "BucketName": "things-123456789012",
    }
    assert deploy.exports == {"things-bucket": "things-123456789012"}
    assert "Never" not in data.resources
    assert data.resources["Meta"].skipped

    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.get_bucket_versioning(Bucket="things-123456789012")["Status"] == "Enabled"
    assert s3.get_bucket_logging(Bucket="things-123456789012")["LoggingEnabled"]["TargetPrefix"] == "things/"
    notification = s3.get_bucket_notification_configuration(Bucket="things-123456789012")
    assert notification["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"].endswith(":function:fn")

    assert deploy.runtime is runtime
    spec = runtime.specs["fn"]
    assert spec.code_dir == tmp_path / "repo" / "lambdas" / "fn"
    assert spec.layer_dirs == (tmp_path / "repo" / "lambdas" / "layer",)
    assert spec.environment == {"TABLE": "things", "BUCKET": "things-123456789012", "SIZE": "10"}
    assert (spec.handler, spec.timeout_seconds, spec.memory_mb) == ("handler.lambda_handler", 30, 512)
    assert runtime.async_configs[spec.arn] == {
        "max_retries": 1,
        "on_failure_arn": "arn:aws:sqs:us-east-1:123456789012:dlq",
    }

    assert deploy.delivery is delivery
    (mapping,) = delivery.mappings
    assert mapping["stream_arn"] == table["LatestStreamArn"]
    assert mapping["function"] == spec.arn
    assert mapping["filters"] == [{"eventName": ["INSERT"]}]
    assert (mapping["batch_size"], mapping["max_retries"], mapping["starting_position"]) == (25, 3, "TRIM_HORIZON")
    assert mapping["bisect_on_error"] and mapping["report_batch_item_failures"]

    # The custom resource got CloudFormation's Create event, every scalar as a string.
    (event,) = runtime.invocations
    assert event["RequestType"] == "Create"
    assert event["ResourceType"] == "Custom::Seed"
    assert event["ResourceProperties"]["Count"] == "2"
    assert event["ResourceProperties"]["Enabled"] == "true"
    assert event["ResourceProperties"]["Customers"] == ["000001", "000002"]
    assert event["ResponseURL"].startswith("http://127.0.0.1:")
    assert service.outputs["Seeded"] == "3"
    assert service.outputs["SeedId"] == "seeded"

    lambda_client = boto3.client("lambda", region_name="us-east-1")
    configuration = lambda_client.get_function(FunctionName="fn")["Configuration"]
    assert configuration["Environment"]["Variables"]["TABLE"] == "things"
    assert json.loads(lambda_client.get_policy(FunctionName="fn")["Policy"])["Statement"][0]["Principal"]
    events = boto3.client("events", region_name="us-east-1")
    (target,) = events.list_targets_by_rule(
        Rule=service.resources["Rule"].physical_id.split("|")[1], EventBusName="bus"
    )["Targets"]
    assert (target["InputPath"], target["Arn"]) == ("$.detail", spec.arn)
    sns = boto3.client("sns", region_name="us-east-1")
    (subscription,) = sns.list_subscriptions()["Subscriptions"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"source": ["Orders"]}
    ssm = boto3.client("ssm", region_name="us-east-1")
    assert ssm.get_parameter(Name="/app/bus-type")["Parameter"]["Value"] == "EVENT-BRIDGE"

    api_id = service.resources["Api"].physical_id
    assert service.outputs["ApiUrl"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/dev/"
    ((api, path, method, api_method),) = list(deploy.catalog.routes())
    assert (api.id, path, method, api_method.api_key_required) == (api_id, "/items/{id}", "GET", True)
    assert api_method.required_parameters == ("querystring.day",)
    assert api_method.function_arn == spec.arn
    key_value = boto3.client("apigateway", region_name="us-east-1").get_api_key(
        apiKey=service.outputs["ApiKeyId"], includeValue=True
    )["value"]
    assert deploy.catalog.key_for(api_id, "dev", key_value) is not None
    assert service.resources["Alarm"].skipped


def test_an_asset_without_a_twin_in_the_repo_runs_from_cdk_out(tmp_path: Path, aws: None) -> None:
    runtime = RuntimeStandIn()
    deploy = deployer(tmp_path, {"Data": DATA, "Service": SERVICE}, runtime=runtime, asset_matches_repo=False)
    deploy.deploy_all()
    assert runtime.specs["fn"].code_dir == tmp_path / "cdk.out" / f"asset.{ASSET}"


def only(resources: dict[str, Any]) -> dict[str, Any]:
    role = SERVICE["Resources"]["Role"]
    return {"Resources": {"Role": role, **resources}}


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (only({"Thing": {"Type": "AWS::EC2::Instance", "Properties": {}}}), "Thing has type AWS::EC2::Instance"),
        (
            only({"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q", "Unheard": 1}}}),
            r"Q \(AWS::SQS::Queue\): properties not handled by the local cloud: Unheard",
        ),
        (only({"Q": {"Type": "AWS::SQS::Queue", "DependsOn": ["Nope"]}}), "depends on unknown resources"),
        (
            only(
                {
                    "A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"},
                    "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["A", "QueueName"]}}},
                }
            ),
            "dependency cycle",
        ),
        (
            only({"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["Role", "Nope"]}}}}),
            "unknown attribute",
        ),
        (
            only({"F": function("f" * 64 + ".zip")}),
            "is not an asset of the assembly",
        ),
        (
            only({"F": function(f"{ASSET}.zip", Layers=["arn:aws:lambda:us-east-1:999999999999:layer:x:1"])}),
            "neither a layer of the templates nor a known managed layer",
        ),
    ],
)
def test_what_the_local_cloud_cannot_deploy_stops_the_start_naming_it(
    tmp_path: Path, aws: None, template: dict[str, Any], message: str
) -> None:
    with pytest.raises(DeployError, match=message):
        deployer(tmp_path, {"Stack": template}).deploy_all()


def test_an_unknown_type_in_a_later_stack_stops_the_start_before_anything_is_created(tmp_path: Path, aws: None) -> None:
    later = only({"Thing": {"Type": "AWS::EC2::Instance", "Properties": {}}})
    with pytest.raises(DeployError, match="Service: resource Thing has type AWS::EC2::Instance"):
        deployer(tmp_path, {"Data": DATA, "Service": later}).deploy_all()
    assert boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"] == []


def test_a_state_machine_gets_its_definition_with_substitutions(tmp_path: Path) -> None:
    template = only(
        {
            "F": function(f"{ASSET}.zip"),
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": "flow",
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                    "DefinitionString": {
                        "Fn::Join": [
                            "",
                            [
                                '{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"',
                                {"Fn::GetAtt": ["F", "Arn"]},
                            ],
                        ]
                    },
                    "DefinitionSubstitutions": {"End": '","End":true}}}'},
                    "TracingConfiguration": {"Enabled": False},
                },
            },
        }
    )
    template["Resources"]["Machine"]["Properties"]["DefinitionString"]["Fn::Join"][1].append("${End}")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        result = deployer(tmp_path, {"Stack": template}).deploy_all()[0]
        arn = result.resources["Machine"].physical_id
        described = boto3.client("stepfunctions", region_name="us-east-1").describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"])["States"]["Run"] == {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fn",
        "End": True,
    }
    assert result.resources["Machine"].attributes["Name"] == "flow"


def test_list_types_prints_every_type_with_what_is_done_or_why_not() -> None:
    from localcloud.__main__ import list_types

    text = list_types()
    for resource_type, reason in [*HANDLED_TYPES.items(), *SKIPPED_TYPES.items()]:
        assert f"{resource_type:40} {reason}" in text


def test_a_failed_custom_resource_stops_the_start_with_its_reason(tmp_path: Path, aws: None) -> None:
    template = only(
        {
            "F": function(f"{ASSET}.zip"),
            "Seed": {"Type": "Custom::Seed", "Properties": {"ServiceToken": {"Fn::GetAtt": ["F", "Arn"]}}},
        }
    )
    runtime = RuntimeStandIn()
    runtime.answer = {"Status": "FAILED", "Reason": "table missing"}
    deploy = deployer(tmp_path, {"Stack": template}, runtime=runtime)
    with pytest.raises(DeployError, match=r"Seed \(Custom::Seed\).*FAILED: table missing"):
        deploy.deploy_all()


def test_every_type_of_the_table_has_a_provider_or_a_reason() -> None:
    assert not set(HANDLED_TYPES) & set(SKIPPED_TYPES)
    for resource_type in HANDLED_TYPES:
        provider = REGISTRY.provider(resource_type)
        assert provider is not None and resource_type == provider.TYPE, resource_type
        assert provider.SUMMARY, resource_type
    assert REGISTRY.provider("Custom::Anything") is REGISTRY.provider("Custom::*")
    assert all(REGISTRY.provider(resource_type) is None for resource_type in SKIPPED_TYPES)
    assert all(SKIPPED_TYPES.values())


def test_the_market_data_dependencies_layer_deploys_without_joining_sys_path(tmp_path: Path, aws: None) -> None:
    """The unbundled yfinance layer (its requirements only) is published in moto, noted, and kept off `layer_dirs`,
    as the app's `layersNotLoaded` (cdk.json) says."""
    requirements = "yfinance==1.7.0\n"
    repo, out = tmp_path / "repo", tmp_path / "cdk.out"
    for folder, name, text in [
        (repo / "lambdas" / "quote_summary", "handler.py", HANDLER_SOURCE),
        (repo / "lambdas" / "market_data_layer", "requirements.txt", requirements),
        (out / f"asset.{'c' * 64}", "handler.py", HANDLER_SOURCE),
        (out / f"asset.{'d' * 64}", "requirements.txt", requirements),
    ]:
        folder.mkdir(parents=True)
        (folder / name).write_text(text)
    code = {digest: {"S3Bucket": "assets", "S3Key": f"{digest}.zip"} for digest in ("c" * 64, "d" * 64)}
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
            },
            "Deps": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {"LayerName": "market-data-deps", "Content": code["d" * 64]},
            },
            "Fetcher": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": "quote-summary",
                    "Runtime": "python3.13",
                    "Handler": "handler.lambda_handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": code["c" * 64],
                    "Layers": [POWERTOOLS, {"Ref": "Deps"}],
                },
            },
        }
    }
    (out / "Stack.template.json").write_text(json.dumps(template))
    files = {
        digest: {
            "source": {"path": f"asset.{digest}", "packaging": "zip"},
            "destinations": {"current": {"bucketName": "assets", "objectKey": f"{digest}.zip"}},
        }
        for digest in code
    }
    (out / "Stack.assets.json").write_text(json.dumps({"version": "55.0.0", "files": files}))
    artifacts = {
        "Stack.assets": {"type": "cdk:asset-manifest", "properties": {"file": "Stack.assets.json"}},
        "Stack": {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/us-east-1",
            "properties": {"templateFile": "Stack.template.json"},
            "dependencies": ["Stack.assets"],
        },
    }
    (out / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    runtime = RuntimeStandIn()
    deploy = Deployer(
        runtime=runtime,
        delivery=DeliveryStandIn(),
        assembly=CloudAssembly(out),
        repo_root=repo,
        state_dir=tmp_path / "state",
        function_spec=types.SimpleNamespace,
        layers_not_loaded=AppConfig.load(REPO_ROOT).layers_not_loaded,
    )

    (result,) = deploy.deploy_all()

    assert "market-data dependencies layer (yfinance): not loaded locally" in "\n".join(result.notes)
    spec = runtime.specs["quote-summary"]
    assert spec.code_dir == repo / "lambdas" / "quote_summary"
    assert spec.layer_dirs == ()
    layers = boto3.client("lambda", region_name="us-east-1").get_function(FunctionName="quote-summary")
    assert [layer["Arn"] for layer in layers["Configuration"]["Layers"]] == [result.resources["Deps"].physical_id]


def _scheduled_rule(expression: str) -> dict[str, Any]:
    rule = {"Type": "AWS::Events::Rule", "Properties": {"Name": "tick", "ScheduleExpression": expression}}
    return only({"Tick": rule})


def test_a_scheduled_rule_is_put_on_the_timer(tmp_path: Path, aws: None) -> None:
    deploy = deployer(tmp_path, {"Stack": _scheduled_rule("rate(5 minutes)")})
    (stack,) = deploy.deploy_all()
    assert deploy.deployment.scheduler.names == ["tick"]
    assert any("tick: rate(5 minutes) fires locally every 300 s" in note for note in stack.notes)
    rule = boto3.client("events", region_name="us-east-1").describe_rule(Name="tick")
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    deploy.deployment.scheduler.close()


def test_a_cron_schedule_stops_the_start_naming_the_rule(tmp_path: Path, aws: None) -> None:
    with pytest.raises(DeployError, match=r"rule tick: 'cron\(0 12 \* \* \? \*\)': cron schedules are not supported"):
        deployer(tmp_path, {"Stack": _scheduled_rule("cron(0 12 * * ? *)")}).deploy_all()
