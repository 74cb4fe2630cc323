"""The local cloud knows CloudFormation, AWS and moto, nothing of the app it runs.

Every module under `localcloud/` is parsed: none imports the app's packages (at any depth, inside
functions too) and none names the app's domain. What the local cloud must know of the app is data in
the `"localcloud"` block of the app's `cdk.json`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from localcloud.app import AppConfig

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted((ROOT / "localcloud").rglob("*.py"))
APP_PACKAGES = frozenset(
    {"trading_core", "constructs_lib", "stacks", "lambdas", "operations", "deploy_check", "app", "tests"}
)
# Matched case-insensitively, so written as the app spells them.
APP_WORDS = (
    "trading",
    "yfinance",
    "market data",
    "market-data",
    "market_data",
    "customers",
    "ticker",
    "dark pool",
    "orders",
    "settlement",
    "tradeDate",
    "OrdersApiUrl",
    "DataApiUrl",
)


def imported_packages(module: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), str(module))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            found |= {
                arg.value.split(".")[0]
                for arg in node.args[:1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            }
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_imports_the_app(module: Path) -> None:
    assert not imported_packages(module) & APP_PACKAGES


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_names_the_app(module: Path) -> None:
    text = module.read_text().lower()
    assert [word for word in APP_WORDS if word.lower() in text] == []


def test_the_import_check_sees_imports_in_functions_and_import_module(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import os\ndef f():\n    from stacks.app_builder import build_app\n"
        "    import importlib\n    importlib.import_module('trading_core.keys')\n"
    )
    assert imported_packages(module) == {"os", "stacks", "importlib", "trading_core"}


def test_the_app_config_of_this_repository_loads_and_its_markers_exist() -> None:
    config = AppConfig.load(ROOT)
    module, _, function = config.synthesize.partition(":")
    assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file() and function
    assert config.layers_not_loaded
    for layer in config.layers_not_loaded:
        assert (ROOT / layer.marker).is_file(), layer.marker  # a moved layer would silently load
        assert layer.note


def test_synthesis_context_precedence() -> None:
    config = AppConfig(root=ROOT, context={"a": 1, "b": 1}, no_nag_context={"nag": False, "b": 2})
    assert config.synthesis_context("dev", nag=True, extra={}) == {"stage": "dev", "a": 1, "b": 1}
    expected = {"stage": "prod", "a": 3, "b": 2, "nag": False}
    assert config.synthesis_context("prod", nag=False, extra={"a": 3}) == expected
