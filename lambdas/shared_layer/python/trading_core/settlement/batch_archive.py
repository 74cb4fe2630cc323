"""Archived batches as S3 objects in the trades bucket (`BatchArchive`)."""

from __future__ import annotations

from typing import Any

from trading_core.settlement.archive import ArchivedBatch


class S3BatchArchive:
    """One JSON object per batch under `settled/<yyyy>/<mm>/<dd>/`; rewriting it is harmless
    because a retried batch has the same key and the same bytes."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, batch: ArchivedBatch) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=batch.key,
            Body=batch.body(),
            ContentType="application/json",
            Metadata=batch.metadata(),
        )
