"""A stream mapping's view of moto's shard: each record is converted to Lambda's shape once, however often the
poller looks while a batching window gathers records (each look used to convert every unread record again, under
`MOTO_LOCK`, which made a 1,000-record window cost more than the writes that filled it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from localcloud.delivery.stream_records import lambda_record
from localcloud.moto_lock import MOTO_LOCK


class ShardReader:
    """The records from a checkpoint on, at most `limit`, kept between reads until the checkpoint passes them."""

    def __init__(
        self,
        locate: Callable[[], Any],
        *,
        stream_arn: str,
        region: str,
        matches: Callable[[dict[str, Any]], bool],
        limit: int,
    ) -> None:
        self._locate = locate  # the table's current shard or None; called with MOTO_LOCK held
        self._stream_arn = stream_arn
        self._region = region
        self._matches = matches
        self._limit = limit
        self._shard: Any = None
        self._start = 0  # sequence number of the first record kept
        self._records: list[dict[str, Any]] = []
        self._matching: list[bool] = []

    def read(self, position: int) -> tuple[int, str, list[dict[str, Any]]]:
        """(the checkpoint, moved to a restored table's first record if it was before it; the shard's id; the
        records from it). A new shard (the table restored or its stream replaced) starts the view again."""
        with MOTO_LOCK:
            shard = self._locate()
            if shard is None:
                self._forget(position)
                return position, "", []
            first = shard.starting_sequence_number
            position = first + min(max(position - first, 0), len(shard.items))
            if shard is not self._shard or not self._start <= position <= self._start + len(self._records):
                self._shard = shard
                self._forget(position)
            else:
                del self._records[: position - self._start]
                del self._matching[: position - self._start]
                self._start = position
            have = self._start + len(self._records) - first
            end = min(position - first + self._limit, len(shard.items))
            raw = [item.to_json() for item in shard.items[have:end]]
            shard_id = shard.id
        shaped = [lambda_record(record, stream_arn=self._stream_arn, region=self._region) for record in raw]
        added = json.loads(json.dumps(shaped))
        self._records.extend(added)
        self._matching.extend(self._matches(record) for record in added)
        return position, shard_id, list(self._records)

    def matching(self) -> int:
        """How many of the records last read the mapping's filters take."""
        return sum(self._matching)

    def _forget(self, position: int) -> None:
        self._start, self._records, self._matching = position, [], []
