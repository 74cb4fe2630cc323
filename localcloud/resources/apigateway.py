"""API Gateway REST APIs: the API, its resources and methods, validators, models and gateway responses.

Each is created in moto and recorded in the deployment's `ApiCatalog`, which `localcloud.gateway`
serves (moto's own REST API emulation is not what answers the requests).
"""

import json
from collections.abc import Mapping
from typing import Any, Required, TypedDict

from localcloud.gateway import gateway_responses, vtl
from localcloud.gateway.catalog import (
    ApiMethod,
    ApiResource,
    AwsServiceIntegration,
    GatewayResponse,
    IntegrationResponse,
    RestApi,
    function_arn_from_uri,
    service_action_from_uri,
)
from localcloud.records import DeployedResource, DeployError
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, tag_map

AWS_INTEGRATION_KEYS = frozenset(
    {
        "Type",
        "Uri",
        "IntegrationHttpMethod",
        "Credentials",
        "PassthroughBehavior",
        "RequestTemplates",
        "IntegrationResponses",
        "TimeoutInMillis",
    }
)


def rest_api(request: ResourceRequest[Any], api_id: str) -> RestApi:
    """The catalog's API a resource belongs to (a `RestApiId` of another origin cannot be served)."""
    apis = request.deployment.catalog.apis
    if api_id not in apis:
        raise DeployError(f"RestApiId {api_id} is not a RestApi of the templates")
    return apis[api_id]


def checked_template(template: str, what: str) -> str:
    """A mapping template the VTL subset of `localcloud.gateway.vtl` renders, else the start stops here."""
    try:
        vtl.check(template)
    except vtl.TemplateError as error:
        raise DeployError(f"{what}: {error}") from None
    return template


class RestApiProperties(TypedDict, total=False):
    Name: Required[str]
    Description: str
    BinaryMediaTypes: list[str]
    ApiKeySourceType: str
    MinimumCompressionSize: int
    DisableExecuteApiEndpoint: bool
    EndpointConfiguration: dict[str, Any]
    Tags: Tags
    Body: dict[str, Any]  # refused: imported API definitions
    BodyS3Location: dict[str, Any]  # refused
    CloneFrom: str  # refused
    Policy: dict[str, Any]  # resource policy: not enforced locally
    FailOnWarnings: bool
    Parameters: dict[str, Any]
    Mode: str


class RestApiProvider(ResourceProvider[RestApiProperties]):
    TYPE = "AWS::ApiGateway::RestApi"
    SUMMARY = "CreateRestApi; served by the gateway"

    def create(self, request: ResourceRequest[RestApiProperties]) -> DeployedResource:
        props = request.properties
        for unsupported in ("Body", "BodyS3Location", "CloneFrom"):
            if props.get(unsupported) is not None:
                raise DeployError(f"{unsupported} (imported API definitions) is not supported locally")
        call: dict[str, Any] = {"name": props["Name"]}
        for key, api_key in (
            ("Description", "description"),
            ("BinaryMediaTypes", "binaryMediaTypes"),
            ("ApiKeySourceType", "apiKeySource"),
            ("MinimumCompressionSize", "minimumCompressionSize"),
            ("DisableExecuteApiEndpoint", "disableExecuteApiEndpoint"),
        ):
            value = props.get(key)
            if value is not None:
                call[api_key] = value
        endpoint = props.get("EndpointConfiguration")
        if endpoint:
            call["endpointConfiguration"] = {"types": endpoint.get("Types", ["EDGE"])}
        if props.get("Tags"):
            call["tags"] = tag_map(props.get("Tags"))
        client = request.client("apigateway")
        api = client.create_rest_api(**call)
        root = next(item["id"] for item in client.get_resources(restApiId=api["id"])["items"] if item["path"] == "/")
        request.deployment.catalog.apis[api["id"]] = RestApi(
            id=api["id"],
            name=call["name"],
            logical_id=request.logical_id,
            root_resource_id=root,
            resources={root: ApiResource(id=root, parent_id=None, path_part="")},
        )
        return request.resource(api["id"], {"RootResourceId": root, "RestApiId": api["id"]})


class ResourceProperties(TypedDict):
    RestApiId: str
    ParentId: str
    PathPart: str


class Resource(ResourceProvider[ResourceProperties]):
    TYPE = "AWS::ApiGateway::Resource"
    SUMMARY = "CreateResource; routed by the gateway"

    def create(self, request: ResourceRequest[ResourceProperties]) -> DeployedResource:
        props = request.properties
        api = rest_api(request, props["RestApiId"])
        parent, part = props["ParentId"], props["PathPart"]
        created = request.client("apigateway").create_resource(restApiId=api.id, parentId=parent, pathPart=part)
        api.resources[created["id"]] = ApiResource(id=created["id"], parent_id=parent, path_part=part)
        return request.resource(created["id"], {"ResourceId": created["id"]})


class MethodProperties(TypedDict, total=False):
    RestApiId: Required[str]
    ResourceId: Required[str]
    HttpMethod: Required[str]
    Integration: Required[dict[str, Any]]
    AuthorizationType: str
    ApiKeyRequired: bool
    RequestParameters: dict[str, Any]
    RequestValidatorId: str
    OperationName: str
    RequestModels: dict[str, str]
    MethodResponses: list[dict[str, Any]]  # documentation of the answers: the integration makes them
    AuthorizationScopes: list[str]
    AuthorizerId: str


class Method(ResourceProvider[MethodProperties]):
    TYPE = "AWS::ApiGateway::Method"
    SUMMARY = (
        "PutMethod + PutIntegration (AWS_PROXY to Lambda, or AWS to a service action with "
        "mapping templates); the gateway enforces ApiKeyRequired, required parameters and request models"
    )

    def create(self, request: ResourceRequest[MethodProperties]) -> DeployedResource:
        props = request.properties
        client = request.client("apigateway")
        api = rest_api(request, props["RestApiId"])
        resource_id = props["ResourceId"]
        http_method = str(props["HttpMethod"]).upper()
        authorization = props.get("AuthorizationType", "NONE")
        if authorization != "NONE":
            raise DeployError(f"AuthorizationType {authorization} is not supported locally")
        integration = props["Integration"]
        integration_type = integration.get("Type")
        function_arn, service = "", None
        if integration_type == "AWS_PROXY":
            function_arn = function_arn_from_uri(integration["Uri"])
        elif integration_type == "AWS":
            service = _service_integration(integration)
        else:
            raise DeployError(f"Integration.Type {integration_type} is not supported locally (AWS_PROXY, AWS)")
        request_parameters = props.get("RequestParameters") or {}
        call: dict[str, Any] = {
            "restApiId": api.id,
            "resourceId": resource_id,
            "httpMethod": http_method,
            "authorizationType": authorization,
            "apiKeyRequired": bool(props.get("ApiKeyRequired", False)),
        }
        if request_parameters:
            call["requestParameters"] = {key: bool(value) for key, value in request_parameters.items()}
        validator_id = props.get("RequestValidatorId")
        if validator_id:
            call["requestValidatorId"] = validator_id
        if props.get("OperationName"):
            call["operationName"] = props.get("OperationName")
        request_models = {str(k): str(v) for k, v in (props.get("RequestModels") or {}).items()}
        client.put_method(**call)
        client.put_integration(
            restApiId=api.id,
            resourceId=resource_id,
            httpMethod=http_method,
            type=integration_type,
            integrationHttpMethod=integration.get("IntegrationHttpMethod", "POST"),
            uri=integration["Uri"],
        )
        required = tuple(
            key.removeprefix("method.request.")
            for key, value in request_parameters.items()
            if value in (True, "true") and not key.startswith("method.request.path.")
        )
        api.resources[resource_id].methods[http_method] = ApiMethod(
            http_method=http_method,
            api_key_required=call["apiKeyRequired"],
            integration_type=integration_type,
            function_arn=function_arn,
            required_parameters=required,
            validator_id=validator_id,
            request_models=request_models,
            aws=service,
        )
        return request.resource(f"{api.id}-{resource_id}-{http_method}")


def _service_integration(integration: Mapping[str, Any]) -> AwsServiceIntegration:
    """An `AWS` integration the gateway can run: an action URI and templates the VTL subset renders."""
    try:
        region, service, action = service_action_from_uri(str(integration.get("Uri", "")))
    except ValueError as error:
        raise DeployError(str(error)) from None
    unsupported = sorted(set(integration) - AWS_INTEGRATION_KEYS)
    if unsupported:
        raise DeployError(f"Integration {', '.join(unsupported)} not supported locally for AWS integrations")
    responses = []
    for response in integration.get("IntegrationResponses") or []:
        extra = sorted(set(response) - {"StatusCode", "SelectionPattern", "ResponseTemplates"})
        if extra:
            raise DeployError(f"IntegrationResponses {', '.join(extra)} not supported locally")
        responses.append(
            IntegrationResponse(
                status_code=str(response["StatusCode"]),
                selection_pattern=response.get("SelectionPattern") or None,
                templates={
                    str(k): checked_template(str(v), "mapping template")
                    for k, v in (response.get("ResponseTemplates") or {}).items()
                },
            )
        )
    templates = {
        str(k): checked_template(str(v), "mapping template")
        for k, v in (integration.get("RequestTemplates") or {}).items()
    }
    return AwsServiceIntegration(
        service=service,
        action=action,
        region=region,
        request_templates=templates,
        passthrough_behavior=str(integration.get("PassthroughBehavior", "WHEN_NO_MATCH")),
        responses=tuple(responses),
        credentials=str(integration["Credentials"]) if integration.get("Credentials") else None,
    )


class RequestValidatorProperties(TypedDict, total=False):
    RestApiId: Required[str]
    Name: str
    ValidateRequestBody: bool
    ValidateRequestParameters: bool


class RequestValidator(ResourceProvider[RequestValidatorProperties]):
    TYPE = "AWS::ApiGateway::RequestValidator"
    SUMMARY = "CreateRequestValidator; the gateway checks required parameters and bodies"

    def create(self, request: ResourceRequest[RequestValidatorProperties]) -> DeployedResource:
        props = request.properties
        api = rest_api(request, props["RestApiId"])
        body = bool(props.get("ValidateRequestBody", False))
        parameters = bool(props.get("ValidateRequestParameters", False))
        created = request.client("apigateway").create_request_validator(
            restApiId=api.id,
            name=props.get("Name") or request.logical_id,
            validateRequestBody=body,
            validateRequestParameters=parameters,
        )
        api.validators[created["id"]] = (body, parameters)
        return request.resource(created["id"], {"RequestValidatorId": created["id"]})


class ModelProperties(TypedDict, total=False):
    RestApiId: Required[str]
    Name: str
    Schema: dict[str, Any] | str
    ContentType: str
    Description: str


class Model(ResourceProvider[ModelProperties]):
    TYPE = "AWS::ApiGateway::Model"
    SUMMARY = "CreateModel; the gateway validates bodies against its JSON schema"

    def create(self, request: ResourceRequest[ModelProperties]) -> DeployedResource:
        props = request.properties
        api = rest_api(request, props["RestApiId"])
        name = props.get("Name") or request.physical_name()
        schema = props.get("Schema") or {}
        if isinstance(schema, str):
            schema = json.loads(schema)
        call: dict[str, Any] = {
            "restApiId": api.id,
            "name": name,
            "contentType": props.get("ContentType") or "application/json",
            "schema": json.dumps(schema),
        }
        if props.get("Description"):
            call["description"] = props.get("Description")
        request.client("apigateway").create_model(**call)
        api.models[name] = schema
        return request.resource(name)


class GatewayResponseProperties(TypedDict, total=False):
    RestApiId: Required[str]
    ResponseType: Required[str]
    StatusCode: str
    ResponseTemplates: dict[str, str]
    ResponseParameters: dict[str, str]


class GatewayResponseProvider(ResourceProvider[GatewayResponseProperties]):
    TYPE = "AWS::ApiGateway::GatewayResponse"
    SUMMARY = (
        "PutGatewayResponse; the gateway answers the errors it generates with it (or DEFAULT_4XX/5XX): "
        "status, headers and simple-substitution templates"
    )

    def create(self, request: ResourceRequest[GatewayResponseProperties]) -> DeployedResource:
        props = request.properties
        api = rest_api(request, props["RestApiId"])
        response_type = props["ResponseType"]
        status = props.get("StatusCode")
        templates = {str(k): str(v) for k, v in (props.get("ResponseTemplates") or {}).items()}
        parameters = {str(k): str(v) for k, v in (props.get("ResponseParameters") or {}).items()}
        for media_type, template in templates.items():
            try:
                gateway_responses.check_template(template)
            except gateway_responses.TemplateError as error:
                raise DeployError(f"ResponseTemplates {media_type}: {error}") from None
        for name, source in parameters.items():
            try:
                gateway_responses.check_parameter(name, source)
            except gateway_responses.TemplateError as error:
                raise DeployError(f"ResponseParameters {error}") from None
        call: dict[str, Any] = {"restApiId": api.id, "responseType": response_type, "responseTemplates": templates}
        if status:
            call["statusCode"] = str(status)
        if parameters:
            call["responseParameters"] = parameters
        request.client("apigateway").put_gateway_response(**call)
        api.gateway_responses[response_type] = GatewayResponse(int(status) if status else None, templates, parameters)
        return request.resource(f"{api.id}-{response_type}")


PROVIDERS = (RestApiProvider, Resource, Method, RequestValidator, Model, GatewayResponseProvider)
