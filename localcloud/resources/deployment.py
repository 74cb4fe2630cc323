"""What the resources of one deployment share: AWS clients, the in-process services they configure
(Lambda runtime, stream delivery, API catalog) and what later resources look up (functions, layers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import boto3

from localcloud.app import LayerNotLoaded
from localcloud.assembly import CloudAssembly
from localcloud.delivery.schedules import Scheduler
from localcloud.gateway.catalog import ApiCatalog
from localcloud.intrinsics import PARTITION
from localcloud.resources.cfn_response import ResponseCollector
from localcloud.sources import SourceFolders


class Runtime(Protocol):
    def register(self, spec: Any) -> None: ...
    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]: ...
    def configure_async(self, name_or_arn: str, *, max_retries: int, on_failure_arn: str | None) -> None: ...


class StreamDelivery(Protocol):
    def add_stream_mapping(self, **kwargs: Any) -> None: ...


@dataclass
class FunctionRecord:
    name: str
    arn: str
    code_dir: Path | None  # None: created in moto only (a runtime that cannot run in this process)
    runtime: str
    source: str  # "repo", "cdk.out", "inline"


class Deployment:
    def __init__(
        self,
        *,
        runtime: Runtime,
        delivery: StreamDelivery,
        assembly: CloudAssembly,
        sources: SourceFolders,
        state_dir: Path,
        account_id: str,
        function_spec: Callable[..., Any],
        session: boto3.session.Session | None = None,
        layers_not_loaded: Sequence[LayerNotLoaded] = (),
    ) -> None:
        self.runtime = runtime
        self.delivery = delivery
        self.assembly = assembly
        self.sources = sources
        self.state_dir = state_dir
        self.account_id = account_id
        self.function_spec = function_spec
        self.layers_not_loaded = tuple(layers_not_loaded)
        self.catalog = ApiCatalog()
        self.functions: dict[str, FunctionRecord] = {}  # by ARN
        self.layer_dirs: dict[str, Path] = {}  # layer version ARN → folder
        self.notes: list[str] = []  # of the stack being deployed
        self._deferred: list[Callable[[], None]] = []
        self._session = session
        self._clients: dict[tuple[str, str], Any] = {}
        self._responses: ResponseCollector | None = None
        self._scheduler: Scheduler | None = None

    @property
    def scheduler(self) -> Scheduler:
        """The scheduled rules' timer (created with the first one; closed with the runtime)."""
        if self._scheduler is None:
            self._scheduler = Scheduler(self.runtime)
        return self._scheduler

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            if self._session is None:
                self._session = boto3.session.Session()
            self._clients[key] = self._session.client(service, region_name=region)
        return self._clients[key]

    def arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:{PARTITION}:{service}:{region}:{self.account_id}:{resource}"

    def note(self, text: str) -> None:
        """A line printed under the stack's summary (once, however many resources note it)."""
        if text not in self.notes:
            self.notes.append(text)

    def defer(self, action: Callable[[], None]) -> None:
        """Runs `action` once every resource of the stack exists (a call moto checks against others)."""
        self._deferred.append(action)

    def begin_stack(self) -> None:
        self.notes = []
        self._deferred = []

    def end_stack(self) -> None:
        for action in self._deferred:
            action()

    def responses(self) -> ResponseCollector:
        if self._responses is None:
            self._responses = ResponseCollector()
        return self._responses

    def close(self) -> None:
        if self._responses is not None:
            self._responses.close()
            self._responses = None
