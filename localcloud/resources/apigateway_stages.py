"""API Gateway REST APIs published: deployments and stages, and who may call them: API keys, usage plans."""

from typing import Any, Required, TypedDict

from localcloud.gateway.catalog import ApiKey, UsagePlan
from localcloud.records import DeployedResource, DeployError
from localcloud.resources.apigateway import rest_api
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, tag_map


class DeploymentProperties(TypedDict, total=False):
    RestApiId: Required[str]
    Description: str
    StageName: str
    StageDescription: dict[str, Any]  # the stage's settings: recorded only, as for AWS::ApiGateway::Stage
    DeploymentCanarySettings: dict[str, Any]  # no canaries locally


class ApiDeployment(ResourceProvider[DeploymentProperties]):
    TYPE = "AWS::ApiGateway::Deployment"
    SUMMARY = "CreateDeployment"

    def create(self, request: ResourceRequest[DeploymentProperties]) -> DeployedResource:
        props = request.properties
        api = rest_api(request, props["RestApiId"])
        call: dict[str, Any] = {"restApiId": api.id}
        if props.get("Description"):
            call["description"] = props.get("Description")
        stage = props.get("StageName")
        if stage:
            call["stageName"] = stage
            api.stages[stage] = {}
        created = request.client("apigateway").create_deployment(**call)
        return request.resource(created["id"], {"DeploymentId": created["id"]})


class StageProperties(TypedDict, total=False):
    RestApiId: Required[str]
    StageName: Required[str]
    DeploymentId: Required[str]
    Variables: dict[str, Any]
    Description: str
    TracingEnabled: bool
    Tags: Tags
    # Access logs, metrics, logging levels, caching and canaries have no local equivalent.
    AccessLogSetting: dict[str, Any]
    MethodSettings: list[dict[str, Any]]
    CacheClusterEnabled: bool
    CacheClusterSize: str
    ClientCertificateId: str
    CanarySetting: dict[str, Any]
    DocumentationVersion: str


class Stage(ResourceProvider[StageProperties]):
    TYPE = "AWS::ApiGateway::Stage"
    SUMMARY = (
        "CreateStage; the gateway serves /<restApiId>/<stage>/ (access logs, method settings "
        "and tracing are recorded only)"
    )

    def create(self, request: ResourceRequest[StageProperties]) -> DeployedResource:
        props = request.properties
        api = rest_api(request, props["RestApiId"])
        name = props["StageName"]
        variables = {str(k): str(v) for k, v in (props.get("Variables") or {}).items()}
        call: dict[str, Any] = {
            "restApiId": api.id,
            "stageName": name,
            "deploymentId": props["DeploymentId"],
            "variables": variables,
        }
        if props.get("Description"):
            call["description"] = props.get("Description")
        if props.get("TracingEnabled") is not None:
            call["tracingEnabled"] = bool(props.get("TracingEnabled"))
        if props.get("Tags"):
            call["tags"] = tag_map(props.get("Tags"))
        request.client("apigateway").create_stage(**call)
        api.stages[name] = variables
        return request.resource(name)


class AccountProperties(TypedDict, total=False):
    CloudWatchRoleArn: str


class Account(ResourceProvider[AccountProperties]):
    TYPE = "AWS::ApiGateway::Account"
    SUMMARY = "recorded: the CloudWatch role of API Gateway logging; no logs are produced locally"

    def create(self, request: ResourceRequest[AccountProperties]) -> DeployedResource:
        return request.resource(request.physical_name())


class ApiKeyProperties(TypedDict, total=False):
    Name: str
    Enabled: bool
    Description: str
    Value: str
    CustomerId: str
    StageKeys: list[dict[str, Any]]
    Tags: Tags
    GenerateDistinctId: bool  # deprecated by AWS; names are distinct here anyway


class ApiKeyProvider(ResourceProvider[ApiKeyProperties]):
    TYPE = "AWS::ApiGateway::ApiKey"
    SUMMARY = "CreateApiKey; the gateway accepts its value"

    def create(self, request: ResourceRequest[ApiKeyProperties]) -> DeployedResource:
        props = request.properties
        call: dict[str, Any] = {
            "name": props.get("Name") or request.physical_name(max_length=128),
            "enabled": bool(props.get("Enabled", False)),
        }
        for key, api_key in (("Description", "description"), ("Value", "value"), ("CustomerId", "customerId")):
            value = props.get(key)
            if value is not None:
                call[api_key] = value
        stage_keys = props.get("StageKeys")
        if stage_keys:
            call["stageKeys"] = [
                {"restApiId": item.get("RestApiId"), "stageName": item.get("StageName")} for item in stage_keys
            ]
        if props.get("Tags"):
            call["tags"] = tag_map(props.get("Tags"))
        created = request.client("apigateway").create_api_key(**call)
        request.deployment.catalog.keys[created["id"]] = ApiKey(
            id=created["id"], name=call["name"], value=created["value"], enabled=call["enabled"]
        )
        return request.resource(created["id"], {"APIKeyId": created["id"]})


class UsagePlanProperties(TypedDict, total=False):
    UsagePlanName: str
    ApiStages: list[dict[str, Any]]
    Description: str
    Throttle: dict[str, Any]
    Quota: dict[str, Any]
    Tags: Tags


class UsagePlanProvider(ResourceProvider[UsagePlanProperties]):
    TYPE = "AWS::ApiGateway::UsagePlan"
    SUMMARY = "CreateUsagePlan; the gateway accepts its keys on its API stages (throttle and quota are not enforced)"

    def create(self, request: ResourceRequest[UsagePlanProperties]) -> DeployedResource:
        props = request.properties
        name = props.get("UsagePlanName") or request.physical_name()
        stages = props.get("ApiStages") or []
        call: dict[str, Any] = {
            "name": name,
            "apiStages": [{"apiId": item["ApiId"], "stage": item["Stage"]} for item in stages],
        }
        if props.get("Description"):
            call["description"] = props.get("Description")
        throttle = props.get("Throttle")
        if throttle:
            call["throttle"] = {"burstLimit": int(throttle["BurstLimit"]), "rateLimit": float(throttle["RateLimit"])}
        quota = props.get("Quota")
        if quota:
            call["quota"] = {
                "limit": int(quota["Limit"]),
                "offset": int(quota.get("Offset", 0)),
                "period": quota["Period"],
            }
        if props.get("Tags"):
            call["tags"] = tag_map(props.get("Tags"))
        created = request.client("apigateway").create_usage_plan(**call)
        request.deployment.catalog.plans[created["id"]] = UsagePlan(
            id=created["id"], name=name, stages={(item["ApiId"], item["Stage"]) for item in stages}
        )
        return request.resource(created["id"], {"Id": created["id"]})


class UsagePlanKeyProperties(TypedDict):
    UsagePlanId: str
    KeyId: str
    KeyType: str


class UsagePlanKey(ResourceProvider[UsagePlanKeyProperties]):
    TYPE = "AWS::ApiGateway::UsagePlanKey"
    SUMMARY = "CreateUsagePlanKey"

    def create(self, request: ResourceRequest[UsagePlanKeyProperties]) -> DeployedResource:
        props = request.properties
        plan_id, key_id = props["UsagePlanId"], props["KeyId"]
        request.client("apigateway").create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType=props["KeyType"])
        plans = request.deployment.catalog.plans
        if plan_id not in plans:
            raise DeployError(f"usage plan {plan_id} is not a UsagePlan of the templates")
        plans[plan_id].key_ids.add(key_id)
        return request.resource(f"{plan_id}:{key_id}", {"Id": f"{plan_id}:{key_id}"})


PROVIDERS = (ApiDeployment, Stage, Account, ApiKeyProvider, UsagePlanProvider, UsagePlanKey)
