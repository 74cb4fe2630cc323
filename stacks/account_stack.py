"""The account-level setting every stage's REST APIs need: API Gateway's role to write logs to CloudWatch.

`AWS::ApiGateway::Account` is one setting per account and region, so it is not any stage's: this stack,
`TradingSystem-ApiGatewayAccount`, is the same whatever the stage (no stage in its name, tags or template), so
`cdk deploy --all -c stage=prod` after dev's finds it deployed and unchanged, and changes nothing of dev's.
The stages' Service stacks depend on it (their API stages log through the role). It is kept when deleted, as its
role: the account setting outlives any stack and must keep pointing at a role that exists.
"""

from __future__ import annotations

from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.common.nag import acknowledge

ACCOUNT_STACK: Final = "TradingSystem-ApiGatewayAccount"
PUSH_TO_CLOUDWATCH: Final = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayAccountStack(cdk.Stack):
    """A plain `AWS::ApiGateway::Account` with its role (no custom resource)."""

    role: iam.Role
    api_gateway_account: apigw.CfnAccount

    def __init__(self, scope: Construct, id: str = ACCOUNT_STACK, **kwargs: Any) -> None:
        super().__init__(
            scope,
            id,
            description="Trading system: API Gateway's CloudWatch logging role, one per account and region",
            termination_protection=True,
            **kwargs,
        )
        self.role = iam.Role(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(PUSH_TO_CLOUDWATCH)],
        )
        self.role.apply_removal_policy(cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
        self.api_gateway_account = apigw.CfnAccount(self, "Account", cloud_watch_role_arn=self.role.role_arn)
        self.api_gateway_account.apply_removal_policy(cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
        acknowledge(
            self.role,
            {
                f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{PUSH_TO_CLOUDWATCH}]": "The "
                "AWS-managed policy API Gateway documents for its account-level logging role; it covers only log "
                "delivery.",
            },
        )
