"""A custom resource whose function ends without answering gets what CloudFormation gives it: FAILED once its
`ServiceTimeout` has passed (an hour without one); the local cloud stops the start saying so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from localcloud.assembly import CloudAssembly
from localcloud.deployer import Deployer
from localcloud.records import DeployError
from tests.localcloud.support import local_cloud
from tests.localcloud.test_deployer import (
    ASSET,
    DeliveryStandIn,
    RuntimeStandIn,
    aws,
    deployer,
    function,
    only,
    write_assembly,
)

__all__ = ["aws"]  # the moto fixture of the deployer's tests

RAISING_HANDLER = "def lambda_handler(event, context):\n    raise RuntimeError('the seeder broke before answering')\n"


class SilentRuntime(RuntimeStandIn):
    """A function that fails without answering its ResponseURL (an error before its handler could)."""

    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        self.invocations.append(event)
        return {"errorType": "RuntimeError", "errorMessage": "the seeder broke before answering"}, True


def seed(**properties: Any) -> dict[str, Any]:
    return only(
        {
            "F": function(f"{ASSET}.zip"),
            "Seed": {
                "Type": "Custom::Seed",
                "Properties": {"ServiceToken": {"Fn::GetAtt": ["F", "Arn"]}, **properties},
            },
        }
    )


def test_no_answer_within_the_service_timeout_is_failed(tmp_path: Path, aws: None) -> None:
    runtime = SilentRuntime()
    deploy = deployer(tmp_path, {"Stack": seed(ServiceTimeout=300)}, runtime=runtime)
    with pytest.raises(
        DeployError,
        match=r"Seed \(Custom::Seed\).*FAILED: fn sent no response to the ResponseURL, so CloudFormation fails the "
        r"resource after its ServiceTimeout of 300 s \(function error: .*the seeder broke before answering",
    ):
        deploy.deploy_all()
    (event,) = runtime.invocations
    assert event["ResourceProperties"]["ServiceTimeout"] == "300"


def test_without_a_service_timeout_cloudformation_would_wait_an_hour(tmp_path: Path, aws: None) -> None:
    deploy = deployer(tmp_path, {"Stack": seed()}, runtime=SilentRuntime())
    with pytest.raises(DeployError, match=r"FAILED: .* after an hour \(3600 s: no ServiceTimeout\)"):
        deploy.deploy_all()


@pytest.mark.parametrize(
    ("value", "message"), [(0, "between 1 and 3600"), (3601, "between 1 and 3600"), ("x", "whole")]
)
def test_a_service_timeout_cloudformation_refuses_stops_the_start(
    tmp_path: Path, aws: None, value: Any, message: str
) -> None:
    runtime = RuntimeStandIn()
    with pytest.raises(DeployError, match=message):
        deployer(tmp_path, {"Stack": seed(ServiceTimeout=value)}, runtime=runtime).deploy_all()
    assert not runtime.invocations


def test_a_function_that_raises_in_the_lambda_runtime_is_failed(tmp_path: Path) -> None:
    """The same through the local Lambda runtime: the handler raises, nothing answers, the resource FAILED."""
    out = write_assembly(tmp_path, {"Stack": seed(ServiceTimeout=120)})
    for handler in (tmp_path / "repo" / "lambdas" / "fn" / "handler.py", out / f"asset.{ASSET}" / "handler.py"):
        handler.write_text(RAISING_HANDLER)
    with local_cloud() as cloud:
        deploy = Deployer(
            runtime=cloud.runtime,
            delivery=DeliveryStandIn(),
            assembly=CloudAssembly(out),
            repo_root=tmp_path / "repo",
            state_dir=tmp_path / "state",
        )
        try:
            with pytest.raises(DeployError, match=r"FAILED: .*after its ServiceTimeout of 120 s.*RuntimeError"):
                deploy.deploy_all()
        finally:
            deploy.deployment.close()
