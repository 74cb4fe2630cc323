"""`build_app` sees what `cdk synth` sees: cdk.json context, then the CLI's, then explicit overrides."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import aws_cdk as cdk
import pytest

from constructs_lib.stage_config import ConfigError, StageConfig
from stacks.app_builder import build_app
from tests.infrastructure.conftest import CONTEXT, NO_BUNDLING, ROOT


def _stacks(app: cdk.App) -> list[str]:
    return sorted(c.node.id for c in app.node.children if isinstance(c, cdk.Stack))


def test_cdk_json_context_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_CONTEXT_JSON", raising=False)
    app = build_app(NO_BUNDLING)
    assert app.node.try_get_context("@aws-cdk/core:enablePartitionLiterals") is True
    assert app.node.try_get_context("stages") == CONTEXT["stages"]
    assert _stacks(app) == ["TradingSystem-ApiGatewayAccount", "TradingSystem-dev-Data", "TradingSystem-dev-Service"]


PROBE = """
import json
import aws_cdk as cdk
from stacks.app_builder import build_app

def stacks(app):
    return sorted(c.node.id for c in app.node.children if isinstance(c, cdk.Stack))

from_cli = build_app({"aws:cdk:bundling-stacks": []})
print(json.dumps({
    "cli": stacks(from_cli),
    "override": stacks(build_app({"aws:cdk:bundling-stacks": [], "stage": "dev"})),
    "nag_from_cli": from_cli.node.try_get_context("nag"),
}))
"""


def test_cli_context_selects_the_stage_and_overrides_win() -> None:
    """What `npx cdk synth -c stage=prod` does: the CLI passes its context in CDK_CONTEXT_JSON.

    The jsii runtime reads the environment once, at start, so this runs in a fresh process.
    """
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"stage": "prod", "nag": "false"}), "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["cli"] == ["TradingSystem-ApiGatewayAccount", "TradingSystem-prod-Data", "TradingSystem-prod-Service"]
    assert seen["override"] == [
        "TradingSystem-ApiGatewayAccount",
        "TradingSystem-dev-Data",
        "TradingSystem-dev-Service",
    ]
    assert seen["nag_from_cli"] == "false"


def test_stage_config_from_cdk_json() -> None:
    dev = StageConfig.from_context("dev", CONTEXT["stages"])
    assert dev.prefix == "trading-system-dev"
    assert dev.parameter_prefix == "/trading-system/dev"
    assert dev.destroy_on_removal and dev.log_retention_days == 7 and not dev.alarms
    prod = StageConfig.from_context("prod", CONTEXT["stages"])
    assert not prod.destroy_on_removal and prod.log_retention_days == 90 and prod.alarms
    assert prod.removal_policy == cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE


def test_unknown_stage_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown stage 'qa'"):
        StageConfig.from_context("qa", CONTEXT["stages"])


def test_bad_retention_is_refused() -> None:
    stages = {"x": {**CONTEXT["stages"]["dev"], "logRetentionDays": 8}}
    with pytest.raises(ConfigError, match="logRetentionDays"):
        StageConfig.from_context("x", stages)


def test_unknown_market_data_invoke_mode_is_refused() -> None:
    dev = CONTEXT["stages"]["dev"]
    stages = {"x": {**dev, "parameters": {**dev["parameters"], "marketDataInvokeMode": "Lambda"}}}
    with pytest.raises(
        ConfigError, match="marketDataInvokeMode must be one of \\['EventBridge', 'StepFunctionAPIs'\\]"
    ):
        StageConfig.from_context("x", stages)
