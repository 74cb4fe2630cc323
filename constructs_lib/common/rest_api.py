"""The REST APIs' common shape: built from their documents (`trading_core.api`), API key on every method the
document says, access logs, tracing, and the project's error body on every answer API Gateway makes itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib.common.nag import acknowledge
from constructs_lib.stage_config import StageConfig
from trading_core import contracts
from trading_core.api.spec import ApiDocument, Operation

JSON: Final = "application/json"
ERROR_TEMPLATE: Final = '{"message": $context.error.messageString, "errors": []}'
"""The project's error body around API Gateway's own message (`messageString` is already a quoted JSON string).
Gateway response templates are not VTL: simple `$context` substitution only."""
JSON_CONTENT_TYPE: Final = {"Content-Type": f"'{JSON}'"}
ERROR_RESPONSES: Final = (
    ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
    ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
)
"""Every error API Gateway answers itself (unknown route 403, missing key 403, throttling 429, a failed
function 502, ...) keeps its status and gets the project's body."""


@dataclass(frozen=True, kw_only=True)
class TradingRestApiProps:
    config: StageConfig
    document: ApiDocument
    """The API's definition: its name (the API is `trading-system-<stage>-<name>`), every route."""


@dataclass(frozen=True, kw_only=True)
class ServiceIntegration:
    """How an operation without a function (`Operation.function` None) is served: API Gateway calls an AWS
    service itself (the manager API's StartExecution)."""

    integration: apigw.Integration
    request_validator: apigw.IRequestValidator | None = None
    request_models: Mapping[str, apigw.IModel] = field(default_factory=dict)
    method_responses: Sequence[apigw.MethodResponse] = ()


def request_parameters(operation: Operation) -> dict[str, bool]:
    """API Gateway's method request parameters: path ones required, query ones optional (the function answers a
    missing or malformed one with a field-level 400), headers as the document says."""
    out: dict[str, bool] = {}
    for parameter in operation.parameters:
        if parameter.location == "path":
            out[f"method.request.path.{parameter.name}"] = True
        elif parameter.location == "query":
            out[f"method.request.querystring.{parameter.name}"] = False
        else:
            out[f"method.request.header.{parameter.name}"] = parameter.required
    return out


class TradingRestApi(Construct):
    """A regional RestApi whose stage is named after the stage, with every route of its document."""

    document: ApiDocument
    api: apigw.RestApi
    access_logs: logs.LogGroup
    validator: apigw.RequestValidator
    methods: dict[tuple[str, str], apigw.Method]
    """(method, document path) -> the method created for that operation."""

    def __init__(self, scope: Construct, id: str, *, props: TradingRestApiProps) -> None:
        super().__init__(scope, id)
        config = props.config
        self.document = props.document
        api_name = config.resource_name(props.document.name)
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
            description=props.document.title,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,  # the account-level role: stacks/account_stack.py (one per account and region)
            default_method_options=apigw.MethodOptions(api_key_required=True),
            deploy_options=apigw.StageOptions(
                stage_name=config.stage,
                # `api_docs` serves every API: the stage says which document is this API's.
                variables={contracts.OPENAPI_DOCUMENT_STAGE_VARIABLE: props.document.name},
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
        for response_id, response_type in ERROR_RESPONSES:
            self.api.add_gateway_response(
                response_id,
                type=response_type,
                templates={JSON: ERROR_TEMPLATE},
                response_headers=JSON_CONTENT_TYPE,
            )
        # Parameters are checked at the edge; bodies by the function (pydantic, field-level 4xx messages),
        # so the local cloud and AWS answer bad input alike.
        self.validator = self.api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=False
        )
        self.methods = {}
        acknowledge(
            self.api,
            {
                "AwsSolutions-APIG2": "Parameters are validated by API Gateway; bodies by the function's pydantic "
                "models, which answer 4xx with field-level messages.",
                "AwsSolutions-APIG3": "No WAF in this reference deployment: every method but the public OpenAPI "
                "document requires an API key bound to a throttled, quota-limited usage plan.",
                "AwsSolutions-APIG4": "Methods are authorized by API key (usage plan with throttling and quota), "
                "the access model of this back office's clients; GET /openapi.json (the API's description) is "
                "public on purpose.",
                "AwsSolutions-COG4": "API keys are used instead of a Cognito user pool authorizer (machine clients).",
            },
        )

    def add_operations(
        self,
        functions: Mapping[str, lambda_.IFunction],
        services: Mapping[str, ServiceIntegration] | None = None,
    ) -> dict[tuple[str, str], apigw.Method]:
        """One method per operation of the document: a Lambda proxy to `functions[operation.function]`, or the
        service integration `services[operation.operation_id]` for an operation without a function.

        Fails at synth when the document names a function or service not given, or a given one serves nothing:
        the routes and the document cannot drift apart."""
        services = services or {}
        document = self.document
        unused = set(functions) - set(document.functions)
        unused_services = set(services) - {op.operation_id for op in document.operations if op.function is None}
        if unused or unused_services:
            served = sorted(unused | unused_services)
            raise ValueError(f"{document.name}: nothing of the document is served by {served}")
        integrations: dict[str, apigw.Integration] = {}
        added: dict[tuple[str, str], apigw.Method] = {}
        for operation in document.operations:
            resource = self._resource(operation.path)
            if operation.function is None:
                if operation.operation_id not in services:
                    raise ValueError(f"{document.name}: no service integration for {operation.operation_id}")
                service = services[operation.operation_id]
                method = resource.add_method(
                    operation.method,
                    service.integration,
                    api_key_required=operation.api_key_required,
                    request_validator=service.request_validator or self.validator,
                    request_parameters=request_parameters(operation) or None,
                    request_models=dict(service.request_models) or None,
                    method_responses=list(service.method_responses) or None,
                    operation_name=operation.operation_id,
                )
            else:
                if operation.function not in functions:
                    raise ValueError(f"{document.name}: no function {operation.function} for {operation.operation_id}")
                if operation.function not in integrations:
                    integrations[operation.function] = apigw.LambdaIntegration(
                        functions[operation.function], allow_test_invoke=False
                    )
                method = resource.add_method(
                    operation.method,
                    integrations[operation.function],
                    api_key_required=operation.api_key_required,
                    request_validator=self.validator,
                    request_parameters=request_parameters(operation) or None,
                    operation_name=operation.operation_id,
                )
            added[(operation.method, operation.path)] = method
        self.methods |= added
        return added

    def _resource(self, path: str) -> apigw.IResource:
        relative = path.strip("/")
        return self.api.root.resource_for_path(relative) if relative else self.api.root

    @property
    def url(self) -> str:
        return self.api.url

    @property
    def openapi_url(self) -> str:
        """`<url>openapi.json`: the URL of the document's `api_docs` operation."""
        (docs,) = self.document.operations_of(contracts.API_DOCS_FUNCTION)
        return self.api.url + docs.path.lstrip("/")

    @property
    def stage(self) -> apigw.Stage:
        return self.api.deployment_stage
