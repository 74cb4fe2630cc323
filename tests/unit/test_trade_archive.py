"""The archive: one object and one announcement per stream batch, the same however often the batch comes."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import child_order, trades
from trading_core.bus.events import BusEvent
from trading_core.settlement.archive import ArchivedBatch, Archiver, batch_id_for


class FakeArchive:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.puts = 0

    def put(self, batch: ArchivedBatch) -> None:
        self.puts += 1
        self.objects[batch.key] = (batch.body(), batch.metadata())


class Recorder:
    def __init__(self) -> None:
        self.published: list[BusEvent] = []

    def publish(self, events: list[BusEvent]) -> None:
        self.published.extend(events)


SETTLED = [
    replace(item, settlement_date=f"2026-03-0{2 - n % 2}T10:00:00.000Z")
    for n, item in enumerate(trades([child_order(n, ticker=t) for n, t in enumerate(["TSLA", "AAPL", "COIN", "AAPL"])]))
]


def test_a_batch_delivered_again_writes_the_same_object_and_event() -> None:
    archive, publisher = FakeArchive(), Recorder()
    archiver = Archiver(archive=archive, publisher=publisher)
    first = archiver.archive(SETTLED)
    second = archiver.archive(list(reversed(SETTLED)) + SETTLED[:1])
    assert first is not None and second is not None
    assert (first.key, first.body(), first.metadata()) == (second.key, second.body(), second.metadata())
    assert len(archive.objects) == 1 and archive.puts == 2
    assert len(publisher.published) == 2 and publisher.published[0] == publisher.published[1]
    event = publisher.published[0]
    assert (event.source, event.detail_type, event.detail["tradesSettled"]) == ("PostTradeProcessor", "Trades", "True")
    assert event.detail["trades"] == json.loads(first.body())


def test_the_object_lies_under_the_earliest_settlement_day_with_sorted_metadata() -> None:
    archive = FakeArchive()
    batch = Archiver(archive=archive, publisher=Recorder()).archive(SETTLED)
    assert batch is not None
    assert batch.key == f"settled/2026/03/01/{batch_id_for(item.trade_id for item in SETTLED)}.json"
    assert batch.metadata() == {
        "tickers": "AAPL,COIN,TSLA",
        "exchanges": ",".join(sorted({item.exchange for item in SETTLED})),
    }
    assert [item["tradeId"] for item in json.loads(archive.objects[batch.key][0])] == sorted(
        item.trade_id for item in SETTLED
    )


def test_a_batch_that_adds_no_trade_archives_and_announces_nothing() -> None:
    archive, publisher = FakeArchive(), Recorder()
    assert Archiver(archive=archive, publisher=publisher).archive([]) is None
    assert archive.puts == 0 and publisher.published == []


@given(st.permutations(range(6)))
def test_the_batch_id_depends_only_on_the_set_of_trade_ids(order: list[int]) -> None:
    ids = [f"trade-{n}" for n in range(6)]
    assert batch_id_for(ids[n] for n in order) == batch_id_for(ids) == batch_id_for(ids + ids[:2])
    assert batch_id_for(ids[:5]) != batch_id_for(ids)
