"""Storage analyzer against moto: a batch archived by the trade archiver reconciles; a batch
whose trades are missing or differ from TradesStore fails the invocation."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lambdas.storage_analyzer import handler as storage_analyzer
from tests.integration.conftest import TRADES_BUCKET, TradingAws
from tests.integration.stream_events import FakeContext, s3_event
from tests.trade_samples import child_order, trades
from tests.trade_store import put_trades, replace_trade
from trading_core.settlement import stored_trades
from trading_core.settlement.archive import ArchivedBatch
from trading_core.settlement.batch_archive import S3BatchArchive
from trading_core.settlement.storage_analyzer import ReconciliationError

BATCH = trades([child_order(n, ticker=["AAPL", "COIN"][n % 2], quantity=10 + n) for n in range(130)])


@pytest.fixture(autouse=True)
def fresh_handlers() -> Iterator[None]:
    storage_analyzer.build.cache_clear()
    yield
    storage_analyzer.build.cache_clear()


@pytest.fixture
def settled_key(trading_aws: TradingAws) -> str:
    """The key of a settled batch of 130 trades (two BatchGetItem calls to audit), stored and archived as the
    post-trade processor and the trade archiver write them."""
    batch = ArchivedBatch(trades=tuple(trade.settled("2026-03-02T16:00:00.000Z") for trade in BATCH))
    put_trades(trading_aws.table, batch.trades)
    S3BatchArchive(trading_aws.s3, TRADES_BUCKET).put(batch)
    return batch.key


def analyze(key: str) -> dict[str, int]:
    return storage_analyzer.lambda_handler(s3_event(TRADES_BUCKET, key), FakeContext("storage_analyzer"))


def emitted_metrics(output: str) -> dict[str, Any]:
    """The metric values of the Embedded Metric Format lines the function printed."""
    values: dict[str, Any] = {}
    for line in output.splitlines():
        if '"_aws"' in line:
            document = json.loads(line)
            for definition in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                value = document[definition["Name"]]
                values[definition["Name"]] = value[0] if isinstance(value, list) else value
    return values


def test_a_settled_batch_reconciles(settled_key: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()

    assert analyze(settled_key) == {"audited": len(BATCH)}

    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["TradesAudited"] == len(BATCH)
    assert metrics["TradesMissing"] == 0
    assert Decimal(str(metrics["NotionalSettled"])) == sum((trade.notional for trade in BATCH), Decimal(0))


def test_url_encoded_keys_are_decoded(trading_aws: TradingAws, settled_key: str) -> None:
    odd_key = settled_key.replace(".json", " copy+1.json")
    trading_aws.s3.copy_object(
        Bucket=TRADES_BUCKET, Key=odd_key, CopySource={"Bucket": TRADES_BUCKET, "Key": settled_key}
    )
    assert analyze(odd_key) == {"audited": len(BATCH)}


def test_a_batch_with_a_missing_trade_fails(
    trading_aws: TradingAws, settled_key: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    lost = BATCH[7]
    replace_trade(trading_aws.table, lost.settled("2026-03-02T16:00:00.000Z"), None)
    capsys.readouterr()

    with pytest.raises(ReconciliationError, match=settled_key):
        analyze(settled_key)

    assert emitted_metrics(capsys.readouterr().out)["TradesMissing"] == 1
    (report,) = [record.report for record in caplog.records if hasattr(record, "report")]
    assert (report["key"], report["missing"], report["audited"]) == (settled_key, [lost.trade_id], len(BATCH))


def test_a_batch_whose_trade_differs_from_the_table_fails(trading_aws: TradingAws, settled_key: str) -> None:
    changed = BATCH[3].settled("2026-03-02T16:00:00.000Z")
    replace_trade(trading_aws.table, changed, dataclasses.replace(changed, quantity=changed.quantity + 1))
    with pytest.raises(ReconciliationError):
        analyze(settled_key)


def test_a_trade_a_lagging_read_misses_is_looked_for_again_consistently(
    settled_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The items are read eventually consistent; one the read misses (stored a moment ago) is read again,
    consistently, and only those: the batch reconciles."""
    real = stored_trades.batch_get
    reads: list[tuple[bool, int]] = []

    def lagging(client: Any, table: str, keys: Any, *, consistent: bool = True) -> list[dict[str, Any]]:
        items = real(client, table, keys, consistent=True)
        reads.append((consistent, len(keys)))
        return items if consistent else items[1:]  # the first item is not yet visible

    monkeypatch.setattr(stored_trades, "batch_get", lagging)

    assert analyze(settled_key) == {"audited": len(BATCH)}
    assert reads == [(False, len(BATCH)), (True, 1)]
