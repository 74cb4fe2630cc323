"""The expected values, read from docs/contracts.md and cdk.json, not from the constructs under test."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tests.infrastructure.conftest import CONTEXT, ROOT

CONTRACTS = (ROOT / "docs" / "contracts.md").read_text()


@dataclass(frozen=True)
class ContractRoute:
    name: str
    sources: list[str]
    detail_type: str
    field: str
    value: str
    target: str

    @property
    def filter_policy(self) -> dict[str, list[str]]:
        return {"source": self.sources, "detail-type": [self.detail_type], self.field: [self.value]}

    @property
    def event_pattern(self) -> dict[str, Any]:
        return {"source": self.sources, "detail-type": [self.detail_type], "detail": {self.field: [self.value]}}


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", CONTRACTS, flags=re.M | re.S)
    assert match, f"docs/contracts.md has no section {title!r}"
    return match.group(1)


def _table_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header


def _plain(cell: str) -> str:
    return cell.replace("`", "").strip()


def contract_routes() -> list[ContractRoute]:
    routes = []
    literal_policies: dict[str, str] = {}
    for name, source, detail_type, routing, policy, target in _table_rows(_section("Bus routes")):
        field, value = (_plain(part) for part in _plain(routing).split(":", 1))
        route = ContractRoute(
            name=_plain(name),
            sources=[s.strip() for s in _plain(source).split(",")],
            detail_type=_plain(detail_type),
            field=field,
            value=value.strip('"'),
            target=_plain(target),
        )
        routes.append(route)
        if policy.startswith("`{"):
            literal_policies[route.name] = _plain(policy)
    # Rows saying "same shape" follow the one spelled out: check that one literally.
    for route in routes:
        if route.name in literal_policies:
            assert json.loads(literal_policies[route.name]) == route.filter_policy
    return routes


def contract_parameters() -> list[str]:
    return [
        _plain(row[0]) for row in _table_rows(_section("SSM parameters (`/trading-system/<stage>/…`, all `String`)"))
    ]


def contract_function_parameters() -> dict[str, set[str]]:
    """Function name -> the SSM parameters it reads (the Functions table)."""
    out = {}
    for row in _table_rows(_section("Functions")):
        if len(row) != 4 or row[0] == "name":  # the second table (environment variables) has 2 columns
            continue
        name, _trigger, reads, _access = row
        out[_plain(name)] = {_plain(p) for p in reads.split(",") if _plain(p) not in {"—", ""}}
    return out


def expected_parameter_values(stage: str) -> dict[str, str]:
    p = CONTEXT["stages"][stage]["parameters"]
    return {
        "bus-type": p["busType"],
        "dark-pool-tickers-list": ",".join(p["darkPoolTickers"]),
        "dark-pools": ",".join(p["darkPools"]),
        "lit-pools": ",".join(p["litPools"]),
        "venue-fees": json.dumps(p["venueFees"]),  # compared as JSON, not as text
        "order-split-size": str(p["orderSplitSize"]),
        "dark-pool-match-probability": str(p["darkPoolMatchProbability"]),
        "market-data-invoke-mode": p["marketDataInvokeMode"],
        "market-close-time": p["marketCloseTime"],
        "auto-top-up": p["autoTopUp"],
    }
