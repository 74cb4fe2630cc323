"""The metrics behind the stage's dashboard as the functions write them (Powertools' embedded metric format)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from tests.trade_samples import trade
from trading_core.common.observability import observability
from trading_core.contracts import FILLS_METRIC, SETTLEMENT_LAG_METRIC, VENUE_DIMENSION
from trading_core.settlement.post_trade import SettledBatch


def documents(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if '"_aws"' in line]


def test_counts_per_venue_are_one_document_per_venue(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "lit_pool")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TradingSystem/dev")
    observability().count_by(FILLS_METRIC, VENUE_DIMENSION, {"NYSE": 3, "BATS": 1})
    written = documents(capsys.readouterr().out)
    assert [(d[VENUE_DIMENSION], d["service"], d[FILLS_METRIC]) for d in written] == [
        ("BATS", "lit_pool", [1.0]),
        ("NYSE", "lit_pool", [3.0]),
    ]
    for document in written:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "TradingSystem/dev"
        assert sorted(directive["Dimensions"][0]) == ["service", VENUE_DIMENSION]


def test_settlement_lag_is_the_batch_s_largest_in_milliseconds(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "post_trade")
    early = dataclasses.replace(trade(1), trade_date="2026-03-02T16:00:00.000Z").settled("2026-03-02T16:00:00.250Z")
    late = dataclasses.replace(trade(2), trade_date="2026-03-02T16:00:01.000Z").settled("2026-03-02T16:00:01.100Z")
    batch = SettledBatch(trades=(early, late), newly_settled=2)
    assert batch.lag_milliseconds == 250.0
    obs = observability()
    obs.milliseconds(SETTLEMENT_LAG_METRIC, batch.lag_milliseconds)
    obs.metrics.flush_metrics()
    (document,) = documents(capsys.readouterr().out)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Metrics"] == [{"Name": SETTLEMENT_LAG_METRIC, "Unit": "Milliseconds"}]
    assert document[SETTLEMENT_LAG_METRIC] == [250.0]
