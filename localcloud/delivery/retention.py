"""Stream retention: moto's stream records trimmed once nothing needs them, as DynamoDB Streams trims them.

DynamoDB Streams keeps a record 24 hours; moto keeps every record for as long as the process runs, in memory,
both images of the item in each (about 10 KB as Python objects: in a soak about half the memory kept per order,
docs/architecture.md §9). The pollers (`localcloud.delivery.streams`) trim every stream every
`TRIM_EVERY` seconds: the oldest records of a shard go once they are
- read by every stream mapping of the stream (past its checkpoint), and
- older than `RETENTION` (what the AWS endpoint's readers, `aws dynamodbstreams get-records` or a new
  TRIM_HORIZON mapping, can still look back over: 5 minutes, not AWS's 24 hours), and
- not in or after a batch a mapping sent to its on-failure destination in the last 24 hours (`make redrive`
  reads such a batch back from the stream: `Retention.pin`);
and, whatever reads them, once older than AWS's 24 hours. Only a prefix is trimmed: the records leave the
front of `StreamShard.items` and the shard's `starting_sequence_number` moves on by as many, so moto's reads
stay right (TRIM_HORIZON is the oldest record kept; sequence numbers never change) and one from before it
answers TrimmedDataAccessException (patch 18, `localcloud.moto_patches.dynamodb_streams`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final

from localcloud.moto_lock import MOTO_LOCK

RETENTION: Final = 300.0  # seconds a record read by every mapping stays readable locally
AWS_RETENTION: Final = 24 * 3600.0  # DynamoDB Streams' retention: trimmed then whatever reads it
TRIM_EVERY: Final = 10.0  # seconds between two trims

StreamKey = tuple[str, str, str, str]  # account, region, table name, stream label


class Retention:
    """What holds the trimming (pins of failed batches) and the trimming itself."""

    def __init__(self, *, retention: float = RETENTION, every: float = TRIM_EVERY) -> None:
        self.retention = retention
        self.every = every
        self.trimmed = 0  # records trimmed so far
        self._pins: dict[StreamKey, list[tuple[int, float]]] = {}  # first sequence number, until (time.time)
        self._lock = threading.Lock()
        self._last: float | None = None  # time.monotonic() of the last trim

    def pin(self, stream: StreamKey, first_sequence: int) -> None:
        """A batch from `first_sequence` on went to an on-failure destination: kept for AWS's 24 hours."""
        with self._lock:
            self._pins.setdefault(stream, []).append((first_sequence, time.time() + AWS_RETENTION))

    def _pinned(self, stream: StreamKey, now: float) -> int | None:
        with self._lock:
            live = [(sequence, until) for sequence, until in self._pins.get(stream, []) if until > now]
            if live:
                self._pins[stream] = live
            else:
                self._pins.pop(stream, None)
            return min((sequence for sequence, _ in live), default=None)

    def due(self) -> bool:
        """True at most once per `every` seconds (the caller then trims)."""
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now < self._last + self.every:
                return False
            self._last = now
            return True

    def trim(self, positions: Mapping[StreamKey, Iterable[int]]) -> int:
        """Trims every stream of moto's tables; `positions`: each stream's mappings' next sequence numbers."""
        from moto.dynamodb.models import dynamodb_backends

        trimmed = 0
        with MOTO_LOCK:
            for account, regions in list(dynamodb_backends.items()):
                for region, backend in list(regions.items()):
                    for table in list(backend.tables.values()):
                        shard = table.stream_shard
                        if shard is not None and shard.items:
                            key = (account, region, table.name, str(table.latest_stream_label))
                            trimmed += self._trim(shard, positions.get(key, ()), self._pinned(key, time.time()))
        self.trimmed += trimmed
        return trimmed

    def _trim(self, shard: Any, positions: Iterable[int], pinned: int | None) -> int:
        from moto.core.utils import utcnow

        items, start = shard.items, shard.starting_sequence_number
        needed = min([len(items), *(p - start for p in positions), *([] if pinned is None else [pinned - start])])
        now = utcnow()
        read_before, kept_after = now - dt.timedelta(seconds=self.retention), now - dt.timedelta(seconds=AWS_RETENTION)
        count = 0
        while count < needed and _created(items[count]) <= read_before:
            count += 1
        while count < len(items) and _created(items[count]) <= kept_after:
            count += 1
        if count:
            del items[:count]
            shard.starting_sequence_number += count
        return count


def _created(record: Any) -> dt.datetime:
    created: dt.datetime = record.record["dynamodb"]["ApproximateCreationDateTime"]
    return created
