"""The local cloud: synthesize, deploy into in-process moto, serve the APIs and an AWS endpoint.

`LocalCloud(Settings(...)).start()` does, in order:

1. binds the API port (so a busy port fails before any work) and checks the AWS endpoint's port;
2. synthesizes the app in-process into `cdk.out` (the real cloud assembly), as the `"localcloud"` block
   of its `cdk.json` says (`localcloud.app`);
3. starts moto in-process (`mock_aws`), creates the Lambda runtime and the event delivery, and
   applies the moto patches that route moto's invocations through them; enforces IAM (`localcloud.iam`,
   unless `Settings(iam=False)`) and, once deployed, says how many roles and statements it evaluates;
4. deploys every stack of the assembly with `localcloud.deployer` (function-backed custom resources
   run as CloudFormation runs them);
5. serves the REST APIs on `http://127.0.0.1:<port>/<restApiId>/<stage>/` and moto's own server on
   `http://127.0.0.1:<port + 1>` (same process, same backends: `aws --endpoint-url` sees and
   changes the running system);
6. writes `<state dir>/outputs.json` in the shape of `cdk deploy --outputs-file`, API URLs made
   local, plus `"LocalCloud": {"ApiKey", "AwsEndpointUrl", "ApiDocsUrl"}` (the Swagger UI page of the
   app's OpenAPI documents, `localcloud.api_docs`, when the app's `cdk.json` asks for it).

With `Settings(faults=…)` (`localcloud.faults`), faults are injected from the end of the deployment until
`stop()`, which logs how many of each kind; `LocalCloud.faults.counts()` gives them.

While it serves, `Settings.log` gets the run log (`localcloud.run_log`): one access line per API request
and one line per function log record that has a message; everything the functions write (metric blobs,
full records) goes to `<state dir>/functions.log`, and to `log` as well with `verbose`.

`stop()` undoes it all. Tests use the same class with port 0 (free ports) and a temporary state
directory; `wait_idle()` waits until no function runs and no event is pending.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from localcloud import faults
from localcloud.app import AppConfig
from localcloud.faults import Injector
from localcloud.iam import enforcement
from localcloud.lambda_runtime import function_output
from localcloud.run_log import RunLog
from localcloud.warm_up import warm_up

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
_EXECUTE_API: Final = re.compile(r"https://([A-Za-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/")

PROCESS_ENVIRONMENT: Final = {
    # DynamoDB Streams' DescribeStream would otherwise go to an account-based endpoint moto does not route.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}
PROCESS_DEFAULTS: Final = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}


@dataclass
class Settings:
    stage: str = "dev"
    port: int = 8000  # 0: a free port
    aws_port: int | None = None  # default: port + 1 (a free port when port is 0)
    host: str = "127.0.0.1"
    repo_root: Path = REPO_ROOT
    outdir: Path = field(default_factory=lambda: REPO_ROOT / "cdk.out")
    state_dir: Path = field(default_factory=lambda: REPO_ROOT / ".localcloud")
    nag: bool = True
    context: dict[str, Any] = field(default_factory=dict)  # over the app's localcloud context
    log: Callable[[str], None] = print
    verbose: bool = False  # the functions' output as written (metric blobs, full records) on `log` too
    iam: bool = True  # enforce IAM (`localcloud.iam`); False only to debug
    faults: str = ""  # a fault spec (`localcloud.faults.spec`), injected once deployed; "" injects none
    faults_seed: int = 0  # what the faults' decisions derive from, with their kind, target and counter
    max_batching_window: float | None = None
    """A cap (s) on the stream mappings' batching windows, for tests that wait on every batch; None: as templated."""


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _check_port(host: str, port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise RuntimeError(
                f"port {port} on {host} is in use ({error.strerror}); choose another with --port"
            ) from None


def local_url(value: Any, base_url: str) -> Any:
    """`https://<id>.execute-api.<region>.amazonaws.com/<stage>/…` → `<base_url>/<id>/<stage>/…`."""
    if isinstance(value, str):
        return _EXECUTE_API.sub(lambda match: f"{base_url}/{match.group(1)}/", value)
    return value


class LocalCloud:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.gateway: Any = None
        self.runtime: Any = None
        self.delivery: Any = None
        self.deployer: Any = None
        self.enforcer: Any = None
        self.faults: Injector | None = None  # the faults injected (`counts()`), kept after `stop()`
        self.outputs: dict[str, dict[str, Any]] = {}
        self.ready_seconds = 0.0
        self._mock: Any = None
        self._moto_server: Any = None
        self._aws_port = 0
        self._app: AppConfig | None = None
        self.run_log: RunLog | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> LocalCloud:
        started = time.perf_counter()
        settings = self.settings
        log = settings.log
        for name, value in PROCESS_ENVIRONMENT.items():
            os.environ[name] = value
        for name, value in PROCESS_DEFAULTS.items():
            os.environ.setdefault(name, value)
        try:
            self._start(started, log)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, started: float, log: Callable[[str], None]) -> None:
        from localcloud.gateway.catalog import ApiCatalog
        from localcloud.gateway.data_plane import Gateway

        settings = self.settings
        fault_spec = faults.parse(settings.faults) if settings.faults.strip() else None  # a bad spec stops here
        self.gateway = Gateway(ApiCatalog(), _NotReady(), host=settings.host, port=settings.port)
        self.run_log = RunLog(log, self.functions_log_file, verbose=settings.verbose)
        if settings.aws_port is not None:
            self._aws_port = settings.aws_port or _free_port(settings.host)
        elif settings.port:
            self._aws_port = settings.port + 1
        else:
            self._aws_port = _free_port(settings.host)
        _check_port(settings.host, self._aws_port)

        warmed: dict[str, Any] = {}
        warm = threading.Thread(target=warm_up, args=(warmed,), name="localcloud-warm-up", daemon=True)
        warm.start()
        step = time.perf_counter()
        assembly_dir = self.synthesize()
        seconds = time.perf_counter() - step
        log(f"localcloud: synthesized stage {settings.stage} into {_shown(assembly_dir)} ({seconds:.1f} s)")

        step = time.perf_counter()
        from moto import mock_aws
        from moto.server import ThreadedMotoServer

        from localcloud import moto_patches
        from localcloud.delivery.streams import Delivery
        from localcloud.lambda_runtime.runtime import LambdaRuntime

        warm.join()
        session = warmed.get("session")
        # Step Functions executions run only with this setting (and in the backend it selects).
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self.runtime = LambdaRuntime(output=self.run_log.function_output)
        self.delivery = Delivery(self.runtime, max_batching_window=settings.max_batching_window)
        moto_patches.apply(self.runtime, self.delivery)
        self.enforcer = enforcement.configure(enforce=settings.iam)
        self._moto_server = ThreadedMotoServer(ip_address=settings.host, port=self._aws_port, verbose=False)
        self._moto_server.start()

        from localcloud.assembly import CloudAssembly
        from localcloud.deployer import Deployer

        self.deployer = Deployer(
            runtime=self.runtime,
            delivery=self.delivery,
            assembly=CloudAssembly(assembly_dir),
            repo_root=settings.repo_root,
            state_dir=settings.state_dir,
            log=log,
            session=session,
            layers_not_loaded=self.app.layers_not_loaded,
        )
        for stack in self.deployer.deploy_all():
            skipped = sum(1 for resource in stack.resources.values() if resource.skipped)
            log(
                f"localcloud: deployed {stack.name}: {len(stack.resources) - skipped} resources"
                f"{f', {skipped} skipped' if skipped else ''} ({stack.seconds:.1f} s)"
            )
            for note in stack.notes:
                log(f"  {note}")
        log(f"localcloud: moto started and stacks deployed ({time.perf_counter() - step:.1f} s)")
        from localcloud.intrinsics import ACCOUNT_ID

        log(enforcement.announcement(self.enforcer, ACCOUNT_ID, self.deployer.functions))
        if fault_spec is not None:
            self.faults = faults.activate(fault_spec, settings.faults_seed)
            log(
                f"localcloud: faults injected (seed {settings.faults_seed}): {fault_spec.describe()}; "
                "one 'localcloud fault' line each"
            )

        from localcloud.service_calls import BotoServiceCaller

        self.gateway.catalog = self.deployer.catalog
        self.gateway.runtime = self.runtime
        self.gateway.aws = BotoServiceCaller(session)
        self.gateway.access_log = self.run_log.access
        self.outputs = self._outputs()
        self._mount_api_docs(log)
        self.gateway.start()
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        self.outputs_file.write_text(json.dumps(self.outputs, indent=2) + "\n")
        self.ready_seconds = time.perf_counter() - started
        self._announce(log)

    def stop(self) -> None:
        """Stops injecting faults (and says how many were), stops serving, lets running functions finish
        (briefly), then stops moto."""
        if self.faults is not None and faults.active() is self.faults:
            faults.deactivate()
            self.settings.log(f"localcloud: {self.faults.summary()}")
        if self.gateway is not None:
            with contextlib.suppress(Exception):
                self.gateway.close()
            self.gateway = None
        if self._moto_server is not None:
            with contextlib.suppress(Exception):
                self._moto_server.stop()
            self._moto_server = None
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                self.runtime.wait_idle(timeout=5.0)
            self.runtime.close()
            self.runtime = None
        if self.enforcer is not None:
            enforcement.stop()
            self.enforcer = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self.run_log is not None:
            function_output.uninstall()
            self.run_log.close()
            self.run_log = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- pieces -----------------------------------------------------------------------------

    @property
    def app(self) -> AppConfig:
        if self._app is None:
            self._app = AppConfig.load(self.settings.repo_root)
        return self._app

    def synthesize(self) -> Path:
        settings = self.settings
        context = self.app.synthesis_context(settings.stage, nag=settings.nag, extra=settings.context)
        return self.app.synthesize_into(settings.outdir, context)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until no function runs and nothing is pending: async invocations, retries, stream records, Step
        Functions executions (one parked on a task token counts as idle: see `LambdaRuntime`)."""
        self.runtime.wait_idle(timeout=timeout)

    def fire_schedule(self, rule_name: str) -> None:
        """Delivers a scheduled rule's Scheduled Event now, as its timer would (its timer is not moved)."""
        self.deployer.deployment.scheduler.fire(rule_name)

    @property
    def base_url(self) -> str:
        return str(self.gateway.base_url)

    @property
    def aws_endpoint_url(self) -> str:
        return f"http://{self.settings.host}:{self._aws_port}"

    @property
    def outputs_file(self) -> Path:
        return self.settings.state_dir / "outputs.json"

    @property
    def functions_log_file(self) -> Path:
        return self.settings.state_dir / "functions.log"

    @property
    def api_key(self) -> str | None:
        keys = [key for key in self.deployer.catalog.keys.values() if key.enabled]
        return keys[0].value if keys else None

    def api_url(self, output_name: str) -> str:
        for outputs in self.outputs.values():
            if output_name in outputs:
                return str(outputs[output_name])
        raise KeyError(output_name)

    def _outputs(self) -> dict[str, dict[str, Any]]:
        document: dict[str, dict[str, Any]] = {}
        for name, stack in self.deployer.stacks.items():
            document[name] = {key: local_url(value, self.base_url) for key, value in stack.outputs.items()}
        document["LocalCloud"] = {"ApiKey": self.api_key, "AwsEndpointUrl": self.aws_endpoint_url}
        return document

    def _mount_api_docs(self, log: Callable[[str], None]) -> None:
        """The Swagger UI page of the app's `apiDocs` block, on the gateway's port (`localcloud.api_docs`)."""
        from localcloud.api_docs import Document, SwaggerUi, document_name

        docs = self.app.api_docs
        if docs is None:
            return
        documents = [
            Document(document_name(key, docs.outputs_containing), value)
            for outputs in self.outputs.values()
            for key, value in outputs.items()
            if docs.outputs_containing in key and isinstance(value, str) and value.startswith(self.base_url)
        ]
        page = SwaggerUi(
            self.settings.repo_root / docs.assets,
            documents,
            path=docs.path,
            api_key=self.api_key,
            security_scheme=docs.api_key_security_scheme,
        )
        missing = page.missing_assets()
        if missing:
            log(f"localcloud: no Swagger UI: {', '.join(missing)} not in {docs.assets} (npm ci installs them)")
            return
        self.gateway.pages.append(page)
        self.outputs["LocalCloud"]["ApiDocsUrl"] = self.base_url + page.path

    def _announce(self, log: Callable[[str], None]) -> None:
        for stack, outputs in self.outputs.items():
            for key, value in outputs.items():
                if stack != "LocalCloud" and isinstance(value, str) and value.startswith(self.base_url):
                    log(f"{key}: {value}")
        for api, path, method, api_method in self.deployer.catalog.routes():
            stage = next(iter(api.stages), "")
            key = "  (x-api-key)" if api_method.api_key_required else ""
            log(f"  {method:6} {self.gateway.url(api.id, stage)}{path.lstrip('/')}{key}")
        log(f"API key: {self.api_key}")
        docs_url = self.outputs["LocalCloud"].get("ApiDocsUrl")
        if docs_url:
            log(f"API documents (Swagger UI, API key filled in): {docs_url}")
        log(f"AWS endpoint: {self.aws_endpoint_url}  (aws --endpoint-url {self.aws_endpoint_url} …)")
        log(f"outputs: {_shown(self.outputs_file)}")
        shown = "" if self.settings.verbose else " (shown here too with --verbose)"
        log(f"function logs and metrics: {_shown(self.functions_log_file)}{shown}")
        log(f"ready in {self.ready_seconds:.1f} s")


class _NotReady:
    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        raise RuntimeError("the local cloud is not ready")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
