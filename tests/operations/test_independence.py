"""The redrive works against AWS as against the local cloud, and starts quickly: no module of `operations/`
imports the local cloud, the CDK app or its constructs (only boto3 and the standard library)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted((ROOT / "operations").rglob("*.py"))
FORBIDDEN = frozenset({"localcloud", "moto", "aws_cdk", "constructs", "constructs_lib", "stacks", "lambdas", "tests"})


def imported(module: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), str(module))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_there_are_modules_to_check() -> None:
    assert len(MODULES) >= 10


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_imports_the_local_cloud_or_the_app(module: Path) -> None:
    assert not imported(module) & FORBIDDEN
