"""REST API defaults shared by the Orders and Data APIs: API key on every method, access logs, tracing."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib.common.nag import acknowledge
from constructs_lib.stage_config import StageConfig


@dataclass(frozen=True, kw_only=True)
class TradingRestApiProps:
    config: StageConfig
    name: str
    """Short name: the API is `trading-system-<stage>-<name>`."""
    description: str


class TradingRestApi(Construct):
    """A regional RestApi whose stage is named after the stage; every method requires an API key."""

    api: apigw.RestApi
    access_logs: logs.LogGroup
    validator: apigw.RequestValidator

    def __init__(self, scope: Construct, id: str, *, props: TradingRestApiProps) -> None:
        super().__init__(scope, id)
        config = props.config
        api_name = config.resource_name(props.name)
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{api_name}",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=api_name,
            description=props.description,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,  # the account-level role is ApiGatewayAccount's (one per stack)
            default_method_options=apigw.MethodOptions(api_key_required=True),
            deploy_options=apigw.StageOptions(
                stage_name=config.stage,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
            ),
        )
        # The stacks export the URL under a fixed output name instead of RestApi's generated one.
        self.api.node.try_remove_child("Endpoint")
        # Parameters are checked at the edge; bodies by the function (pydantic, field-level 4xx messages),
        # so the local cloud and AWS answer bad input alike.
        self.validator = self.api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=False
        )
        acknowledge(
            self.api,
            {
                "AwsSolutions-APIG2": "Parameters are validated by API Gateway; bodies by the function's pydantic "
                "models, which answer 4xx with field-level messages.",
                "AwsSolutions-APIG3": "No WAF in this reference deployment: every method requires an API key bound "
                "to a throttled, quota-limited usage plan.",
                "AwsSolutions-APIG4": "Methods are authorized by API key (usage plan with throttling and quota), "
                "the access model of this back office's clients.",
                "AwsSolutions-COG4": "API keys are used instead of a Cognito user pool authorizer (machine clients).",
            },
        )

    @property
    def url(self) -> str:
        return self.api.url

    @property
    def stage(self) -> apigw.Stage:
        return self.api.deployment_stage
