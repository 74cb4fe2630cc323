"""Lambda: layers, functions, permissions, asynchronous invoke configs and stream event source mappings.

moto gets a tiny placeholder zip (it cannot run code without Docker) and the local `LambdaRuntime` a
`FunctionSpec` whose `code_dir` is the app's folder the code came from. The template's `Code.S3Key` is
an object key of the stack's asset manifest, whose source is the asset folder in `cdk.out`
(`asset.<hash>`); its twin under the app's root (`localcloud.sources`) is the folder that runs. A folder
without such a twin runs from `cdk.out` itself. Inline code (`Code.ZipFile`) is written to
`<state dir>/inline/<stack>/<logicalId>/index.py`.

Layers map to folders the same way (a function's `layer_dirs`), except those the app lists in
`layersNotLoaded` (`localcloud.app`): published in moto, noted, kept off `sys.path`. The AWS-managed
Powertools layer is satisfied by `aws-lambda-powertools` installed in this process's environment, and
moto's function gets only the layers moto knows.
"""

import io
import json
import re
import uuid
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Required, TypedDict

from localcloud.records import DeployedResource, DeployError
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.deployment import Deployment, FunctionRecord
from localcloud.resources.shapes import Tags, present, tag_map

POWERTOOLS_LAYER: Final = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:017000801446:layer:AWSLambdaPowertoolsPython")
MANAGED_LAYER_NOTE: Final = "AWS-managed Powertools layer: aws-lambda-powertools is installed in the venv"


def placeholder_zip(note: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("LOCALCLOUD.txt", note)
    return buffer.getvalue()


def code_folder(request: ResourceRequest[Any], code: Mapping[str, Any], runtime: str) -> tuple[Path, str]:
    """(folder, where it comes from) for a function's `Code` or a layer's `Content`."""
    deployment = request.deployment
    if "ZipFile" in code:
        folder = deployment.state_dir / "inline" / request.stack / request.logical_id
        folder.mkdir(parents=True, exist_ok=True)
        extension = "js" if runtime.startswith("nodejs") else "py"
        (folder / f"index.{extension}").write_text(str(code["ZipFile"]))
        return folder, "inline"
    if "S3Key" in code:
        asset = deployment.assembly.asset_for_key(str(code["S3Key"]))
        if asset is None:
            raise DeployError(f"code s3://{code.get('S3Bucket')}/{code['S3Key']} is not an asset of the assembly")
        if not asset.source.is_dir():
            raise DeployError(f"asset {asset.source.name} is a file; only folder assets can run locally")
        repo_folder = deployment.sources.source_of(asset.source)
        if repo_folder is not None:
            return repo_folder, "repo"
        return asset.source, "cdk.out"
    raise DeployError(f"code {sorted(code)} is not supported locally (S3 asset or ZipFile only)")


def function_arn(request: ResourceRequest[Any], name_or_arn: str) -> str:
    return name_or_arn if name_or_arn.startswith("arn:") else request.arn("lambda", f"function:{name_or_arn}")


def _not_loaded_note(deployment: Deployment, folder: Path) -> str | None:
    """The app's note for a layer it keeps off `sys.path`; None for a layer that is loaded."""
    root = deployment.sources.repo_root
    return next((layer.note for layer in deployment.layers_not_loaded if layer.matches(root, folder)), None)


class LayerVersionProperties(TypedDict, total=False):
    Content: Required[dict[str, Any]]
    LayerName: str
    Description: str
    CompatibleRuntimes: list[str]
    CompatibleArchitectures: list[str]
    LicenseInfo: str


class LayerVersion(ResourceProvider[LayerVersionProperties]):
    TYPE = "AWS::Lambda::LayerVersion"
    SUMMARY = "PublishLayerVersion (placeholder zip); the folder joins the functions' layer_dirs"

    def create(self, request: ResourceRequest[LayerVersionProperties]) -> DeployedResource:
        props = request.properties
        folder, _ = code_folder(request, props["Content"], "")
        call: dict[str, Any] = {
            "LayerName": props.get("LayerName") or request.physical_name(max_length=140),
            "Content": {"ZipFile": placeholder_zip(f"localcloud: this layer is the folder {folder}")},
            **present(props, "Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"),
        }
        arn = request.client("lambda").publish_layer_version(**call)["LayerVersionArn"]
        request.deployment.layer_dirs[arn] = folder
        note = _not_loaded_note(request.deployment, folder)
        if note is not None:
            request.deployment.note(note)
        return request.resource(arn, {"LayerVersionArn": arn})


class FunctionProperties(TypedDict, total=False):
    FunctionName: str
    Runtime: str
    Code: Required[dict[str, Any]]
    Handler: Required[str]
    Role: Required[str]
    Environment: dict[str, Any]
    Layers: list[str]
    Timeout: int
    MemorySize: int
    Description: str
    Architectures: list[str]
    TracingConfig: dict[str, Any]
    LoggingConfig: dict[str, Any]
    DeadLetterConfig: dict[str, Any]
    Tags: Tags
    ReservedConcurrentExecutions: int
    EphemeralStorage: dict[str, Any]  # no local equivalent
    SnapStart: dict[str, Any]  # no local equivalent
    RuntimeManagementConfig: dict[str, Any]  # no local equivalent


class Function(ResourceProvider[FunctionProperties]):
    TYPE = "AWS::Lambda::Function"
    SUMMARY = (
        "CreateFunction (placeholder zip) + LambdaRuntime.register(FunctionSpec) with the repo "
        "folder of its asset (Python runtimes; other runtimes are created but cannot run)"
    )

    def create(self, request: ResourceRequest[FunctionProperties]) -> DeployedResource:
        props, deployment = request.properties, request.deployment
        runtime_name = str(props.get("Runtime", ""))
        folder, source = code_folder(request, props["Code"], runtime_name)
        name = props.get("FunctionName") or request.physical_name()
        handler = props["Handler"]
        environment = {str(k): str(v) for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()}
        layer_dirs: list[Path] = []
        moto_layers: list[str] = []
        for layer_arn in props.get("Layers") or []:
            if layer_arn in deployment.layer_dirs:
                if _not_loaded_note(deployment, deployment.layer_dirs[layer_arn]) is None:
                    layer_dirs.append(deployment.layer_dirs[layer_arn])
                moto_layers.append(layer_arn)
            elif POWERTOOLS_LAYER.match(layer_arn):
                deployment.note(MANAGED_LAYER_NOTE)
            else:
                raise DeployError(f"layer {layer_arn} is neither a layer of the templates nor a known managed layer")
        timeout = int(props.get("Timeout", 3))
        memory = int(props.get("MemorySize", 128))
        call: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": runtime_name,
            "Role": props["Role"],
            "Handler": handler,
            "Code": {"ZipFile": placeholder_zip(f"localcloud: runs in-process from {folder}")},
            "Timeout": timeout,
            "MemorySize": memory,
            "Environment": {"Variables": environment},
            "Layers": moto_layers,
            **present(props, "Description", "Architectures", "TracingConfig", "LoggingConfig", "DeadLetterConfig"),
        }
        if props.get("Tags"):
            call["Tags"] = tag_map(props.get("Tags"))
        client = request.client("lambda")
        arn = client.create_function(**call)["FunctionArn"]
        concurrency = props.get("ReservedConcurrentExecutions")
        if concurrency is not None:
            client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=int(concurrency))
        record = FunctionRecord(name=name, arn=arn, code_dir=folder, runtime=runtime_name, source=source)
        deployment.functions[arn] = record
        if runtime_name.startswith("python"):
            deployment.runtime.register(
                deployment.function_spec(
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
            deployment.note(f"{name}: runtime {runtime_name} cannot run locally (created in moto only)")
        return request.resource(name, {"Arn": arn})


class PermissionProperties(TypedDict, total=False):
    FunctionName: Required[str]
    Action: Required[str]
    Principal: Required[str]
    SourceArn: str
    SourceAccount: str
    EventSourceToken: str
    PrincipalOrgID: str
    FunctionUrlAuthType: str


class Permission(ResourceProvider[PermissionProperties]):
    TYPE = "AWS::Lambda::Permission"
    SUMMARY = "AddPermission"

    def create(self, request: ResourceRequest[PermissionProperties]) -> DeployedResource:
        props = request.properties
        statement_id = request.logical_id[:100]
        request.client("lambda").add_permission(
            FunctionName=props["FunctionName"],
            StatementId=statement_id,
            Action=props["Action"],
            Principal=props["Principal"],
            **present(props, "SourceArn", "SourceAccount", "EventSourceToken", "PrincipalOrgID", "FunctionUrlAuthType"),
        )
        return request.resource(statement_id)


class EventInvokeConfigProperties(TypedDict, total=False):
    FunctionName: Required[str]
    Qualifier: str
    DestinationConfig: dict[str, Any]
    MaximumRetryAttempts: int
    MaximumEventAgeInSeconds: int


class EventInvokeConfig(ResourceProvider[EventInvokeConfigProperties]):
    TYPE = "AWS::Lambda::EventInvokeConfig"
    SUMMARY = "PutFunctionEventInvokeConfig + LambdaRuntime.configure_async (retries, on-failure destination)"

    def create(self, request: ResourceRequest[EventInvokeConfigProperties]) -> DeployedResource:
        props = request.properties
        function = props["FunctionName"]
        qualifier = props.get("Qualifier", "$LATEST")
        destinations = props.get("DestinationConfig") or {}
        if destinations.get("OnSuccess"):
            raise DeployError("DestinationConfig.OnSuccess is not supported locally")
        on_failure = (destinations.get("OnFailure") or {}).get("Destination")
        max_retries = int(props.get("MaximumRetryAttempts", 2))
        call: dict[str, Any] = {"FunctionName": function, "Qualifier": qualifier, "MaximumRetryAttempts": max_retries}
        max_age = props.get("MaximumEventAgeInSeconds")
        if max_age is not None:
            call["MaximumEventAgeInSeconds"] = int(max_age)
        if on_failure:
            call["DestinationConfig"] = {"OnFailure": {"Destination": on_failure}}
        request.client("lambda").put_function_event_invoke_config(**call)
        request.deployment.runtime.configure_async(
            function_arn(request, function), max_retries=max_retries, on_failure_arn=on_failure
        )
        return request.resource(f"{function}|{qualifier}")


class EventSourceMappingProperties(TypedDict, total=False):
    EventSourceArn: Required[str]
    FunctionName: Required[str]
    Enabled: bool | str
    FilterCriteria: dict[str, Any]
    DestinationConfig: dict[str, Any]
    BatchSize: int
    BisectBatchOnFunctionError: bool
    FunctionResponseTypes: list[str]
    MaximumRetryAttempts: int
    StartingPosition: str
    # Delivered as soon as records arrive (a batching window would only delay them), from one shard.
    MaximumBatchingWindowInSeconds: int
    MaximumRecordAgeInSeconds: int
    ParallelizationFactor: int
    Tags: Tags


class EventSourceMapping(ResourceProvider[EventSourceMappingProperties]):
    TYPE = "AWS::Lambda::EventSourceMapping"
    SUMMARY = (
        "DynamoDB streams: Delivery.add_stream_mapping (batch size, batching window, filters, bisect, "
        "partial batch responses, retries, on-failure destination); not created in moto, whose own stream delivery "
        "is synchronous"
    )

    def create(self, request: ResourceRequest[EventSourceMappingProperties]) -> DeployedResource:
        props = request.properties
        source = str(props["EventSourceArn"])
        if ":dynamodb:" not in source or "/stream/" not in source:
            raise DeployError(f"event source {source}: only DynamoDB streams are delivered locally")
        mapping_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{request.stack}/{request.logical_id}"))
        if props.get("Enabled", True) in (False, "false"):
            request.deployment.note(f"{request.logical_id}: disabled event source mapping, not delivered")
            return request.resource(mapping_id)
        filters = [json.loads(entry["Pattern"]) for entry in (props.get("FilterCriteria") or {}).get("Filters", [])]
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        request.deployment.delivery.add_stream_mapping(
            uuid=mapping_id,
            stream_arn=source,
            function=function_arn(request, str(props["FunctionName"])),
            batch_size=int(props.get("BatchSize", 100)),
            filters=filters,
            bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
            report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            max_retries=int(props.get("MaximumRetryAttempts", -1)),
            on_failure_arn=destination,
            starting_position=str(props.get("StartingPosition", "LATEST")),
            batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        )
        return request.resource(mapping_id)


PROVIDERS = (LayerVersion, Function, Permission, EventInvokeConfig, EventSourceMapping)
