"""Deploys a synthesized CDK app (`cdk.out`) into moto, resource by resource, as CloudFormation would.

Stacks deploy in the order of the cloud assembly's dependencies (`localcloud.assembly`); within a
stack, resources in dependency order (`localcloud.template`), each by the provider the registry finds
for its type (`localcloud.resources.registry`) through boto3 against moto (the caller has started
`mock_aws`), after its properties are resolved by `localcloud.intrinsics`. A property its provider does
not declare is an error, so a template change the local cloud would silently drop stops the start
instead; so is a type the registry neither handles nor skips. Deletion and update are not done: the
local cloud lives as long as its process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import boto3

from localcloud.app import LayerNotLoaded
from localcloud.assembly import CloudAssembly
from localcloud.gateway.catalog import ApiCatalog
from localcloud.intrinsics import ACCOUNT_ID, IntrinsicError, Resolver
from localcloud.lambda_runtime.function_spec import FunctionSpec
from localcloud.records import DeployedResource, DeployError, StackResult
from localcloud.resources.base import ResourceRequest
from localcloud.resources.deployment import Deployment, FunctionRecord, Runtime, StreamDelivery
from localcloud.resources.registry import REGISTRY, Registry
from localcloud.resources.shapes import physical_name
from localcloud.sources import SourceFolders
from localcloud.template import attribute_of, outputs, parameter_values, ref_of, resource_order


class Deployer:
    """Deploys every stack of a cloud assembly; keeps what the gateway and the outputs need."""

    def __init__(
        self,
        *,
        runtime: Runtime,
        delivery: StreamDelivery,
        assembly: CloudAssembly,
        repo_root: Path,
        state_dir: Path,
        log: Callable[[str], None] = print,
        account_id: str = ACCOUNT_ID,
        function_spec: Callable[..., Any] = FunctionSpec,
        session: boto3.session.Session | None = None,
        layers_not_loaded: Sequence[LayerNotLoaded] = (),
        registry: Registry = REGISTRY,
    ) -> None:
        self.assembly = assembly
        self.log = log
        self.account_id = account_id
        self.registry = registry
        self.deployment = Deployment(
            runtime=runtime,
            delivery=delivery,
            assembly=assembly,
            sources=SourceFolders(repo_root, excluded=[assembly.directory, state_dir]),
            state_dir=state_dir,
            account_id=account_id,
            function_spec=function_spec,
            session=session,
            layers_not_loaded=layers_not_loaded,
        )
        self.stacks: dict[str, StackResult] = {}
        self.exports: dict[str, Any] = {}

    @property
    def runtime(self) -> Runtime:
        return self.deployment.runtime

    @property
    def delivery(self) -> StreamDelivery:
        return self.deployment.delivery

    @property
    def catalog(self) -> ApiCatalog:
        return self.deployment.catalog

    @property
    def functions(self) -> dict[str, FunctionRecord]:
        return self.deployment.functions

    def deploy_all(self) -> list[StackResult]:
        templates = [(stack, stack.template()) for stack in self.assembly.stacks]
        for stack, template in templates:  # an unknown type stops the start before anything is created
            self.registry.check(stack.name, template.get("Resources", {}))
        try:
            return [self.deploy_stack(stack.name, template, stack.region) for stack, template in templates]
        finally:
            self.deployment.close()

    def deploy_stack(self, stack_name: str, template: dict[str, Any], region: str = "us-east-1") -> StackResult:
        started = time.perf_counter()
        self.deployment.begin_stack()
        resources: dict[str, Any] = template.get("Resources", {})
        deployed: dict[str, DeployedResource] = {}
        resolver = Resolver(
            stack_name=stack_name,
            region=region,
            account_id=self.account_id,
            ref=lambda logical_id: ref_of(stack_name, deployed, resources, logical_id),
            get_att=lambda logical_id, attribute: attribute_of(stack_name, deployed, logical_id, attribute),
            stack_output=self._stack_output,
            import_value=self._import_value,
            conditions=template.get("Conditions", {}),
            mappings=template.get("Mappings", {}),
        )
        resolver.parameters = parameter_values(
            stack_name, template.get("Parameters", {}), lambda: self.deployment.client("ssm", region)
        )
        self.registry.check(stack_name, resources)

        for logical_id in resource_order(stack_name, resources):
            definition = resources[logical_id]
            resource_type = definition["Type"]
            where = f"{stack_name}: {logical_id} ({resource_type})"
            condition = definition.get("Condition")
            try:
                if condition is not None and not resolver.condition(condition):
                    continue
                deployed[logical_id] = self._create(stack_name, region, logical_id, definition, resolver)
            except (DeployError, IntrinsicError) as error:
                raise DeployError(f"{where}: {error}") from error
            except Exception as error:
                raise DeployError(f"{where}: {type(error).__name__}: {error}") from error
        self.deployment.end_stack()

        values, exports = outputs(stack_name, template, resolver)
        self.exports.update(exports)
        result = StackResult(
            stack_name, deployed, values, exports, time.perf_counter() - started, notes=list(self.deployment.notes)
        )
        self.stacks[stack_name] = result
        return result

    def _create(
        self, stack_name: str, region: str, logical_id: str, definition: dict[str, Any], resolver: Resolver
    ) -> DeployedResource:
        resource_type = definition["Type"]
        skipped = self.registry.skipped.get(resource_type)
        if skipped is not None:
            return DeployedResource(logical_id, resource_type, physical_name(stack_name, logical_id), skipped=skipped)
        provider = self.registry.provider(resource_type)
        if provider is None:
            raise DeployError(f"type {resource_type} has no provider")
        properties = resolver.resolve(definition.get("Properties", {})) or {}
        provider.check(properties)
        request = ResourceRequest(
            properties=properties,
            logical_id=logical_id,
            type=resource_type,
            stack=stack_name,
            region=region,
            stack_id=resolver.stack_id,
            deployment=self.deployment,
        )
        return provider.create(request)

    def _stack_output(self, stack_name: str, output_name: str, region: str) -> Any:
        stack = self.stacks.get(stack_name)
        if stack is None:
            raise DeployError(f"Fn::GetStackOutput: stack {stack_name} is not deployed (yet)")
        if output_name not in stack.outputs:
            raise DeployError(f"Fn::GetStackOutput: stack {stack_name} has no output {output_name}")
        return stack.outputs[output_name]

    def _import_value(self, name: str) -> Any:
        if name not in self.exports:
            raise DeployError(f"Fn::ImportValue: no stack exports {name}")
        return self.exports[name]
