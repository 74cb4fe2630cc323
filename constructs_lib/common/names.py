"""Why each kind of resource that has one keeps a fixed physical name (docs/architecture.md §6).

A fixed name is a cost where the resource is retained: after `cdk destroy` (or a deletion of the stack) the
retained table, bucket, log group or queue keeps its name, and the next deployment of the stage fails with
"already exists" until it is imported (`cdk import`) or deleted (README "Deploy a stage"). The stateful ones are
retained on delete and replacement but removed when the stack's first creation rolls back
(`RETAIN_ON_UPDATE_OR_DELETE`, stage setting `removalPolicy`), so a failed first deployment leaves nothing behind.
Each entry says why the name must stay fixed anyway; `tests/infrastructure/test_fixed_names.py` fails on a
resource of the prod templates with an explicit name whose type is not listed here, or listed without a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

STATEFUL_TYPES: Final = frozenset({"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::SQS::Queue"})
"""What holds data: retained on delete and replacement where the stage retains (`retain-on-update-or-delete`)."""

FIXED_NAMES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        # type: (the property naming it, why the name is fixed)
        "AWS::DynamoDB::Table": (
            "TableName",
            "the stage's data outlives the stack: a retained table is taken back by its name (`cdk import`, a "
            "point-in-time restore, the operators' `aws dynamodb` calls); a generated name would give a redeploy "
            "a new empty table beside the retained one",
        ),
        "AWS::S3::Bucket": (
            "BucketName",
            "as the tables (retained data, taken back by name), and `<prefix>-<name>-<account>-<region>` is "
            "computable in any stack, so the Service stack's grants and notifications need no cross-stack reference",
        ),
        "AWS::Logs::LogGroup": (
            "LogGroupName",
            "`/aws/lambda/<function>`, `/aws/vendedlogs/states/<workflow>` and `/aws/apigateway/<api>` are where the "
            "Lambda, Step Functions and API Gateway consoles and `aws logs tail` look; the logs are retained with "
            "their retention period",
        ),
        "AWS::SQS::Queue": (
            "QueueName",
            "`make redrive` (operations/redrive) finds a stage's dead-letter queues by the prefix "
            "`trading-system-<stage>-` and reports each by name",
        ),
        "AWS::Lambda::Function": (
            "FunctionName",
            "the function names of docs/contracts.md: the invocations between functions, `make redrive`'s replay "
            "targets and the log group paths use them; deleted with the stack",
        ),
        "AWS::SSM::Parameter": (
            "Name",
            "the functions read `/trading-system/<stage>/<parameter>` (`PARAMETER_PREFIX`) and operators switch "
            "`bus-type` by that path; deleted with the stack",
        ),
        "AWS::Events::EventBus": (
            "Name",
            "events are put on the stage's bus by name (README, `make redrive`'s discovery); deleted with the stack",
        ),
        "AWS::Events::Rule": (
            "Name",
            "a dead-lettered event carries its rule's ARN, by which `make redrive` finds the target to replay it "
            "to; deleted with the stack",
        ),
        "AWS::SNS::Topic": (
            "TopicName",
            "`make redrive` finds the stage's topics by the stage's prefix, and the alarm topic `<prefix>-alarms` is "
            "what an operator subscribes to (its mails name it); deleted with the stack",
        ),
        "AWS::StepFunctions::StateMachine": (
            "StateMachineName",
            "workflow A and B are named in the outputs, the README and their log group path; deleted with the stack",
        ),
        "AWS::Lambda::LayerVersion": (
            "LayerName",
            "a layer name holds versions: a new version under the same name never conflicts with a retained one",
        ),
        "AWS::ApiGateway::RestApi": ("Name", "API Gateway names are labels (the id is generated): never a conflict"),
        "AWS::ApiGateway::ApiKey": ("Name", "a label (the key's id is generated): never a conflict"),
        "AWS::ApiGateway::UsagePlan": ("UsagePlanName", "a label (the plan's id is generated): never a conflict"),
        "AWS::ApiGateway::Model": ("Name", "named within its API, as the API document names the body schema"),
        "AWS::CloudWatch::Dashboard": (
            "DashboardName",
            'one dashboard per stage, `<prefix>-operations`, found by name in the console (README "Operations"); '
            "deleted with the stack",
        ),
    }
)
