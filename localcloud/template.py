"""One stack's template as CloudFormation reads it: resource order, parameters, references, outputs.

Resources are created in dependency order (`Ref`, `Fn::GetAtt`, `Fn::Sub` placeholders and
`DependsOn`). Not done, with reasons: template `Rules` (CDK's only rule asserts the bootstrap stack
version read from SSM; there is no bootstrap stack locally and assets never leave the machine);
`Parameters` take their `Default` (an `AWS::SSM::Parameter::Value<…>` parameter is read from moto's SSM
only when a resource refers to it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from localcloud.intrinsics import IntrinsicError, Resolver, references
from localcloud.records import DeployedResource, DeployError


def resource_order(stack_name: str, resources: Mapping[str, Any]) -> list[str]:
    """Logical ids, each after every resource it refers to or depends on (template order among equals)."""
    graph: dict[str, set[str]] = {}
    for logical_id, definition in resources.items():
        depends = definition.get("DependsOn", [])
        needed = set([depends] if isinstance(depends, str) else depends)
        needed |= {
            name for name in references({k: v for k, v in definition.items() if k != "DependsOn"}) if name in resources
        }
        unknown = needed - set(resources)
        if unknown:
            raise DeployError(f"{stack_name}: {logical_id} depends on unknown resources {sorted(unknown)}")
        graph[logical_id] = needed
    order: list[str] = []
    done: set[str] = set()
    pending = list(resources)
    while pending:
        ready = [logical_id for logical_id in pending if graph[logical_id] <= done]
        if not ready:
            raise DeployError(f"{stack_name}: dependency cycle among {sorted(pending)}")
        for logical_id in ready:
            order.append(logical_id)
            done.add(logical_id)
        pending = [logical_id for logical_id in pending if logical_id not in done]
    return order


class _LazySsmParameter:
    """An `AWS::SSM::Parameter::Value<…>` parameter, read from moto's SSM when first referred to."""

    def __init__(self, ssm: Any, name: str) -> None:
        self.ssm = ssm
        self.name = name

    def value(self) -> Any:
        try:
            return self.ssm.get_parameter(Name=self.name)["Parameter"]["Value"]
        except self.ssm.exceptions.ParameterNotFound:
            raise DeployError(f"SSM parameter {self.name} (a template parameter's default) does not exist") from None


class _ParameterValues(dict[str, Any]):
    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        return value.value() if isinstance(value, _LazySsmParameter) else value


def parameter_values(stack_name: str, declared: Mapping[str, Any], ssm: Callable[[], Any]) -> dict[str, Any]:
    """Each parameter's `Default`; `ssm()` gives the SSM client for `AWS::SSM::Parameter::Value<…>` types."""
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if "Default" not in spec:
            raise DeployError(f"{stack_name}: parameter {name} has no Default and the local cloud passes none")
        default = spec["Default"]
        kind = str(spec.get("Type", "String"))
        if kind.startswith("AWS::SSM::Parameter::Value<"):
            values[name] = _LazySsmParameter(ssm(), str(default))
        elif kind == "CommaDelimitedList" or kind.startswith("List<"):
            values[name] = [item.strip() for item in str(default).split(",")]
        else:
            values[name] = default
    return _ParameterValues(values)


def ref_of(stack_name: str, deployed: Mapping[str, DeployedResource], resources: Mapping[str, Any], name: str) -> Any:
    """What `Ref` of a resource gives: its physical id."""
    if name in deployed:
        return deployed[name].physical_id
    if name in resources:
        raise DeployError(f"Ref {name}: the resource is not deployed (false Condition?)")
    raise DeployError(f"Ref {name}: no such resource or parameter in {stack_name}")


def attribute_of(stack_name: str, deployed: Mapping[str, DeployedResource], logical_id: str, attribute: str) -> Any:
    """What `Fn::GetAtt` gives: an attribute its provider returned."""
    resource = deployed.get(logical_id)
    if resource is None:
        raise DeployError(f"Fn::GetAtt {logical_id}.{attribute}: no deployed resource {logical_id} in {stack_name}")
    if resource.skipped is not None:
        raise DeployError(
            f"Fn::GetAtt {logical_id}.{attribute}: {logical_id} ({resource.type}) is skipped: {resource.skipped}"
        )
    if attribute not in resource.attributes:
        known = ", ".join(sorted(resource.attributes)) or "none"
        raise DeployError(f"Fn::GetAtt {logical_id}.{attribute}: unknown attribute of {resource.type} ({known})")
    return resource.attributes[attribute]


def outputs(stack_name: str, template: Mapping[str, Any], resolver: Resolver) -> tuple[dict[str, Any], dict[str, Any]]:
    """(outputs, exports by export name) of a deployed stack."""
    values: dict[str, Any] = {}
    exports: dict[str, Any] = {}
    for name, output in template.get("Outputs", {}).items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        try:
            values[name] = resolver.resolve(output["Value"])
            if "Export" in output:
                exports[str(resolver.resolve(output["Export"]["Name"]))] = values[name]
        except (DeployError, IntrinsicError) as error:
            raise DeployError(f"{stack_name}: output {name}: {error}") from error
    return values, exports
