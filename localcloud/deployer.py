"""Deploys a synthesized CDK app (`cdk.out`) into moto, resource by resource, as CloudFormation would.

Stacks deploy in the order of the cloud assembly's dependencies (Data before Service). Within a
stack, resources are created in dependency order (`Ref`, `Fn::GetAtt`, `Fn::Sub` placeholders and
`DependsOn`), each through boto3 against moto (the caller has started `mock_aws`) after its
properties are resolved by `localcloud.intrinsics`. Every property a handler does not use is an
error, so a template change the local cloud would silently drop stops the start instead; the same
goes for a resource type that is in neither `HANDLED_TYPES` nor `SKIPPED_TYPES`.

Lambda code: moto gets a tiny placeholder zip (it cannot run code without Docker) and the local
`LambdaRuntime` gets a `FunctionSpec` whose `code_dir` is the repo folder the code came from. The
template's `Code.S3Key` is an object key of the stack's asset manifest (`<stack>.assets.json`),
whose `source.path` is the asset folder in `cdk.out` (`asset.<hash>`); the repo folder is the one
under the repo with exactly the same files with the same bytes (`__pycache__`/`*.pyc` ignored, as
the asset excludes them). A folder without such a twin runs from `cdk.out` itself. Inline code
(`Code.ZipFile`) is written to `<state dir>/inline/<stack>/<logicalId>/index.py`.

Layers: our layers map to folders the same way (`layer_dirs`), except those the app lists in
`layersNotLoaded` (`localcloud.app`): published in moto, noted, kept off `sys.path`. The AWS-managed
Powertools layer is satisfied by `aws-lambda-powertools` installed in the venv, and moto's function gets
only the layers moto knows.

Not done, with reasons: template `Rules` (CDK's only rule asserts the bootstrap stack version read
from SSM; there is no bootstrap stack locally and assets never leave the machine); `Parameters` take
their `Default` (an `AWS::SSM::Parameter::Value<…>` parameter is read from moto's SSM only when a
resource refers to it); deletion and update (the local cloud lives as long as its process).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final, Protocol

import boto3

from localcloud import vtl
from localcloud.app import LayerNotLoaded
from localcloud.gateway import (
    ApiCatalog,
    ApiKey,
    ApiMethod,
    ApiResource,
    AwsServiceIntegration,
    GatewayResponse,
    IntegrationResponse,
    RestApi,
    UsagePlan,
    function_arn_from_uri,
    service_action_from_uri,
)
from localcloud.intrinsics import ACCOUNT_ID, PARTITION, URL_SUFFIX, IntrinsicError, Resolver, references

# ----------------------------------------------------------------------------- the type table

HANDLED_TYPES: Final[dict[str, str]] = {
    "AWS::DynamoDB::Table": "CreateTable (keys, indexes, billing, stream, SSE, tags), TTL, point-in-time recovery",
    "AWS::S3::Bucket": "CreateBucket, encryption, versioning, lifecycle, ownership, public access block, tags, "
    "notifications; logging is applied at the end of the stack (moto checks the target's policy at once)",
    "AWS::S3::BucketPolicy": "PutBucketPolicy, without conditional Deny statements (moto would apply them to every "
    "request: it evaluates bucket policies without request context)",
    "AWS::IAM::Role": "CreateRole, managed and inline policies (stored; moto does not enforce IAM)",
    "AWS::IAM::Policy": "PutRolePolicy / PutUserPolicy / PutGroupPolicy",
    "AWS::Lambda::LayerVersion": "PublishLayerVersion (placeholder zip); the folder joins the functions' layer_dirs",
    "AWS::Lambda::Function": "CreateFunction (placeholder zip) + LambdaRuntime.register(FunctionSpec) with the repo "
    "folder of its asset (Python runtimes; other runtimes are created but cannot run)",
    "AWS::Lambda::Permission": "AddPermission",
    "AWS::Lambda::EventInvokeConfig": "PutFunctionEventInvokeConfig + LambdaRuntime.configure_async "
    "(retries, on-failure destination)",
    "AWS::Lambda::EventSourceMapping": "DynamoDB streams: Delivery.add_stream_mapping (batch size, filters, bisect, "
    "partial batch responses, retries, on-failure destination); not created in moto, whose own stream delivery "
    "is synchronous",
    "AWS::Logs::LogGroup": "CreateLogGroup, retention, tags",
    "AWS::SQS::Queue": "CreateQueue with its attributes and tags",
    "AWS::SQS::QueuePolicy": "SetQueueAttributes Policy",
    "AWS::SNS::Topic": "CreateTopic with attributes, tags and inline subscriptions",
    "AWS::SNS::TopicPolicy": "SetTopicAttributes Policy",
    "AWS::SNS::Subscription": "Subscribe with FilterPolicy, FilterPolicyScope, RedrivePolicy, RawMessageDelivery",
    "AWS::SSM::Parameter": "PutParameter",
    "AWS::Events::EventBus": "CreateEventBus",
    "AWS::Events::Rule": "PutRule + PutTargets (Input, InputPath, InputTransformer, retry policy, dead-letter queue)",
    "AWS::ApiGateway::RestApi": "CreateRestApi; served by the gateway",
    "AWS::ApiGateway::Resource": "CreateResource; routed by the gateway",
    "AWS::ApiGateway::Method": "PutMethod + PutIntegration (AWS_PROXY to Lambda, or AWS to a service action with "
    "mapping templates); the gateway enforces ApiKeyRequired, required parameters and request models",
    "AWS::ApiGateway::RequestValidator": "CreateRequestValidator; the gateway checks required parameters and bodies",
    "AWS::ApiGateway::Model": "CreateModel; the gateway validates bodies against its JSON schema",
    "AWS::ApiGateway::GatewayResponse": "PutGatewayResponse; the gateway answers body validation failures with it",
    "AWS::ApiGateway::Deployment": "CreateDeployment",
    "AWS::ApiGateway::Stage": "CreateStage; the gateway serves /<restApiId>/<stage>/ (access logs, method settings "
    "and tracing are recorded only)",
    "AWS::ApiGateway::Account": "recorded: the CloudWatch role of API Gateway logging; no logs are produced locally",
    "AWS::ApiGateway::ApiKey": "CreateApiKey; the gateway accepts its value",
    "AWS::ApiGateway::UsagePlan": "CreateUsagePlan; the gateway accepts its keys on its API stages "
    "(throttle and quota are not enforced)",
    "AWS::ApiGateway::UsagePlanKey": "CreateUsagePlanKey",
    "AWS::StepFunctions::StateMachine": "CreateStateMachine (Definition or DefinitionString with "
    "DefinitionSubstitutions); executions run in moto's executor, Lambda tasks in-process",
    "Custom::S3BucketNotifications": "PutBucketNotificationConfiguration with the resource's NotificationConfiguration "
    "(replaces CDK's handler function, which would make the same call)",
    "Custom::*": "any other custom resource (e.g. Custom::MyResource): its ServiceToken function is invoked with "
    "CloudFormation's Create event and a ResponseURL on loopback; FAILED stops the start",
    "AWS::CloudFormation::CustomResource": "as Custom::*",
}

SKIPPED_TYPES: Final[dict[str, str]] = {
    "AWS::CDK::Metadata": "CDK's usage report to AWS; nothing to create",
    "Custom::S3AutoDeleteObjects": "empties a bucket when the stack deletes it; local buckets die with the process",
    "AWS::CloudWatch::Alarm": "alarms watch CloudWatch metrics the local cloud does not produce",
    "AWS::CloudWatch::Dashboard": "dashboards show CloudWatch metrics the local cloud does not produce",
}

POWERTOOLS_LAYER: Final = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:017000801446:layer:AWSLambdaPowertoolsPython")
MANAGED_LAYER_NOTE: Final = "AWS-managed Powertools layer: aws-lambda-powertools is installed in the venv"
CUSTOM_RESOURCE_TIMEOUT: Final = 60.0


class DeployError(RuntimeError):
    """A template the local cloud cannot deploy; the message names the stack, resource and type."""


class Runtime(Protocol):
    def register(self, spec: Any) -> None: ...
    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]: ...
    def configure_async(self, name_or_arn: str, *, max_retries: int, on_failure_arn: str | None) -> None: ...


class StreamDelivery(Protocol):
    def add_stream_mapping(self, **kwargs: Any) -> None: ...


# ----------------------------------------------------------------------------- the cloud assembly


@dataclass(frozen=True)
class StackArtifact:
    name: str
    template_file: Path
    region: str
    dependencies: tuple[str, ...]

    def template(self) -> dict[str, Any]:
        return dict(json.loads(self.template_file.read_text()))


@dataclass(frozen=True)
class FileAsset:
    source: Path
    packaging: str
    object_keys: tuple[str, ...]


class CloudAssembly:
    """The stacks (in deployment order) and file assets of a synthesized `cdk.out`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        manifest = json.loads((directory / "manifest.json").read_text())
        artifacts: dict[str, Any] = manifest.get("artifacts", {})
        stacks: dict[str, StackArtifact] = {}
        self.assets: list[FileAsset] = []
        for artifact_id, artifact in artifacts.items():
            properties = artifact.get("properties", {})
            if artifact.get("type") == "aws:cloudformation:stack":
                environment = artifact.get("environment", "aws://unknown-account/us-east-1")
                region = environment.rsplit("/", 1)[-1]
                stacks[artifact_id] = StackArtifact(
                    name=properties.get("stackName", artifact_id),
                    template_file=directory / properties["templateFile"],
                    region="us-east-1" if region.startswith("unknown") else region,
                    dependencies=tuple(artifact.get("dependencies", [])),
                )
            elif artifact.get("type") == "cdk:asset-manifest":
                self._read_assets(directory / properties["file"])
        self.stacks = _stack_order(stacks)

    def _read_assets(self, path: Path) -> None:
        for entry in json.loads(path.read_text()).get("files", {}).values():
            keys = tuple(destination["objectKey"] for destination in entry.get("destinations", {}).values())
            self.assets.append(
                FileAsset(
                    source=self.directory / entry["source"]["path"],
                    packaging=entry["source"].get("packaging", "file"),
                    object_keys=keys,
                )
            )

    def asset_for_key(self, object_key: str) -> FileAsset | None:
        return next((asset for asset in self.assets if object_key in asset.object_keys), None)


def _stack_order(stacks: Mapping[str, StackArtifact]) -> list[StackArtifact]:
    ordered: list[StackArtifact] = []
    done: set[str] = set()

    def visit(artifact_id: str, path: tuple[str, ...]) -> None:
        if artifact_id in done or artifact_id not in stacks:
            return
        if artifact_id in path:
            raise DeployError(f"stack dependency cycle: {' -> '.join((*path, artifact_id))}")
        for dependency in stacks[artifact_id].dependencies:
            visit(dependency, (*path, artifact_id))
        done.add(artifact_id)
        ordered.append(stacks[artifact_id])

    for artifact_id in stacks:
        visit(artifact_id, ())
    return ordered


# ----------------------------------------------------------------------------- asset folders

_IGNORED_PARTS: Final = frozenset({"__pycache__", ".git", ".venv", "node_modules", ".mypy_cache", ".ruff_cache"})


def _files(folder: Path) -> dict[str, bytes]:
    """Relative path → bytes of every file under `folder`, without `__pycache__` and `*.pyc`."""
    found = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not (_IGNORED_PARTS & set(relative.parts)) and path.suffix != ".pyc":
            found[relative.as_posix()] = path.read_bytes()
    return found


def _top_names(folder: Path) -> frozenset[str]:
    return frozenset(
        entry.name for entry in folder.iterdir() if entry.name not in _IGNORED_PARTS and entry.suffix != ".pyc"
    )


class SourceFolders:
    """Finds the repo folder an asset folder was copied from (same files, same bytes)."""

    def __init__(self, repo_root: Path, excluded: Iterable[Path] = ()) -> None:
        self.repo_root = repo_root
        self._excluded = [path.resolve() for path in excluded]
        self._candidates: list[Path] | None = None
        self._cache: dict[Path, Path | None] = {}

    def _folders(self) -> list[Path]:
        if self._candidates is None:
            folders = []
            for dirpath, dirnames, _ in os.walk(self.repo_root):
                here = Path(dirpath)
                dirnames[:] = sorted(
                    name
                    for name in dirnames
                    if not name.startswith(".")
                    and name not in _IGNORED_PARTS
                    and (here / name).resolve() not in self._excluded
                    and not name.startswith("asset.")
                )
                folders.append(here)
            self._candidates = folders
        return self._candidates

    def source_of(self, asset_folder: Path) -> Path | None:
        if asset_folder in self._cache:
            return self._cache[asset_folder]
        wanted_names = _top_names(asset_folder)
        wanted = _files(asset_folder)
        found = None
        for folder in self._folders():
            if _top_names(folder) == wanted_names and _files(folder) == wanted:
                found = folder
                break
        self._cache[asset_folder] = found
        return found


# ----------------------------------------------------------------------------- records


@dataclass
class DeployedResource:
    logical_id: str
    type: str
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None


@dataclass
class StackResult:
    name: str
    resources: dict[str, DeployedResource]
    outputs: dict[str, Any]
    exports: dict[str, Any]
    seconds: float
    notes: list[str] = field(default_factory=list)


@dataclass
class FunctionRecord:
    name: str
    arn: str
    code_dir: Path | None
    runtime: str
    source: str  # "repo", "cdk.out", "inline"


class Props:
    """A resource's resolved properties; reports those its handler never read."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)
        self._read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self._read.add(key)
        return self._values.get(key, default)

    def require(self, key: str) -> Any:
        self._read.add(key)
        if key not in self._values:
            raise DeployError(f"required property {key} is missing")
        return self._values[key]

    def ignore(self, *keys: str) -> None:
        self._read.update(keys)

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def unread(self) -> list[str]:
        return sorted(set(self._values) - self._read)

    def all(self) -> dict[str, Any]:
        self._read.update(self._values)
        return dict(self._values)


def physical_name(stack: str, logical_id: str, *, max_length: int = 64, lower: bool = False) -> str:
    """CloudFormation's `<stack>-<logicalId>-<SUFFIX>` for unnamed resources (deterministic here)."""
    suffix = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()[:12].upper()
    base = f"{stack}-{logical_id}"[: max_length - len(suffix) - 1]
    name = f"{base}-{suffix}"
    return name.lower() if lower else name


def _tags(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict):
        return [{"Key": key, "Value": str(item)} for key, item in value.items()]
    return [{"Key": str(tag["Key"]), "Value": str(tag["Value"])} for tag in value or []]


def _tag_map(value: Any) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in _tags(value)}


def _stringified(value: Any) -> Any:
    """CloudFormation hands custom resources every scalar property as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {key: _stringified(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stringified(item) for item in value]
    return value


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def placeholder_zip(note: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("LOCALCLOUD.txt", note)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- custom resource replies


class _ResponseCollector:
    """The pre-signed `ResponseURL` of custom resources, served on loopback: collects the PUT bodies."""

    def __init__(self) -> None:
        self._replies: dict[str, bytes] = {}
        self._arrived = threading.Condition()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with collector._arrived:
                    collector._replies[self.path] = body
                    collector._arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="localcloud-cfn-response", daemon=True)
        self._thread.start()

    def url(self, request_id: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/cloudformation-response/{request_id}"

    def wait(self, request_id: str, timeout: float) -> dict[str, Any] | None:
        path = f"/cloudformation-response/{request_id}"
        deadline = time.monotonic() + timeout
        with self._arrived:
            while path not in self._replies:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._arrived.wait(remaining)
            return dict(json.loads(self._replies.pop(path)))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# ----------------------------------------------------------------------------- the deployer


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
        function_spec: Callable[..., Any] | None = None,
        session: boto3.session.Session | None = None,
        layers_not_loaded: Iterable[LayerNotLoaded] = (),
    ) -> None:
        if function_spec is None:
            from localcloud.runtime import FunctionSpec

            function_spec = FunctionSpec
        self._function_spec = function_spec
        self.runtime = runtime
        self.delivery = delivery
        self.assembly = assembly
        self.state_dir = state_dir
        self.log = log
        self.account_id = account_id
        self.layers_not_loaded = tuple(layers_not_loaded)
        self.sources = SourceFolders(repo_root, excluded=[assembly.directory, state_dir])
        self.catalog = ApiCatalog()
        self.stacks: dict[str, StackResult] = {}
        self.exports: dict[str, Any] = {}
        self.functions: dict[str, FunctionRecord] = {}  # by ARN
        self._layer_dirs: dict[str, Path] = {}  # layer version ARN → folder
        self._clients: dict[tuple[str, str], Any] = {}
        self._session = session
        self._responses: _ResponseCollector | None = None
        self._deferred: list[Callable[[], None]] = []
        self._notes: list[str] = []

    # -- entry points -----------------------------------------------------------------------

    def deploy_all(self) -> list[StackResult]:
        templates = [(stack, stack.template()) for stack in self.assembly.stacks]
        for stack, template in templates:  # an unknown type stops the start before anything is created
            self._check_types(stack.name, template.get("Resources", {}))
        try:
            return [self.deploy_stack(stack.name, template, stack.region) for stack, template in templates]
        finally:
            if self._responses is not None:
                self._responses.close()
                self._responses = None

    def deploy_stack(self, stack_name: str, template: dict[str, Any], region: str = "us-east-1") -> StackResult:
        started = time.perf_counter()
        self._notes = []
        self._deferred = []
        resources_section: dict[str, Any] = template.get("Resources", {})
        deployed: dict[str, DeployedResource] = {}
        resolver = Resolver(
            stack_name=stack_name,
            region=region,
            account_id=self.account_id,
            ref=lambda logical_id: self._ref(stack_name, deployed, resources_section, logical_id),
            get_att=lambda logical_id, attribute: self._get_att(stack_name, deployed, logical_id, attribute),
            stack_output=self._stack_output,
            import_value=self._import_value,
            conditions=template.get("Conditions", {}),
            mappings=template.get("Mappings", {}),
        )
        resolver.parameters = self._parameters(stack_name, template.get("Parameters", {}), region)
        self._check_types(stack_name, resources_section)

        for logical_id in self._resource_order(stack_name, resources_section, template.get("Parameters", {})):
            definition = resources_section[logical_id]
            resource_type = definition["Type"]
            where = f"{stack_name}: {logical_id} ({resource_type})"
            condition = definition.get("Condition")
            try:
                if condition is not None and not resolver.condition(condition):
                    continue
                skipped = SKIPPED_TYPES.get(resource_type)
                if skipped is not None:
                    deployed[logical_id] = DeployedResource(
                        logical_id, resource_type, physical_name(stack_name, logical_id), skipped=skipped
                    )
                    continue
                props = Props(resolver.resolve(definition.get("Properties", {})) or {})
                context = _Context(stack_name, region, logical_id, resource_type, resolver, definition)
                handler = self._handler(resource_type)
                resource = handler(context, props)
                unread = props.unread()
                if unread:
                    raise DeployError(f"properties not handled by the local cloud: {', '.join(unread)}")
            except (DeployError, IntrinsicError) as error:
                raise DeployError(f"{where}: {error}") from error
            except Exception as error:
                raise DeployError(f"{where}: {type(error).__name__}: {error}") from error
            deployed[logical_id] = resource

        for action in self._deferred:
            action()

        outputs: dict[str, Any] = {}
        exports: dict[str, Any] = {}
        for name, output in template.get("Outputs", {}).items():
            if "Condition" in output and not resolver.condition(output["Condition"]):
                continue
            try:
                outputs[name] = resolver.resolve(output["Value"])
                if "Export" in output:
                    exports[str(resolver.resolve(output["Export"]["Name"]))] = outputs[name]
            except (DeployError, IntrinsicError) as error:
                raise DeployError(f"{stack_name}: output {name}: {error}") from error
        self.exports.update(exports)
        result = StackResult(
            stack_name, deployed, outputs, exports, time.perf_counter() - started, notes=list(self._notes)
        )
        self.stacks[stack_name] = result
        return result

    # -- graph and references ---------------------------------------------------------------

    def _check_types(self, stack_name: str, resources: Mapping[str, Any]) -> None:
        for logical_id, definition in resources.items():
            resource_type = definition.get("Type", "")
            if not (
                resource_type in HANDLED_TYPES or resource_type in SKIPPED_TYPES or resource_type.startswith("Custom::")
            ):
                raise DeployError(
                    f"{stack_name}: resource {logical_id} has type {resource_type}, which the local cloud does not "
                    "handle (python -m localcloud --list-types lists those it does)"
                )

    def _resource_order(
        self, stack_name: str, resources: Mapping[str, Any], parameters: Mapping[str, Any]
    ) -> list[str]:
        graph: dict[str, set[str]] = {}
        for logical_id, definition in resources.items():
            depends = definition.get("DependsOn", [])
            needed = set([depends] if isinstance(depends, str) else depends)
            needed |= {
                name
                for name in references({k: v for k, v in definition.items() if k != "DependsOn"})
                if name in resources
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

    def _parameters(self, stack_name: str, declared: Mapping[str, Any], region: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if "Default" not in spec:
                raise DeployError(f"{stack_name}: parameter {name} has no Default and the local cloud passes none")
            default = spec["Default"]
            kind = str(spec.get("Type", "String"))
            if kind.startswith("AWS::SSM::Parameter::Value<"):
                values[name] = _LazySsmParameter(self._client("ssm", region), str(default))
            elif kind == "CommaDelimitedList" or kind.startswith("List<"):
                values[name] = [item.strip() for item in str(default).split(",")]
            else:
                values[name] = default
        return _ParameterValues(values)

    def _ref(
        self, stack_name: str, deployed: Mapping[str, DeployedResource], resources: Mapping[str, Any], name: str
    ) -> Any:
        if name in deployed:
            return deployed[name].physical_id
        if name in resources:
            raise DeployError(f"Ref {name}: the resource is not deployed (false Condition?)")
        raise DeployError(f"Ref {name}: no such resource or parameter in {stack_name}")

    def _get_att(
        self, stack_name: str, deployed: Mapping[str, DeployedResource], logical_id: str, attribute: str
    ) -> Any:
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

    # -- helpers ----------------------------------------------------------------------------

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            if self._session is None:
                self._session = boto3.session.Session()
            self._clients[key] = self._session.client(service, region_name=region)
        return self._clients[key]

    def _handler(self, resource_type: str) -> Callable[[_Context, Props], DeployedResource]:
        name = "_" + resource_type.replace("::", "_").lower()
        handler = getattr(self, name, None)
        if handler is None and (
            resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"
        ):
            handler = self._custom_resource
        if handler is None:
            raise DeployError(f"type {resource_type} has no handler")
        return handler

    def _arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:{PARTITION}:{service}:{region}:{self.account_id}:{resource}"

    def note(self, text: str) -> None:
        if text not in self._notes:
            self._notes.append(text)

    # -- DynamoDB ---------------------------------------------------------------------------

    def _aws_dynamodb_table(self, ctx: _Context, props: Props) -> DeployedResource:
        client = self._client("dynamodb", ctx.region)
        name = props.get("TableName") or physical_name(ctx.stack, ctx.logical_id, max_length=255)
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props.require("KeySchema"),
            "AttributeDefinitions": props.require("AttributeDefinitions"),
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        for key in ("ProvisionedThroughput", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "TableClass"):
            if props.get(key) is not None:
                request[key] = props.get(key)
        if props.get("DeletionProtectionEnabled") is not None:
            request["DeletionProtectionEnabled"] = bool(props.get("DeletionProtectionEnabled"))
        stream = props.get("StreamSpecification")
        if stream:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        sse = props.get("SSESpecification")
        if sse:
            request["SSESpecification"] = {
                key: value
                for key, value in {
                    "Enabled": bool(sse.get("SSEEnabled")),
                    "SSEType": sse.get("SSEType"),
                    "KMSMasterKeyId": sse.get("KMSMasterKeyId"),
                }.items()
                if value is not None
            }
        if props.get("Tags"):
            request["Tags"] = _tags(props.get("Tags"))
        table = client.create_table(**request)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": bool(ttl.get("Enabled")), "AttributeName": ttl["AttributeName"]},
            )
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr:
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": bool(pitr.get("PointInTimeRecoveryEnabled"))
                },
            )
        props.ignore("ContributorInsightsSpecification")
        attributes = {"Arn": table["TableArn"]}
        if table.get("LatestStreamArn"):
            attributes["StreamArn"] = table["LatestStreamArn"]
        return ctx.resource(name, attributes)

    # -- S3 ---------------------------------------------------------------------------------

    def _aws_s3_bucket(self, ctx: _Context, props: Props) -> DeployedResource:
        s3 = self._client("s3", ctx.region)
        name = props.get("BucketName") or physical_name(ctx.stack, ctx.logical_id, max_length=63, lower=True)
        if ctx.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": ctx.region})
        encryption = props.get("BucketEncryption")
        if encryption:
            rules = [
                {
                    **({"BucketKeyEnabled": bool(rule["BucketKeyEnabled"])} if "BucketKeyEnabled" in rule else {}),
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                }
                for rule in encryption["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        versioning = props.get("VersioningConfiguration")
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
        lifecycle = props.get("LifecycleConfiguration")
        if lifecycle:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in lifecycle["Rules"]]}
            )
        ownership = props.get("OwnershipControls")
        if ownership:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=ownership)
        public_access = props.get("PublicAccessBlockConfiguration")
        if public_access:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=public_access)
        if props.get("Tags"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(props.get("Tags"))})
        notifications = props.get("NotificationConfiguration")
        if notifications:
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration=_bucket_notifications(notifications)
            )
        logging_config = props.get("LoggingConfiguration")
        if logging_config:
            target = {
                "TargetBucket": logging_config.get("DestinationBucketName", name),
                "TargetPrefix": logging_config.get("LogFilePrefix", ""),
            }
            self._deferred.append(
                lambda: s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": target})
            )
        return ctx.resource(
            name,
            {
                "Arn": f"arn:{PARTITION}:s3:::{name}",
                "DomainName": f"{name}.s3.{URL_SUFFIX}",
                "RegionalDomainName": f"{name}.s3.{ctx.region}.{URL_SUFFIX}",
                "DualStackDomainName": f"{name}.s3.dualstack.{ctx.region}.{URL_SUFFIX}",
                "WebsiteURL": f"http://{name}.s3-website-{ctx.region}.{URL_SUFFIX}",
            },
        )

    def _aws_s3_bucketpolicy(self, ctx: _Context, props: Props) -> DeployedResource:
        bucket = props.require("Bucket")
        document = props.require("PolicyDocument")
        if isinstance(document, str):
            document = json.loads(document)
        statements = document.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        # moto evaluates bucket policies on object requests without any request context, so every
        # condition holds: a conditional Deny (CDK's enforceSSL: Deny unless aws:SecureTransport)
        # would deny every request. Such statements are left out of the policy moto gets.
        kept = [
            statement
            for statement in statements
            if not (statement.get("Effect") == "Deny" and "Condition" in statement)
        ]
        if len(kept) < len(statements):
            self.note(
                "bucket policies: conditional Deny statements (e.g. enforceSSL) are left out (moto ignores conditions)"
            )
        if kept:
            self._client("s3", ctx.region).put_bucket_policy(
                Bucket=bucket, Policy=json.dumps({**document, "Statement": kept})
            )
        return ctx.resource(physical_name(ctx.stack, ctx.logical_id))

    def _custom_s3bucketnotifications(self, ctx: _Context, props: Props) -> DeployedResource:
        s3 = self._client("s3", ctx.region)
        bucket = props.require("BucketName")
        wanted = props.require("NotificationConfiguration")
        props.ignore("ServiceToken", "SkipDestinationValidation")
        config = dict(wanted)
        if str(props.get("Managed", "true")).lower() == "false":
            existing = s3.get_bucket_notification_configuration(Bucket=bucket)
            existing.pop("ResponseMetadata", None)
            for kind in ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations"):
                merged = [*existing.get(kind, []), *wanted.get(kind, [])]
                if merged:
                    config[kind] = merged
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
        return ctx.resource(f"{ctx.stack}-{ctx.logical_id}")

    # -- IAM --------------------------------------------------------------------------------

    def _aws_iam_role(self, ctx: _Context, props: Props) -> DeployedResource:
        iam = self._client("iam", ctx.region)
        name = props.get("RoleName") or physical_name(ctx.stack, ctx.logical_id)
        request: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": _json_text(props.require("AssumeRolePolicyDocument")),
            "Path": props.get("Path", "/"),
        }
        for key in ("Description", "MaxSessionDuration", "PermissionsBoundary"):
            if props.get(key) is not None:
                request[key] = props.get(key)
        if props.get("Tags"):
            request["Tags"] = _tags(props.get("Tags"))
        role = iam.create_role(**request)["Role"]
        for policy_arn in props.get("ManagedPolicyArns") or []:
            try:
                iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
            except iam.exceptions.NoSuchEntityException:
                if ":iam::aws:policy/" not in policy_arn:
                    raise
                # moto loads AWS-managed policies only on request (+0.8 s); IAM is not enforced anyway.
                self.note("AWS-managed policies are recorded on the template only: moto does not load them")
        for policy in props.get("Policies") or []:
            iam.put_role_policy(
                RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=_json_text(policy["PolicyDocument"])
            )
        return ctx.resource(name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})

    def _aws_iam_policy(self, ctx: _Context, props: Props) -> DeployedResource:
        iam = self._client("iam", ctx.region)
        name = props.require("PolicyName")
        document = _json_text(props.require("PolicyDocument"))
        for role in props.get("Roles") or []:
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
        for user in props.get("Users") or []:
            iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=document)
        for group in props.get("Groups") or []:
            iam.put_group_policy(GroupName=group, PolicyName=name, PolicyDocument=document)
        return ctx.resource(physical_name(ctx.stack, ctx.logical_id))

    # -- Lambda -----------------------------------------------------------------------------

    def _code_folder(self, ctx: _Context, code: Mapping[str, Any], runtime: str) -> tuple[Path, str]:
        """(folder, where it comes from) for a function's or layer's `Code`/`Content`."""
        if "ZipFile" in code:
            folder = self.state_dir / "inline" / ctx.stack / ctx.logical_id
            folder.mkdir(parents=True, exist_ok=True)
            extension = "js" if runtime.startswith("nodejs") else "py"
            (folder / f"index.{extension}").write_text(str(code["ZipFile"]))
            return folder, "inline"
        if "S3Key" in code:
            asset = self.assembly.asset_for_key(str(code["S3Key"]))
            if asset is None:
                raise DeployError(f"code s3://{code.get('S3Bucket')}/{code['S3Key']} is not an asset of the assembly")
            if not asset.source.is_dir():
                raise DeployError(f"asset {asset.source.name} is a file; only folder assets can run locally")
            repo_folder = self.sources.source_of(asset.source)
            if repo_folder is not None:
                return repo_folder, "repo"
            return asset.source, "cdk.out"
        raise DeployError(f"code {sorted(code)} is not supported locally (S3 asset or ZipFile only)")

    def _aws_lambda_layerversion(self, ctx: _Context, props: Props) -> DeployedResource:
        folder, _ = self._code_folder(ctx, props.require("Content"), "")
        name = props.get("LayerName") or physical_name(ctx.stack, ctx.logical_id, max_length=140)
        request: dict[str, Any] = {
            "LayerName": name,
            "Content": {"ZipFile": placeholder_zip(f"localcloud: this layer is the folder {folder}")},
        }
        for key in ("Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
            if props.get(key) is not None:
                request[key] = props.get(key)
        arn = self._client("lambda", ctx.region).publish_layer_version(**request)["LayerVersionArn"]
        self._layer_dirs[arn] = folder
        note = self._not_loaded_note(folder)
        if note is not None:
            self.note(note)
        return ctx.resource(arn, {"LayerVersionArn": arn})

    def _not_loaded_note(self, folder: Path) -> str | None:
        """The app's note for a layer it keeps off `sys.path`; None for a layer that is loaded."""
        root = self.sources.repo_root
        return next((layer.note for layer in self.layers_not_loaded if layer.matches(root, folder)), None)

    def _aws_lambda_function(self, ctx: _Context, props: Props) -> DeployedResource:
        client = self._client("lambda", ctx.region)
        runtime_name = str(props.get("Runtime", ""))
        folder, source = self._code_folder(ctx, props.require("Code"), runtime_name)
        name = props.get("FunctionName") or physical_name(ctx.stack, ctx.logical_id)
        handler = props.require("Handler")
        environment = {str(k): str(v) for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()}
        layer_dirs: list[Path] = []
        moto_layers: list[str] = []
        for layer_arn in props.get("Layers") or []:
            if layer_arn in self._layer_dirs:
                if self._not_loaded_note(self._layer_dirs[layer_arn]) is None:
                    layer_dirs.append(self._layer_dirs[layer_arn])
                moto_layers.append(layer_arn)
            elif POWERTOOLS_LAYER.match(layer_arn):
                self.note(MANAGED_LAYER_NOTE)
            else:
                raise DeployError(f"layer {layer_arn} is neither a layer of the templates nor a known managed layer")
        timeout = int(props.get("Timeout", 3))
        memory = int(props.get("MemorySize", 128))
        request: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": runtime_name,
            "Role": props.require("Role"),
            "Handler": handler,
            "Code": {"ZipFile": placeholder_zip(f"localcloud: runs in-process from {folder}")},
            "Timeout": timeout,
            "MemorySize": memory,
            "Environment": {"Variables": environment},
            "Layers": moto_layers,
        }
        for key in ("Description", "Architectures", "TracingConfig", "LoggingConfig", "DeadLetterConfig"):
            if props.get(key) is not None:
                request[key] = props.get(key)
        if props.get("Tags"):
            request["Tags"] = _tag_map(props.get("Tags"))
        props.ignore("EphemeralStorage", "SnapStart", "RuntimeManagementConfig")
        arn = client.create_function(**request)["FunctionArn"]
        concurrency = props.get("ReservedConcurrentExecutions")
        if concurrency is not None:
            client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=int(concurrency))
        record = FunctionRecord(name=name, arn=arn, code_dir=folder, runtime=runtime_name, source=source)
        self.functions[arn] = record
        if runtime_name.startswith("python"):
            self.runtime.register(
                self._function_spec(
                    name=name,
                    arn=arn,
                    code_dir=folder,
                    handler=handler,
                    environment=environment,
                    layer_dirs=tuple(layer_dirs),
                    timeout_seconds=timeout,
                    memory_mb=memory,
                )
            )
        else:
            record.code_dir = None
            self.note(f"{name}: runtime {runtime_name} cannot run locally (created in moto only)")
        return ctx.resource(name, {"Arn": arn})

    def _aws_lambda_permission(self, ctx: _Context, props: Props) -> DeployedResource:
        statement_id = ctx.logical_id[:100]
        request: dict[str, Any] = {
            "FunctionName": props.require("FunctionName"),
            "StatementId": statement_id,
            "Action": props.require("Action"),
            "Principal": props.require("Principal"),
        }
        for key in ("SourceArn", "SourceAccount", "EventSourceToken", "PrincipalOrgID", "FunctionUrlAuthType"):
            if props.get(key) is not None:
                request[key] = props.get(key)
        self._client("lambda", ctx.region).add_permission(**request)
        return ctx.resource(statement_id)

    def _aws_lambda_eventinvokeconfig(self, ctx: _Context, props: Props) -> DeployedResource:
        function = props.require("FunctionName")
        qualifier = props.get("Qualifier", "$LATEST")
        destinations = props.get("DestinationConfig") or {}
        if destinations.get("OnSuccess"):
            raise DeployError("DestinationConfig.OnSuccess is not supported locally")
        on_failure = (destinations.get("OnFailure") or {}).get("Destination")
        max_retries = int(props.get("MaximumRetryAttempts", 2))
        request: dict[str, Any] = {
            "FunctionName": function,
            "Qualifier": qualifier,
            "MaximumRetryAttempts": max_retries,
        }
        if props.get("MaximumEventAgeInSeconds") is not None:
            request["MaximumEventAgeInSeconds"] = int(props.get("MaximumEventAgeInSeconds"))
        if on_failure:
            request["DestinationConfig"] = {"OnFailure": {"Destination": on_failure}}
        self._client("lambda", ctx.region).put_function_event_invoke_config(**request)
        self.runtime.configure_async(
            self._function_arn(function, ctx.region), max_retries=max_retries, on_failure_arn=on_failure
        )
        return ctx.resource(f"{function}|{qualifier}")

    def _function_arn(self, name_or_arn: str, region: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return self._arn("lambda", region, f"function:{name_or_arn}")

    def _aws_lambda_eventsourcemapping(self, ctx: _Context, props: Props) -> DeployedResource:
        source = str(props.require("EventSourceArn"))
        if ":dynamodb:" not in source or "/stream/" not in source:
            raise DeployError(f"event source {source}: only DynamoDB streams are delivered locally")
        mapping_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.stack}/{ctx.logical_id}"))
        if props.get("Enabled", True) in (False, "false"):
            self.note(f"{ctx.logical_id}: disabled event source mapping, not delivered")
            return ctx.resource(mapping_id)
        filters = [json.loads(entry["Pattern"]) for entry in (props.get("FilterCriteria") or {}).get("Filters", [])]
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        self.delivery.add_stream_mapping(
            uuid=mapping_id,
            stream_arn=source,
            function=self._function_arn(str(props.require("FunctionName")), ctx.region),
            batch_size=int(props.get("BatchSize", 100)),
            filters=filters,
            bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
            report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            max_retries=int(props.get("MaximumRetryAttempts", -1)),
            on_failure_arn=destination,
            starting_position=str(props.get("StartingPosition", "LATEST")),
        )
        # Delivered as soon as records arrive; a batching window would only delay them.
        props.ignore("MaximumBatchingWindowInSeconds", "MaximumRecordAgeInSeconds", "ParallelizationFactor", "Tags")
        return ctx.resource(mapping_id)

    # -- Logs, SQS, SNS, SSM, EventBridge ---------------------------------------------------

    def _aws_logs_loggroup(self, ctx: _Context, props: Props) -> DeployedResource:
        logs = self._client("logs", ctx.region)
        name = props.get("LogGroupName") or physical_name(ctx.stack, ctx.logical_id, max_length=512)
        request: dict[str, Any] = {"logGroupName": name}
        if props.get("Tags"):
            request["tags"] = _tag_map(props.get("Tags"))
        if props.get("KmsKeyId"):
            request["kmsKeyId"] = props.get("KmsKeyId")
        logs.create_log_group(**request)
        if props.get("RetentionInDays") is not None:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(props.get("RetentionInDays")))
        props.ignore("LogGroupClass", "DataProtectionPolicy")
        return ctx.resource(name, {"Arn": self._arn("logs", ctx.region, f"log-group:{name}:*")})

    def _aws_sqs_queue(self, ctx: _Context, props: Props) -> DeployedResource:
        sqs = self._client("sqs", ctx.region)
        fifo = bool(props.get("FifoQueue", False))
        name = props.get("QueueName") or physical_name(ctx.stack, ctx.logical_id, max_length=75 if fifo else 80)
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        attributes = {}
        for key in (
            "DelaySeconds",
            "MaximumMessageSize",
            "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds",
            "VisibilityTimeout",
            "KmsMasterKeyId",
            "KmsDataKeyReusePeriodSeconds",
            "SqsManagedSseEnabled",
            "FifoQueue",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "RedrivePolicy",
            "RedriveAllowPolicy",
        ):
            value = props.get(key)
            if value is None:
                continue
            if isinstance(value, bool):
                attributes[key] = "true" if value else "false"
            elif isinstance(value, dict):
                attributes[key] = json.dumps(value)
            else:
                attributes[key] = str(value)
        request: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
        if props.get("Tags"):
            request["tags"] = _tag_map(props.get("Tags"))
        url = sqs.create_queue(**request)["QueueUrl"]
        arn = self._arn("sqs", ctx.region, name)
        return ctx.resource(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def _aws_sqs_queuepolicy(self, ctx: _Context, props: Props) -> DeployedResource:
        sqs = self._client("sqs", ctx.region)
        document = _json_text(props.require("PolicyDocument"))
        for url in props.require("Queues"):
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
        return ctx.resource(physical_name(ctx.stack, ctx.logical_id))

    def _aws_sns_topic(self, ctx: _Context, props: Props) -> DeployedResource:
        sns = self._client("sns", ctx.region)
        fifo = bool(props.get("FifoTopic", False))
        name = props.get("TopicName") or physical_name(ctx.stack, ctx.logical_id, max_length=251 if fifo else 256)
        attributes = {}
        for key in (
            "DisplayName",
            "KmsMasterKeyId",
            "FifoTopic",
            "ContentBasedDeduplication",
            "TracingConfig",
            "SignatureVersion",
        ):
            value = props.get(key)
            if value is not None:
                attributes[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        request: dict[str, Any] = {"Name": name, "Attributes": attributes}
        if props.get("Tags"):
            request["Tags"] = _tags(props.get("Tags"))
        arn = sns.create_topic(**request)["TopicArn"]
        for subscription in props.get("Subscription") or []:
            sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
        props.ignore("ArchivePolicy", "DataProtectionPolicy", "DeliveryStatusLogging")
        return ctx.resource(arn, {"TopicArn": arn, "TopicName": name})

    def _aws_sns_topicpolicy(self, ctx: _Context, props: Props) -> DeployedResource:
        sns = self._client("sns", ctx.region)
        document = _json_text(props.require("PolicyDocument"))
        for topic in props.require("Topics"):
            sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=document)
        return ctx.resource(physical_name(ctx.stack, ctx.logical_id))

    def _aws_sns_subscription(self, ctx: _Context, props: Props) -> DeployedResource:
        sns = self._client("sns", ctx.region)
        attributes = {}
        for key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
            if props.get(key) is not None:
                attributes[key] = _json_text(props.get(key))
        for key in ("FilterPolicyScope", "RawMessageDelivery", "SubscriptionRoleArn"):
            value = props.get(key)
            if value is not None:
                attributes[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        props.ignore("Region")
        arn = sns.subscribe(
            TopicArn=props.require("TopicArn"),
            Protocol=props.require("Protocol"),
            Endpoint=props.require("Endpoint"),
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return ctx.resource(arn, {"Arn": arn})

    def _aws_ssm_parameter(self, ctx: _Context, props: Props) -> DeployedResource:
        ssm = self._client("ssm", ctx.region)
        name = props.get("Name") or f"CFN-{ctx.logical_id}-{physical_name(ctx.stack, ctx.logical_id)[-12:]}"
        kind = props.require("Type")
        request: dict[str, Any] = {"Name": name, "Value": str(props.require("Value")), "Type": kind}
        for key in ("Description", "Tier", "AllowedPattern", "DataType", "Policies"):
            if props.get(key) is not None:
                request[key] = props.get(key)
        if props.get("Tags"):
            request["Tags"] = _tags(props.get("Tags"))
        ssm.put_parameter(**request)
        return ctx.resource(name, {"Type": kind, "Value": request["Value"]})

    def _aws_events_eventbus(self, ctx: _Context, props: Props) -> DeployedResource:
        events = self._client("events", ctx.region)
        name = props.require("Name")
        request: dict[str, Any] = {"Name": name}
        for key in ("EventSourceName", "Description", "KmsKeyIdentifier", "DeadLetterConfig"):
            if props.get(key) is not None:
                request[key] = props.get(key)
        if props.get("Tags"):
            request["Tags"] = _tags(props.get("Tags"))
        arn = events.create_event_bus(**request)["EventBusArn"]
        props.ignore("Policy", "LogConfig")
        return ctx.resource(name, {"Arn": arn, "Name": name})

    def _aws_events_rule(self, ctx: _Context, props: Props) -> DeployedResource:
        events = self._client("events", ctx.region)
        name = props.get("Name") or physical_name(ctx.stack, ctx.logical_id)
        bus = props.get("EventBusName") or "default"
        request: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.get("State", "ENABLED")}
        if props.get("EventPattern") is not None:
            request["EventPattern"] = _json_text(props.get("EventPattern"))
        if props.get("ScheduleExpression") is not None:
            request["ScheduleExpression"] = props.get("ScheduleExpression")
            self.note(f"{name}: scheduled rules are created but never fire locally")
        for key in ("Description", "RoleArn"):
            if props.get(key) is not None:
                request[key] = props.get(key)
        if props.get("Tags"):
            request["Tags"] = _tags(props.get("Tags"))
        arn = events.put_rule(**request)["RuleArn"]
        targets = [_rule_target(target) for target in props.get("Targets") or []]
        if targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
        physical_id = name if bus == "default" else f"{bus.rsplit('/', 1)[-1]}|{name}"
        return ctx.resource(physical_id, {"Arn": arn})

    def _aws_stepfunctions_statemachine(self, ctx: _Context, props: Props) -> DeployedResource:
        if props.get("DefinitionS3Location") is not None:
            raise DeployError("DefinitionS3Location is not supported locally (Definition or DefinitionString)")
        definition = props.get("Definition")
        text = _json_text(definition) if definition is not None else str(props.require("DefinitionString"))
        for key, value in (props.get("DefinitionSubstitutions") or {}).items():
            text = text.replace("${" + key + "}", value if isinstance(value, str) else json.dumps(value))
        name = props.get("StateMachineName") or physical_name(ctx.stack, ctx.logical_id, max_length=80)
        request: dict[str, Any] = {
            "name": name,
            "definition": text,
            "roleArn": props.require("RoleArn"),
            "type": props.get("StateMachineType", "STANDARD"),
        }
        for key, api_key in (
            ("LoggingConfiguration", "loggingConfiguration"),
            ("TracingConfiguration", "tracingConfiguration"),
        ):
            if props.get(key) is not None:
                request[api_key] = _camel_keys(props.get(key))
        if props.get("Tags"):
            request["tags"] = [{"key": tag["Key"], "value": tag["Value"]} for tag in _tags(props.get("Tags"))]
        props.ignore("EncryptionConfiguration")
        arn = self._client("stepfunctions", ctx.region).create_state_machine(**request)["stateMachineArn"]
        return ctx.resource(arn, {"Arn": arn, "Name": name, "StateMachineRevisionId": arn})

    # -- API Gateway ------------------------------------------------------------------------

    def _api(self, api_id: str) -> RestApi:
        if api_id not in self.catalog.apis:
            raise DeployError(f"RestApiId {api_id} is not a RestApi of the templates")
        return self.catalog.apis[api_id]

    def _aws_apigateway_restapi(self, ctx: _Context, props: Props) -> DeployedResource:
        client = self._client("apigateway", ctx.region)
        for unsupported in ("Body", "BodyS3Location", "CloneFrom"):
            if props.get(unsupported) is not None:
                raise DeployError(f"{unsupported} (imported API definitions) is not supported locally")
        request: dict[str, Any] = {"name": props.require("Name")}
        for key, api_key in (
            ("Description", "description"),
            ("BinaryMediaTypes", "binaryMediaTypes"),
            ("ApiKeySourceType", "apiKeySource"),
            ("MinimumCompressionSize", "minimumCompressionSize"),
            ("DisableExecuteApiEndpoint", "disableExecuteApiEndpoint"),
        ):
            if props.get(key) is not None:
                request[api_key] = props.get(key)
        endpoint = props.get("EndpointConfiguration")
        if endpoint:
            request["endpointConfiguration"] = {"types": endpoint.get("Types", ["EDGE"])}
        if props.get("Tags"):
            request["tags"] = _tag_map(props.get("Tags"))
        props.ignore("Policy", "FailOnWarnings", "Parameters", "Mode")
        api = client.create_rest_api(**request)
        root = next(item["id"] for item in client.get_resources(restApiId=api["id"])["items"] if item["path"] == "/")
        self.catalog.apis[api["id"]] = RestApi(
            id=api["id"],
            name=request["name"],
            logical_id=ctx.logical_id,
            root_resource_id=root,
            resources={root: ApiResource(id=root, parent_id=None, path_part="")},
        )
        return ctx.resource(api["id"], {"RootResourceId": root, "RestApiId": api["id"]})

    def _aws_apigateway_resource(self, ctx: _Context, props: Props) -> DeployedResource:
        api = self._api(props.require("RestApiId"))
        parent = props.require("ParentId")
        part = props.require("PathPart")
        created = self._client("apigateway", ctx.region).create_resource(
            restApiId=api.id, parentId=parent, pathPart=part
        )
        api.resources[created["id"]] = ApiResource(id=created["id"], parent_id=parent, path_part=part)
        return ctx.resource(created["id"], {"ResourceId": created["id"]})

    def _aws_apigateway_method(self, ctx: _Context, props: Props) -> DeployedResource:
        client = self._client("apigateway", ctx.region)
        api = self._api(props.require("RestApiId"))
        resource_id = props.require("ResourceId")
        http_method = str(props.require("HttpMethod")).upper()
        authorization = props.get("AuthorizationType", "NONE")
        if authorization != "NONE":
            raise DeployError(f"AuthorizationType {authorization} is not supported locally")
        integration = props.require("Integration")
        integration_type = integration.get("Type")
        function_arn, service = "", None
        if integration_type == "AWS_PROXY":
            function_arn = function_arn_from_uri(integration["Uri"])
        elif integration_type == "AWS":
            service = self._service_integration(integration)
        else:
            raise DeployError(f"Integration.Type {integration_type} is not supported locally (AWS_PROXY, AWS)")
        request_parameters = props.get("RequestParameters") or {}
        request: dict[str, Any] = {
            "restApiId": api.id,
            "resourceId": resource_id,
            "httpMethod": http_method,
            "authorizationType": authorization,
            "apiKeyRequired": bool(props.get("ApiKeyRequired", False)),
        }
        if request_parameters:
            request["requestParameters"] = {key: bool(value) for key, value in request_parameters.items()}
        validator_id = props.get("RequestValidatorId")
        if validator_id:
            request["requestValidatorId"] = validator_id
        if props.get("OperationName"):
            request["operationName"] = props.get("OperationName")
        request_models = {str(k): str(v) for k, v in (props.get("RequestModels") or {}).items()}
        props.ignore("MethodResponses", "AuthorizationScopes", "AuthorizerId")
        client.put_method(**request)
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
            api_key_required=request["apiKeyRequired"],
            integration_type=integration_type,
            function_arn=function_arn,
            required_parameters=required,
            validator_id=validator_id,
            request_models=request_models,
            aws=service,
        )
        return ctx.resource(f"{api.id}-{resource_id}-{http_method}")

    @staticmethod
    def _service_integration(integration: Mapping[str, Any]) -> AwsServiceIntegration:
        """An `AWS` integration the gateway can run: an action URI and templates the VTL subset renders."""
        try:
            region, service, action = service_action_from_uri(str(integration.get("Uri", "")))
        except ValueError as error:
            raise DeployError(str(error)) from None
        unsupported = sorted(
            set(integration)
            - {
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
                    templates={str(k): str(v) for k, v in (response.get("ResponseTemplates") or {}).items()},
                )
            )
        templates = {str(k): str(v) for k, v in (integration.get("RequestTemplates") or {}).items()}
        for template in [*templates.values(), *(t for r in responses for t in r.templates.values())]:
            try:
                vtl.check(template)
            except vtl.TemplateError as error:
                raise DeployError(f"mapping template: {error}") from None
        return AwsServiceIntegration(
            service=service,
            action=action,
            region=region,
            request_templates=templates,
            passthrough_behavior=str(integration.get("PassthroughBehavior", "WHEN_NO_MATCH")),
            responses=tuple(responses),
        )

    def _aws_apigateway_model(self, ctx: _Context, props: Props) -> DeployedResource:
        api = self._api(props.require("RestApiId"))
        name = props.get("Name") or physical_name(ctx.stack, ctx.logical_id)
        schema = props.get("Schema") or {}
        if isinstance(schema, str):
            schema = json.loads(schema)
        request: dict[str, Any] = {
            "restApiId": api.id,
            "name": name,
            "contentType": props.get("ContentType") or "application/json",
            "schema": json.dumps(schema),
        }
        if props.get("Description"):
            request["description"] = props.get("Description")
        self._client("apigateway", ctx.region).create_model(**request)
        api.models[name] = schema
        return ctx.resource(name)

    def _aws_apigateway_gatewayresponse(self, ctx: _Context, props: Props) -> DeployedResource:
        api = self._api(props.require("RestApiId"))
        response_type = props.require("ResponseType")
        status = props.get("StatusCode")
        templates = {str(k): str(v) for k, v in (props.get("ResponseTemplates") or {}).items()}
        for template in templates.values():
            try:
                vtl.check(template)
            except vtl.TemplateError as error:
                raise DeployError(f"gateway response template: {error}") from None
        request: dict[str, Any] = {"restApiId": api.id, "responseType": response_type, "responseTemplates": templates}
        if status:
            request["statusCode"] = str(status)
        if props.get("ResponseParameters"):
            request["responseParameters"] = props.get("ResponseParameters")
        self._client("apigateway", ctx.region).put_gateway_response(**request)
        api.gateway_responses[response_type] = GatewayResponse(int(status) if status else None, templates)
        return ctx.resource(f"{api.id}-{response_type}")

    def _aws_apigateway_requestvalidator(self, ctx: _Context, props: Props) -> DeployedResource:
        api = self._api(props.require("RestApiId"))
        body = bool(props.get("ValidateRequestBody", False))
        parameters = bool(props.get("ValidateRequestParameters", False))
        created = self._client("apigateway", ctx.region).create_request_validator(
            restApiId=api.id,
            name=props.get("Name") or ctx.logical_id,
            validateRequestBody=body,
            validateRequestParameters=parameters,
        )
        api.validators[created["id"]] = (body, parameters)
        return ctx.resource(created["id"], {"RequestValidatorId": created["id"]})

    def _aws_apigateway_deployment(self, ctx: _Context, props: Props) -> DeployedResource:
        api = self._api(props.require("RestApiId"))
        request: dict[str, Any] = {"restApiId": api.id}
        if props.get("Description"):
            request["description"] = props.get("Description")
        stage = props.get("StageName")
        if stage:
            request["stageName"] = stage
            api.stages[stage] = {}
        props.ignore("StageDescription", "DeploymentCanarySettings")
        created = self._client("apigateway", ctx.region).create_deployment(**request)
        return ctx.resource(created["id"], {"DeploymentId": created["id"]})

    def _aws_apigateway_stage(self, ctx: _Context, props: Props) -> DeployedResource:
        api = self._api(props.require("RestApiId"))
        name = props.require("StageName")
        variables = {str(k): str(v) for k, v in (props.get("Variables") or {}).items()}
        request: dict[str, Any] = {
            "restApiId": api.id,
            "stageName": name,
            "deploymentId": props.require("DeploymentId"),
            "variables": variables,
        }
        if props.get("Description"):
            request["description"] = props.get("Description")
        if props.get("TracingEnabled") is not None:
            request["tracingEnabled"] = bool(props.get("TracingEnabled"))
        if props.get("Tags"):
            request["tags"] = _tag_map(props.get("Tags"))
        # Access logs, metrics, logging levels and caching have no local equivalent.
        props.ignore(
            "AccessLogSetting", "MethodSettings", "CacheClusterEnabled", "CacheClusterSize", "ClientCertificateId"
        )
        props.ignore("CanarySetting", "DocumentationVersion")
        self._client("apigateway", ctx.region).create_stage(**request)
        api.stages[name] = variables
        return ctx.resource(name)

    def _aws_apigateway_account(self, ctx: _Context, props: Props) -> DeployedResource:
        props.ignore("CloudWatchRoleArn")
        return ctx.resource(physical_name(ctx.stack, ctx.logical_id))

    def _aws_apigateway_apikey(self, ctx: _Context, props: Props) -> DeployedResource:
        request: dict[str, Any] = {
            "name": props.get("Name") or physical_name(ctx.stack, ctx.logical_id, max_length=128),
            "enabled": bool(props.get("Enabled", False)),
        }
        for key, api_key in (("Description", "description"), ("Value", "value"), ("CustomerId", "customerId")):
            if props.get(key) is not None:
                request[api_key] = props.get(key)
        if props.get("StageKeys"):
            request["stageKeys"] = [
                {"restApiId": item.get("RestApiId"), "stageName": item.get("StageName")}
                for item in props.get("StageKeys")
            ]
        if props.get("Tags"):
            request["tags"] = _tag_map(props.get("Tags"))
        props.ignore("GenerateDistinctId")
        created = self._client("apigateway", ctx.region).create_api_key(**request)
        self.catalog.keys[created["id"]] = ApiKey(
            id=created["id"], name=request["name"], value=created["value"], enabled=request["enabled"]
        )
        return ctx.resource(created["id"], {"APIKeyId": created["id"]})

    def _aws_apigateway_usageplan(self, ctx: _Context, props: Props) -> DeployedResource:
        name = props.get("UsagePlanName") or physical_name(ctx.stack, ctx.logical_id)
        stages = props.get("ApiStages") or []
        request: dict[str, Any] = {
            "name": name,
            "apiStages": [{"apiId": item["ApiId"], "stage": item["Stage"]} for item in stages],
        }
        if props.get("Description"):
            request["description"] = props.get("Description")
        throttle = props.get("Throttle")
        if throttle:
            request["throttle"] = {"burstLimit": int(throttle["BurstLimit"]), "rateLimit": float(throttle["RateLimit"])}
        quota = props.get("Quota")
        if quota:
            request["quota"] = {
                key: value
                for key, value in {
                    "limit": int(quota["Limit"]),
                    "offset": int(quota.get("Offset", 0)),
                    "period": quota["Period"],
                }.items()
            }
        if props.get("Tags"):
            request["tags"] = _tag_map(props.get("Tags"))
        created = self._client("apigateway", ctx.region).create_usage_plan(**request)
        self.catalog.plans[created["id"]] = UsagePlan(
            id=created["id"], name=name, stages={(item["ApiId"], item["Stage"]) for item in stages}
        )
        return ctx.resource(created["id"], {"Id": created["id"]})

    def _aws_apigateway_usageplankey(self, ctx: _Context, props: Props) -> DeployedResource:
        plan_id = props.require("UsagePlanId")
        key_id = props.require("KeyId")
        key_type = props.require("KeyType")
        self._client("apigateway", ctx.region).create_usage_plan_key(
            usagePlanId=plan_id, keyId=key_id, keyType=key_type
        )
        if plan_id not in self.catalog.plans:
            raise DeployError(f"usage plan {plan_id} is not a UsagePlan of the templates")
        self.catalog.plans[plan_id].key_ids.add(key_id)
        return ctx.resource(f"{plan_id}:{key_id}", {"Id": f"{plan_id}:{key_id}"})

    # -- custom resources -------------------------------------------------------------------

    def _custom_resource(self, ctx: _Context, props: Props) -> DeployedResource:
        properties = props.all()
        token = str(properties.get("ServiceToken", ""))
        if ":lambda:" not in token:
            raise DeployError(f"ServiceToken {token!r}: only Lambda-backed custom resources run locally")
        record = self.functions.get(token)
        if record is None or record.code_dir is None:
            raise DeployError(f"ServiceToken {token}: not a function of the templates that can run locally")
        if self._responses is None:
            self._responses = _ResponseCollector()
        request_id = str(uuid.uuid4())
        event = {
            "RequestType": "Create",
            "ServiceToken": token,
            "ResponseURL": self._responses.url(request_id),
            "StackId": ctx.resolver.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": ctx.logical_id,
            "ResourceType": ctx.type,
            "ResourceProperties": _stringified(properties),
        }
        payload, errored = self.runtime.invoke(token, event)
        reply = self._responses.wait(request_id, timeout=5.0 if errored else CUSTOM_RESOURCE_TIMEOUT)
        if reply is None:
            raise DeployError(f"{record.name} sent no response to the ResponseURL (function error: {payload!r})")
        if reply.get("Status") != "SUCCESS":
            raise DeployError(f"{record.name} answered {reply.get('Status')}: {reply.get('Reason')}")
        self.note(f"{ctx.logical_id} ({ctx.type}): {reply.get('Reason') or 'SUCCESS'}")
        return ctx.resource(str(reply.get("PhysicalResourceId") or request_id), dict(reply.get("Data") or {}))


# ----------------------------------------------------------------------------- small pieces


@dataclass
class _Context:
    stack: str
    region: str
    logical_id: str
    type: str
    resolver: Resolver
    definition: Mapping[str, Any]

    def resource(self, physical_id: str, attributes: Mapping[str, Any] | None = None) -> DeployedResource:
        return DeployedResource(self.logical_id, self.type, physical_id, dict(attributes or {}))


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


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in S3's API shape."""
    converted: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    converted["Filter"] = {"Prefix": rule["Prefix"]} if "Prefix" in rule else {"Prefix": ""}
    if "ExpirationInDays" in rule or "ExpirationDate" in rule or "ExpiredObjectDeleteMarker" in rule:
        expiration: dict[str, Any] = {}
        if "ExpirationInDays" in rule:
            expiration["Days"] = int(rule["ExpirationInDays"])
        if "ExpirationDate" in rule:
            expiration["Date"] = rule["ExpirationDate"]
        if "ExpiredObjectDeleteMarker" in rule:
            expiration["ExpiredObjectDeleteMarker"] = bool(rule["ExpiredObjectDeleteMarker"])
        converted["Expiration"] = expiration
    if "NoncurrentVersionExpiration" in rule:
        source = rule["NoncurrentVersionExpiration"]
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(source["NoncurrentDays"])}
    elif "NoncurrentVersionExpirationInDays" in rule:
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    if "Transitions" in rule:
        converted["Transitions"] = [
            {"Days": int(item["TransitionInDays"]), "StorageClass": item["StorageClass"]}
            for item in rule["Transitions"]
        ]
    return converted


def _bucket_notifications(config: Mapping[str, Any]) -> dict[str, Any]:
    """`AWS::S3::Bucket` NotificationConfiguration in S3's API shape."""

    def filter_of(item: Mapping[str, Any]) -> dict[str, Any]:
        rules = (item.get("Filter") or {}).get("S3Key", {}).get("Rules", [])
        return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}

    converted: dict[str, Any] = {}
    for source, target, arn_key, arn_name in (
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
    ):
        items = config.get(source) or []
        if items:
            converted[target] = [
                {"Events": [item["Event"]], arn_name: item[arn_key], **filter_of(item)} for item in items
            ]
    if config.get("EventBridgeConfiguration"):
        converted["EventBridgeConfiguration"] = {}
    return converted


def _camel_keys(value: Any) -> Any:
    """CloudFormation's PascalCase keys in the Step Functions API's camelCase."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel_keys(item) for item in value]
    return value


def _rule_target(target: Mapping[str, Any]) -> dict[str, Any]:
    """An `AWS::Events::Rule` target for PutTargets (the shapes match; dicts become JSON where needed)."""
    converted = {key: value for key, value in target.items()}
    transformer = converted.get("InputTransformer")
    if transformer and isinstance(transformer.get("InputPathsMap"), dict):
        converted["InputTransformer"] = dict(transformer)
    return converted
