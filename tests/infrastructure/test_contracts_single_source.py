"""Every name of `trading_core/contracts.py` is written there only: the other modules import it.

Checked values: each `str` constant of the module, and each string in its tuple and mapping
constants, that is at least 4 characters long and more than one plain word. A one-word value
(`Orders`, `detail`, `offline`, `STAGE`) or a very short one (`PK`, `id`) is also ordinary vocabulary:
the same literal turns up with other meanings (log text, AWS's own field values, moto's), so a scan
cannot tell a duplicate from a homonym. Compound names (`SmartOrderRouter`, `bus-type`, `raw/`,
`TRADES_TABLE_NAME`, a regex) are specific: another literal with the same spelling is a second
copy of the contract.

Scanned: every `.py` file of `constructs_lib`, `stacks`, `lambdas`, `localcloud`, `bench`, `operations` and `app.py`,
except contracts.py itself and test files. String literals are read with `ast`, so comments and
docstrings never count, while the constant parts of f-strings do (`f"raw/{ticker}"` spells the
prefix again). Two exceptions, both about spellings that mean something else there:
- the id of a construct (`MarketData(self, "MarketData", …)`: a class called with `self` or `scope`
  first) names a node of the CDK tree, from which logical ids derive; no function reads it;
- the values in HOMONYMS are also someone else's field name, written wherever that field is used.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infrastructure.conftest import ROOT
from trading_core import contracts

SCANNED = ("constructs_lib", "stacks", "lambdas", "localcloud", "bench", "soak", "operations", "deploy_check", "app.py")
CONTRACTS_FILE = Path(contracts.__file__).resolve()
MIN_LENGTH = 4
ONE_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+")
HOMONYMS = {
    "EventBusName": "also the field of PutEvents entries and of AWS::Events resources",
    "TableName": "also the field of every DynamoDB request and of AWS::DynamoDB::Table",
    "detail-type": "also the EventBridge envelope's field, which consumers and the local cloud read",
    "invalidOrders": "also the Orders API response's field of refused orders, which its clients read",
    "CustomerId": "also a PascalCase field of the trade, ledger and order items, written where each item is built",
    "taskToken": "also the field of Step Functions' SendTask* calls, which the local cloud's IAM reads",
}
CONSTRUCT_SCOPES = frozenset({"self", "scope"})


def _values(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | frozenset):
        for item in value:
            yield from _values(item)
    elif hasattr(value, "items"):
        for key, item in value.items():
            yield from _values(key)
            yield from _values(item)


def contract_values() -> dict[str, str]:
    """Checked value -> the constant that holds it."""
    out: dict[str, str] = {}
    for name, value in vars(contracts).items():
        if name.isupper():
            for text in _values(value):
                if len(text) >= MIN_LENGTH and not ONE_WORD.fullmatch(text) and text not in HOMONYMS:
                    out.setdefault(text, name)
    return out


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for entry in SCANNED:
        path = ROOT / entry
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return [
        f
        for f in files
        if f.resolve() != CONTRACTS_FILE and "tests" not in f.relative_to(ROOT).parts and not f.name.startswith("test_")
    ]


def _not_names(tree: ast.AST) -> set[int]:
    """ids of the string constants that are documentation or construct ids (see the module docstring)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            out.add(id(node.value))
        elif isinstance(node, ast.Call) and len(node.args) >= 2 and _is_construct_call(node):
            out.add(id(node.args[1]))
    return out


def _is_construct_call(call: ast.Call) -> bool:
    callee = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    scope = call.args[0]
    return callee[:1].isupper() and isinstance(scope, ast.Name) and scope.id in CONSTRUCT_SCOPES


def string_literals(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped = _not_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            yield node.lineno, node.value


def test_the_rule_checks_the_names_the_issue_found_written_twice() -> None:
    checked = contract_values()
    for value in ("SmartOrderRouter", "MarketDataManagerStepFunction", "NoHistoricalDataRetrieved", "settled/", "raw/"):
        assert value in checked, value
    assert set(HOMONYMS) <= {v for name, c in vars(contracts).items() if name.isupper() for v in _values(c)}


def test_scanned_files_exist() -> None:
    files = scanned_files()
    assert any(f.parent.name == "constructs_lib" for f in files)
    assert any("trading_core" in f.parts for f in files)
    assert CONTRACTS_FILE.is_file() and CONTRACTS_FILE not in files


@pytest.mark.parametrize("path", scanned_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_contract_name_is_written_outside_contracts_py(path: Path) -> None:
    checked = contract_values()
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r} is contracts.{checked[value]}"
        for line, value in string_literals(path)
        if value in checked
    ]
    assert not found, "import these from trading_core.contracts:\n" + "\n".join(found)
