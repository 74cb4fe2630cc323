"""Reconciliation of a settled S3 batch against TradesStore."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal

from tests.trade_samples import child_order, trades
from trading_core.model.trade import Trade
from trading_core.settlement.archive import ArchivedBatch
from trading_core.settlement.storage_analyzer import Mismatch, SettledObject, StorageAnalyzer, audit

SETTLED = tuple(
    item.settled("2026-03-02T15:00:00.000Z")
    for item in trades([child_order(n, ticker=["AAPL", "COIN"][n % 2], quantity=10 * (n + 1)) for n in range(4)])
)


def settled_object(batch: Sequence[Trade] = SETTLED) -> SettledObject:
    written = ArchivedBatch(trades=tuple(batch))
    return SettledObject(bucket="b", key=written.key, trades=tuple(batch), metadata=written.metadata())


def stored(batch: Sequence[Trade] = SETTLED) -> dict[str, Trade]:
    return {item.trade_id: item for item in batch}


def test_a_faithful_batch_reconciles() -> None:
    report = audit(settled_object(), stored())
    assert report.ok
    assert report.audited == 4
    assert report.notional == sum((item.notional for item in SETTLED), Decimal(0))
    assert report.as_log()["notional"] == str(report.notional)


def test_missing_trades_are_named() -> None:
    report = audit(settled_object(), stored(SETTLED[1:]))
    assert not report.ok
    assert report.missing == (SETTLED[0].trade_id,)


def test_differing_economics_are_named_field_by_field() -> None:
    changed = dataclasses.replace(SETTLED[2], quantity=1, fee=Decimal("9.99"))
    report = audit(settled_object(), stored([*SETTLED[:2], changed, SETTLED[3]]))
    assert report.mismatched == (Mismatch(SETTLED[2].trade_id, ("quantity", "fee")),)


def test_metadata_must_describe_the_trades() -> None:
    tampered = dataclasses.replace(settled_object(), metadata={"tickers": "AAPL", "exchanges": "NYSE"})
    report = audit(tampered, stored())
    assert "tickers" in report.metadata_errors and not report.ok


class Objects:
    def read(self, bucket: str, key: str) -> SettledObject:
        return dataclasses.replace(settled_object(), bucket=bucket, key=key)


class Table:
    def __init__(self) -> None:
        self.asked: list[Sequence[Trade]] = []

    def find(self, batch: Sequence[Trade]) -> dict[str, Trade]:
        self.asked.append(batch)
        return stored()


def test_the_auditor_looks_up_the_trades_of_the_object_it_read() -> None:
    table = Table()
    report = StorageAnalyzer(Objects(), table).audit_object("bucket", "settled/2026/03/02/x.json")
    assert (report.bucket, report.key, report.ok) == ("bucket", "settled/2026/03/02/x.json", True)
    assert table.asked == [SETTLED]
