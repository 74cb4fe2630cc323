"""Step Functions: state machines (moto's executor runs them; their Lambda tasks run in-process; an EXPRESS
one may also be started synchronously: `localcloud.moto_patches.sync_executions`)."""

import json
from typing import Any, Required, TypedDict

from localcloud.records import DeployedResource, DeployError
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, json_text, tags


class StateMachineProperties(TypedDict, total=False):
    StateMachineName: str
    RoleArn: Required[str]
    StateMachineType: str
    Definition: dict[str, Any]
    DefinitionString: str
    DefinitionS3Location: dict[str, Any]  # refused: not supported locally
    DefinitionSubstitutions: dict[str, Any]
    LoggingConfiguration: dict[str, Any]
    TracingConfiguration: dict[str, Any]
    Tags: Tags
    EncryptionConfiguration: dict[str, Any]  # no local equivalent


class StateMachine(ResourceProvider[StateMachineProperties]):
    TYPE = "AWS::StepFunctions::StateMachine"
    SUMMARY = (
        "CreateStateMachine (Definition or DefinitionString with "
        "DefinitionSubstitutions); executions run in moto's executor, Lambda tasks in-process"
    )

    def create(self, request: ResourceRequest[StateMachineProperties]) -> DeployedResource:
        props = request.properties
        if props.get("DefinitionS3Location") is not None:
            raise DeployError("DefinitionS3Location is not supported locally (Definition or DefinitionString)")
        definition = props.get("Definition")
        if definition is not None:
            text = json_text(definition)
        elif "DefinitionString" in props:
            text = str(props["DefinitionString"])
        else:
            raise DeployError("required property DefinitionString is missing")
        for key, value in (props.get("DefinitionSubstitutions") or {}).items():
            text = text.replace("${" + key + "}", value if isinstance(value, str) else json.dumps(value))
        name = props.get("StateMachineName") or request.physical_name(max_length=80)
        call: dict[str, Any] = {
            "name": name,
            "definition": text,
            "roleArn": props["RoleArn"],
            "type": props.get("StateMachineType", "STANDARD"),
        }
        for key, api_key in (
            ("LoggingConfiguration", "loggingConfiguration"),
            ("TracingConfiguration", "tracingConfiguration"),
        ):
            value = props.get(key)
            if value is not None:
                call[api_key] = _camel_keys(value)
        if props.get("Tags"):
            call["tags"] = [{"key": tag["Key"], "value": tag["Value"]} for tag in tags(props.get("Tags"))]
        arn = request.client("stepfunctions").create_state_machine(**call)["stateMachineArn"]
        return request.resource(arn, {"Arn": arn, "Name": name, "StateMachineRevisionId": arn})


def _camel_keys(value: Any) -> Any:
    """CloudFormation's PascalCase keys in the Step Functions API's camelCase."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel_keys(item) for item in value]
    return value


PROVIDERS = (StateMachine,)
