"""Settled batches read back from the trades bucket (`SettledObjects`)."""

from __future__ import annotations

import json
from typing import Any

from trading_core.model.trade import Trade
from trading_core.settlement.storage_analyzer import SettledObject


class S3SettledObjects:
    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def read(self, bucket: str, key: str) -> SettledObject:
        response = self._s3.get_object(Bucket=bucket, Key=key)
        body = json.loads(response["Body"].read())
        return SettledObject(
            bucket=bucket,
            key=key,
            trades=tuple(Trade.from_wire(item) for item in body),
            metadata=response.get("Metadata", {}),
        )
