"""mypy analyses only the CDK modules the code imports (pyproject.toml; the other ~660 took most of its two
minutes): a module imported and not listed would be skipped, its calls typed as Any and unchecked."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CDK = "aws_cdk"
MYPY = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]


def cdk_modules_imported() -> set[str]:
    found: set[str] = set()
    for folder in MYPY["files"]:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names if alias.name.split(".")[0] == CDK)
                elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == CDK:
                    found.add(node.module)
                    if node.module == CDK:
                        # `from aws_cdk import aws_s3 as s3` imports a module; `Duration` is a name of aws_cdk.
                        found.update(f"{CDK}.{alias.name}" for alias in node.names if alias.name.islower())
    return found


def analysed_modules() -> set[str]:
    return {
        module
        for override in MYPY["overrides"]
        if override.get("follow_imports") == "normal"
        for module in override["module"]
        if module.split(".")[0] == CDK
    }


def test_every_cdk_module_the_code_imports_is_type_checked() -> None:
    imported = cdk_modules_imported()
    assert f"{CDK}.aws_dynamodb" in imported  # the scan sees the constructs' imports
    assert imported - analysed_modules() == set(), "add them to the follow_imports = normal override"


def test_the_rest_of_the_cdk_is_skipped() -> None:
    assert any(o.get("follow_imports") == "skip" and f"{CDK}.*" in o["module"] for o in MYPY["overrides"])
