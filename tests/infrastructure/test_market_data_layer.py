"""The market-data dependencies layer: the pip command, the local bundler, and synth without bundling.

No test here runs pip or touches the network: the bundler gets a fake runner, and synth runs with
`aws:cdk:bundling-stacks: []` (or the offline provider, for which the layer is not bundled at all).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from constructs_lib.market_data.layer import (
    MARKET_DATA_LAYER_DIR,
    LayerBundlingError,
    LocalPipBundler,
    MarketDataDependenciesLayer,
    MarketDataDependenciesLayerProps,
    docker_command,
    pip_install_command,
)
from constructs_lib.stage_config import StageConfig
from stacks.app_builder import load_cdk_context
from tests.infrastructure.conftest import NO_BUNDLING

IMAGE = lambda_.Runtime.PYTHON_3_13.bundling_image


class FakePip:
    """Records the command instead of running pip, and answers with the given exit code and stderr."""

    def __init__(self, returncode: int = 0, stderr: str = "") -> None:
        self.returncode = returncode
        self.stderr = stderr
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(command))
        return subprocess.CompletedProcess(list(command), self.returncode, "", self.stderr)


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_pip_command_asks_for_the_lambda_platform_wheels_only() -> None:
    command = pip_install_command("/venv/bin/python", "req.txt", "/out/python")
    assert command[:4] == ["/venv/bin/python", "-m", "pip", "install"]
    assert option(command, "--platform") == "manylinux2014_aarch64"
    assert option(command, "--python-version") == "3.13"
    assert option(command, "--implementation") == "cp"
    assert "--only-binary=:all:" in command  # never builds an sdist for the host's CPU
    assert "--no-compile" in command  # .pyc of the host's Python would be dead weight
    assert option(command, "--target") == "/out/python"
    assert option(command, "-r") == "req.txt"


def test_docker_fallback_runs_the_same_install() -> None:
    (script,) = docker_command()[2:]
    assert "--platform manylinux2014_aarch64" in script
    assert "--target /asset-output/python -r /asset-input/requirements.txt" in script


def test_bundler_installs_under_python_and_keeps_the_requirements(tmp_path: Path) -> None:
    pip = FakePip()
    assert LocalPipBundler(MARKET_DATA_LAYER_DIR, python="py", run=pip).try_bundle(str(tmp_path), image=IMAGE)
    (command,) = pip.commands
    assert option(command, "--target") == str(tmp_path / "python")
    assert option(command, "-r") == str(MARKET_DATA_LAYER_DIR / "requirements.txt")
    assert (tmp_path / "requirements.txt").read_bytes() == (MARKET_DATA_LAYER_DIR / "requirements.txt").read_bytes()


def test_bundler_failure_names_the_platform_and_carries_pips_error(tmp_path: Path) -> None:
    pip = FakePip(returncode=1, stderr="ERROR: No matching distribution found for yfinance==9.9.9")
    bundler = LocalPipBundler(MARKET_DATA_LAYER_DIR, python="py", run=pip)
    with pytest.raises(LayerBundlingError, match=r"pip failed \(exit 1\)") as failure:
        bundler.try_bundle(str(tmp_path), image=IMAGE)
    message = str(failure.value)
    assert "manylinux2014_aarch64, Python 3.13" in message
    assert "No matching distribution found for yfinance==9.9.9" in message
    assert not (tmp_path / "requirements.txt").exists()


def test_a_pip_failure_reaches_the_cdk_caller_with_its_message(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "out"))
    stack = cdk.Stack(app, "Layers")
    pip = FakePip(returncode=1, stderr="ERROR: Could not find a version that satisfies the requirement")
    code = lambda_.Code.from_asset(
        str(MARKET_DATA_LAYER_DIR),
        asset_hash_type=cdk.AssetHashType.SOURCE,
        bundling=cdk.BundlingOptions(image=IMAGE, local=LocalPipBundler(MARKET_DATA_LAYER_DIR, run=pip)),
    )
    # CDK stages (and so bundles) an asset when the construct using it is created.
    with pytest.raises(RuntimeError, match=r"market-data layer: pip failed.*\n.*Could not find a version"):
        lambda_.LayerVersion(stack, "Layer", code=code)


def test_requirements_pin_yfinance_1_and_every_dependency() -> None:
    lines = [
        line.strip()
        for line in (MARKET_DATA_LAYER_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", line) for line in lines), lines
    pins = dict(line.split("==") for line in lines)
    assert pins["yfinance"].startswith("1.")
    assert {"pandas", "numpy", "curl_cffi", "lxml", "requests"} <= set(pins)
    assert int(pins["python-dateutil"].split(".")[0]) < 3  # the runtime's botocore imports this copy


def synth(tmp_path: Path, *, provider: str, context: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    """The layer alone in a stack; (its properties, the folder its asset manifest points at)."""
    app = cdk.App(context=context, outdir=str(tmp_path))
    stack = cdk.Stack(app, "Layers")
    config = StageConfig.from_context("dev", load_cdk_context()["stages"]).with_market_data_provider(provider)
    MarketDataDependenciesLayer(stack, "MarketDataDeps", props=MarketDataDependenciesLayerProps(config=config))
    template = app.synth().get_stack_by_name("Layers").template
    (layer,) = (r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::LayerVersion")
    key = layer["Content"]["S3Key"].removesuffix(".zip")
    source = json.loads((tmp_path / "Layers.assets.json").read_text())["files"][key]["source"]["path"]
    return layer, tmp_path / source


def test_layer_is_for_python_3_13_on_arm64_and_synth_without_bundling_stays_offline(tmp_path: Path) -> None:
    layer, source = synth(tmp_path, provider="yfinance", context=NO_BUNDLING)
    assert layer["CompatibleRuntimes"] == ["python3.13"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    assert layer["LayerName"] == "trading-system-dev-market-data-deps"
    assert source == MARKET_DATA_LAYER_DIR  # bundling skipped: the asset is the source folder itself


def test_with_the_offline_provider_the_layer_is_the_bare_folder(tmp_path: Path) -> None:
    # No bundling-stacks context: bundling would run if the construct asked for it (pip, network).
    layer, source = synth(tmp_path, provider="offline", context={})
    assert layer["CompatibleRuntimes"] == ["python3.13"]
    assert source.parent == tmp_path
    assert sorted(p.name for p in source.iterdir()) == ["requirements.txt"]
