"""The stage's dashboard graphs what the functions emit: after the other e2e tests have traded, every custom metric
on the dashboard of the deployed template is among the Powertools metric documents the functions wrote (the
local cloud keeps them in `functions.log`), with the same namespace, name and dimensions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import Client
from tests.infrastructure.test_operations import custom_metrics, rendered
from trading_core import contracts

Metric = tuple[str, str, tuple[tuple[str, str], ...]]


def emitted(client: Client) -> set[Metric]:
    """(namespace, name, dimensions) of every metric of every embedded-metric document in functions.log."""
    out: set[Metric] = set()
    for line in client.cloud.functions_log_file.read_text().splitlines():
        if '"_aws"' not in line:
            continue
        document: dict[str, Any] = json.loads(line[line.index("{") :])
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimensions in directive["Dimensions"]:
                pairs = tuple(sorted((name, str(document[name])) for name in dimensions))
                out |= {(directive["Namespace"], metric["Name"], pairs) for metric in directive["Metrics"]}
    return out


def on_the_dashboard(client: Client) -> set[Metric]:
    template = json.loads((client.cloud.settings.outdir / "TradingSystem-dev-Service.template.json").read_text())
    (board,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard")
    return custom_metrics(json.loads(rendered(board["Properties"]["DashboardBody"])))


@pytest.mark.e2e_phase(2)
def test_every_metric_on_the_dashboard_is_one_the_functions_emit(client: Client) -> None:
    dashboard, seen = on_the_dashboard(client), emitted(client)
    fills = {metric for metric in dashboard if metric[1] == contracts.FILLS_METRIC}
    assert dashboard - fills <= seen, sorted(dashboard - fills - seen)
    # Fills per venue: which venues filled depends on the orders; each that did is on the dashboard.
    filled = {metric for metric in seen if metric[1] == contracts.FILLS_METRIC}
    assert filled and filled <= fills, sorted(filled - fills)
