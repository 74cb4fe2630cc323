"""The market-data dependencies layer: yfinance, pandas, numpy, curl_cffi, lxml for Python 3.13 on arm64.

Only the market-data fetching functions carry it (≈157 MB unzipped, far more than the order path may
load). It is built at synth time without Docker: `LocalPipBundler` asks the synthesizing Python's pip for
the manylinux aarch64 wheels of `lambdas/market_data_layer/requirements.txt` (every package pinned).
Docker, with the same pip command, is only CDK's fallback should the local bundler decline.

The asset hash follows the folder (`AssetHashType.SOURCE`), so templates and snapshots do not change
with a rebuild, and with context `aws:cdk:bundling-stacks: []` (tests) synth stays offline.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib import LAMBDAS_DIR
from constructs_lib.common.function import ARCHITECTURE, ASSET_EXCLUDES, RUNTIME
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

MARKET_DATA_LAYER_DIR: Final = LAMBDAS_DIR / "market_data_layer"
REQUIREMENTS: Final = "requirements.txt"
PYTHON_VERSION: Final = RUNTIME.name.removeprefix("python")
"""`3.13`: the wheels must match the functions' runtime, not the Python that synthesizes."""
PLATFORM: Final = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}[ARCHITECTURE.name]
BUNDLED_PROVIDER: Final = contracts.YFINANCE_PROVIDER
"""Only this provider imports the layer's packages; for `offline` the layer is the bare folder."""

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess[str]]


class LayerBundlingError(RuntimeError):
    """pip could not produce the layer; the message carries pip's own diagnostics."""


def pip_install_command(python: str, requirements: str, target: str) -> list[str]:
    """The pip command that fills `target` with the Lambda platform's wheels, whatever the host's platform."""
    return [
        python,
        "-m",
        "pip",
        "install",
        "--platform",
        PLATFORM,
        "--only-binary=:all:",
        "--python-version",
        PYTHON_VERSION,
        "--implementation",
        "cp",
        "--no-compile",
        "--target",
        target,
        "-r",
        requirements,
        "--quiet",
        "--disable-pip-version-check",
    ]


def docker_command() -> list[str]:
    """The same install inside CDK's bundling container (only used if local bundling declines)."""
    install = shlex.join(pip_install_command("python", f"/asset-input/{REQUIREMENTS}", "/asset-output/python"))
    return ["bash", "-c", f"{install} && cp /asset-input/{REQUIREMENTS} /asset-output/"]


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


@jsii.implements(cdk.ILocalBundling)
class LocalPipBundler:
    """Bundles the layer with the synthesizing interpreter's pip: no Docker, any host OS or CPU."""

    def __init__(self, source: Path, *, python: str = sys.executable, run: Runner = _run) -> None:
        self._source = source
        self._python = python
        self._run = run

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_options: Any) -> bool:
        """Installs into `<output_dir>/python` (the layer's import path) and keeps the requirements beside it."""
        requirements = self._source / REQUIREMENTS
        command = pip_install_command(self._python, str(requirements), str(Path(output_dir) / "python"))
        result = self._run(command)
        if result.returncode != 0:
            raise LayerBundlingError(
                f"market-data layer: pip failed (exit {result.returncode}) installing {requirements} "
                f"for {PLATFORM}, Python {PYTHON_VERSION}:\n{(result.stderr or result.stdout or '').strip()}\n"
                f"command: {shlex.join(command)}"
            )
        # Names the layer's exact contents; the local cloud also recognizes the layer by it.
        shutil.copyfile(requirements, Path(output_dir) / REQUIREMENTS)
        return True


def layer_code(source: Path = MARKET_DATA_LAYER_DIR, *, bundled: bool = True) -> lambda_.Code:
    """The folder, bundled by pip (or left as is when nothing imports its packages)."""
    if not bundled:
        return lambda_.Code.from_asset(str(source), exclude=list(ASSET_EXCLUDES))
    return lambda_.Code.from_asset(
        str(source),
        exclude=list(ASSET_EXCLUDES),
        asset_hash_type=cdk.AssetHashType.SOURCE,
        bundling=cdk.BundlingOptions(
            image=RUNTIME.bundling_image,
            local=LocalPipBundler(source),
            command=docker_command(),
        ),
    )


@dataclass(frozen=True, kw_only=True)
class MarketDataDependenciesLayerProps:
    config: StageConfig


class MarketDataDependenciesLayer(Construct):
    """yfinance and its dependencies as a layer for Python 3.13 on arm64, for the market-data fetchers only.

    With the `offline` provider (the local cloud) no function imports yfinance, so the layer is the bare
    folder: synth needs neither the network nor Docker.
    """

    layer: lambda_.LayerVersion

    def __init__(self, scope: Construct, id: str, *, props: MarketDataDependenciesLayerProps) -> None:
        super().__init__(scope, id)
        config = props.config
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            layer_version_name=config.resource_name("market-data-deps"),
            code=layer_code(bundled=config.market_data_provider == BUNDLED_PROVIDER),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="yfinance and its dependencies (lambdas/market_data_layer/requirements.txt)",
            removal_policy=config.removal_policy,
        )
