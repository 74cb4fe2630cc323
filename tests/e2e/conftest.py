"""One local cloud for the whole e2e package: the synthesized stacks deployed into in-process moto.

The cloud starts on free ports with a temporary `cdk.out` and state directory (cdk-nag off: the
infrastructure tests run it) before the first e2e test and stops after the last e2e test of a run of them
(`pytest_runtest_teardown`), so the moto mock and the patches never outlive the e2e tests: under
pytest-xdist the other tests of their worker use moto's `mock_aws`, which shares moto's backends. The e2e
tests are collected as one run (one xdist group), so the cloud starts once; should other tests be run
between two of them, it starts again for the next one. Tests talk to it as a client would: HTTP to the API URLs
of `outputs.json` with the API key, and boto3 against the AWS endpoint. `idle()` waits until no
function runs and nothing is pending (async invocations, retries, stream batches).

With `LOCALCLOUD_IAM_USAGE=<file>` set (`make iam-unused`), what the policies allowed while the cloud ran is
appended to that file with the grants when it stops (`localcloud.iam.usage`, `tests.iam_mutations.unused`).

The bus transport is switched as an operator would, with `ssm put-parameter` on the AWS endpoint;
then, instead of waiting for Powertools' parameter cache to expire in every warm function
(`POWERTOOLS_PARAMETERS_MAX_AGE`, 30 s in the stacks), the test clears it. The functions run in
this process with the venv's one `aws_lambda_powertools`, so one call clears
the cache of every function, as cold starts would.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from localcloud.server import LocalCloud, Settings

STAGE = "dev"
BUS_TYPE_PARAMETER = f"/trading-system/{STAGE}/bus-type"
PROPERTY_TEST_MODULE = "test_api_properties.py"
BATCHING_WINDOW_SECONDS = 0.5
"""The stream mappings gather records this long, not the template's 5 s: most tests wait for a batch's
aggregates or archive, and the records still arrive in batches (the window's cost and throughput are the bench's)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: runs over HTTP against the local cloud (one per session)")
    config.addinivalue_line(
        "markers",
        "e2e_phase(n): 0 runs before the other e2e tests, 2 after them (1, the default), 3 the properties, 4 last",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
            # Under pytest-xdist (`--dist loadgroup`) one worker runs them all: one cloud, not one per worker.
            item.add_marker(pytest.mark.xdist_group("e2e"))
    # The property-based test sends whatever its documents allow (the seed customers' ids are among their
    # examples), so it runs after the scenario tests, which expect the seeded state. A test that waits for
    # real time to pass starts its wait in phase 0 and ends it in phase 2, over the other tests. The e2e
    # tests stay one contiguous run (the cloud stops after the last of a run), where the first of them was.
    e2e = [item for item in items if is_e2e(item)]
    if e2e:
        start = items.index(e2e[0])
        others = [item for item in items if not is_e2e(item)]
        items[:] = others[:start] + sorted(e2e, key=e2e_phase) + others[start:]


def e2e_phase(item: pytest.Item) -> int:
    if Path(str(item.fspath)).name == PROPERTY_TEST_MODULE:
        return 3
    marker = item.get_closest_marker("e2e_phase")
    return int(marker.args[0]) if marker else 1


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


class Clouds:
    """The e2e tests' local cloud: started on first use, stopped after the last e2e test of a run."""

    def __init__(self) -> None:
        self._running: tuple[LocalCloud, Path, dict[str, dict[str, Any]]] | None = None

    def current(self) -> tuple[LocalCloud, dict[str, dict[str, Any]]]:
        if self._running is None:
            root = Path(tempfile.mkdtemp(prefix="localcloud-e2e-"))
            settings = Settings(
                stage=STAGE,
                port=0,
                outdir=root / "cdk.out",
                state_dir=root / "state",
                nag=False,
                log=lambda _: None,
                max_batching_window=BATCHING_WINDOW_SECONDS,
            )
            cloud = LocalCloud(settings).__enter__()
            self._running = (cloud, root, json.loads(cloud.outputs_file.read_text()))
        cloud, _, outputs = self._running
        return cloud, outputs

    def stop(self) -> None:
        if self._running is not None:
            cloud, root, outputs = self._running
            self._running = None
            try:
                write_usage(outputs)
            finally:
                cloud.__exit__(None, None, None)
                shutil.rmtree(root, ignore_errors=True)


def write_usage(outputs: dict[str, dict[str, Any]]) -> None:
    """With `LOCALCLOUD_IAM_USAGE` set (`make iam-unused`), what the policies allowed while the cloud ran, and its
    grants, are appended to that file as one run (`localcloud.iam.usage`)."""
    from localcloud.iam import usage

    path, recorder = os.environ.get(usage.ENVIRONMENT_VARIABLE), usage.active()
    if not path or recorder is None:
        return
    from tests.iam_mutations.grants import read

    endpoint = outputs["LocalCloud"]["AwsEndpointUrl"]
    grants = read(lambda service: boto3.client(service, region_name="us-east-1", endpoint_url=endpoint))
    usage.write(path, recorder, grants.to_json())


CLOUDS = Clouds()


def is_e2e(item: pytest.Item | None) -> bool:
    return item is not None and item.get_closest_marker("e2e") is not None


@pytest.hookimpl(trylast=True)  # after the runner's teardown, which ends the fixtures that still use the cloud
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if is_e2e(item) and not is_e2e(nextitem):
        CLOUDS.stop()


@dataclass
class Client:
    """What a user of `make run` has: outputs.json, the API key, the AWS endpoint."""

    clouds: Clouds

    @property
    def cloud(self) -> LocalCloud:
        return self.clouds.current()[0]

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self.clouds.current()[1]

    @property
    def api_key(self) -> str:
        return str(self.outputs["LocalCloud"]["ApiKey"])

    def url(self, output: str) -> str:
        for stack in self.outputs.values():
            if output in stack:
                return str(stack[output])
        raise KeyError(output)

    def request(
        self, method: str, url: str, body: Any = None, *, key: bool = True, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        sent = {"content-type": "application/json", **(headers or {})}
        if key:
            sent["x-api-key"] = self.api_key
        request = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    def post_orders(self, body: Any) -> tuple[int, Any]:
        return self.request("POST", self.url("OrdersApiUrl") + "orders", body)

    def get(self, path: str, query: dict[str, str] | None = None) -> tuple[int, Any]:
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return self.request("GET", self.url("DataApiUrl") + path.lstrip("/") + suffix)

    def trades(self, customer_id: str, day: str) -> list[dict[str, Any]]:
        """Every trade of the customer on the day, through the data API's pages."""
        found: list[dict[str, Any]] = []
        query = {"tradeDate": day, "limit": "500"}
        while True:
            status, page = self.get(f"/trades/{customer_id}", query)
            assert status == 200, page
            found.extend(page["trades"])
            if not page.get("nextToken"):
                return found
            query["nextToken"] = page["nextToken"]

    def customer(self, customer_id: str) -> dict[str, Any]:
        status, body = self.get(f"/customers/{customer_id}")
        assert status == 200, body
        return dict(body)

    def aws(self, service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=self.outputs["LocalCloud"]["AwsEndpointUrl"])

    def idle(self) -> None:
        self.cloud.wait_idle(timeout=60)

    def bus_type(self) -> str:
        return str(self.aws("ssm").get_parameter(Name=BUS_TYPE_PARAMETER)["Parameter"]["Value"])

    def switch_bus(self, bus_type: str) -> None:
        if self.bus_type() == bus_type:
            return
        self.idle()
        self.aws("ssm").put_parameter(Name=BUS_TYPE_PARAMETER, Value=bus_type, Type="String", Overwrite=True)
        from aws_lambda_powertools.utilities.parameters.base import clear_caches

        clear_caches()


@pytest.fixture(scope="session")
def client() -> Iterator[Client]:
    yield Client(CLOUDS)
    CLOUDS.stop()
