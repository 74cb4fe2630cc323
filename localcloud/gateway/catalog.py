"""What the gateway serves, as the deployer records it from the templates' `AWS::ApiGateway::*` resources."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IntegrationResponse:
    status_code: str
    selection_pattern: str | None = None
    templates: dict[str, str] = field(default_factory=dict)  # content type -> mapping template


@dataclass(frozen=True)
class AwsServiceIntegration:
    """An `AWS` integration calling one action of a service (e.g. states StartExecution)."""

    service: str
    action: str
    region: str
    request_templates: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"
    responses: tuple[IntegrationResponse, ...] = ()
    credentials: str | None = None  # the role API Gateway assumes to call the action (IAM checks its policies)

    def response_for(self, status: int) -> IntegrationResponse | None:
        """The response whose pattern matches the status code, else the default (no pattern)."""
        for response in self.responses:
            if response.selection_pattern and re.fullmatch(response.selection_pattern, str(status)):
                return response
        return next((response for response in self.responses if not response.selection_pattern), None)


@dataclass
class ApiMethod:
    http_method: str
    api_key_required: bool
    integration_type: str
    function_arn: str
    required_parameters: tuple[str, ...] = ()  # e.g. "querystring.date", "header.x-id"
    validator_id: str | None = None
    request_models: dict[str, str] = field(default_factory=dict)  # content type -> model name
    aws: AwsServiceIntegration | None = None


@dataclass(frozen=True)
class GatewayResponse:
    """An `AWS::ApiGateway::GatewayResponse`: how one type of gateway-generated error is answered."""

    status_code: int | None
    templates: dict[str, str] = field(default_factory=dict)  # media type -> simple-substitution template
    parameters: dict[str, str] = field(default_factory=dict)  # gatewayresponse.header.<name> -> source


@dataclass
class ApiResource:
    id: str
    parent_id: str | None
    path_part: str
    methods: dict[str, ApiMethod] = field(default_factory=dict)


@dataclass
class RestApi:
    id: str
    name: str
    logical_id: str
    root_resource_id: str
    resources: dict[str, ApiResource] = field(default_factory=dict)
    validators: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # id → (body, parameters)
    stages: dict[str, dict[str, str]] = field(default_factory=dict)  # stage name → stage variables
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # model name → JSON schema
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)  # response type → response

    def path_of(self, resource_id: str) -> str:
        parts: list[str] = []
        resource = self.resources[resource_id]
        while resource.parent_id is not None:
            parts.append(resource.path_part)
            resource = self.resources[resource.parent_id]
        return "/" + "/".join(reversed(parts))

    def children(self, resource_id: str) -> list[ApiResource]:
        return [resource for resource in self.resources.values() if resource.parent_id == resource_id]


@dataclass
class ApiKey:
    id: str
    name: str
    value: str
    enabled: bool


@dataclass
class UsagePlan:
    id: str
    name: str
    stages: set[tuple[str, str]] = field(default_factory=set)  # (restApiId, stage)
    key_ids: set[str] = field(default_factory=set)


@dataclass
class ApiCatalog:
    """What the gateway serves, as the deployer recorded it from the templates."""

    apis: dict[str, RestApi] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    plans: dict[str, UsagePlan] = field(default_factory=dict)

    def key_for(self, api_id: str, stage: str, value: str | None) -> ApiKey | None:
        """The enabled key with this value that a usage plan of the API stage holds."""
        if not value:
            return None
        for plan in self.plans.values():
            if (api_id, stage) not in plan.stages:
                continue
            for key_id in plan.key_ids:
                key = self.keys.get(key_id)
                if key is not None and key.enabled and key.value == value:
                    return key
        return None

    def routes(self) -> Iterable[tuple[RestApi, str, str, ApiMethod]]:
        """(api, resource path, http method, method) for every method of every API."""
        for api in self.apis.values():
            for resource in api.resources.values():
                for http_method, method in resource.methods.items():
                    yield api, api.path_of(resource.id), http_method, method


_SERVICE_ACTION_URI = re.compile(r"^arn:aws[\w-]*:apigateway:([\w-]+):([\w.-]+):action/(\w+)$")


def service_action_from_uri(uri: str) -> tuple[str, str, str]:
    """(region, service, action) of an `AWS` integration URI; the `path/` form is not supported."""
    match = _SERVICE_ACTION_URI.match(uri)
    if match is None:
        raise ValueError(f"not an AWS service action integration URI (…:<service>:action/<Action>): {uri}")
    region, service, action = match.groups()
    return region, service, action


def function_arn_from_uri(uri: str) -> str:
    """The function of `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`."""
    marker = ":lambda:path/2015-03-31/functions/"
    if marker not in uri or not uri.endswith("/invocations"):
        raise ValueError(f"not a Lambda integration URI: {uri!r}")
    return uri.split(marker, 1)[1][: -len("/invocations")]
