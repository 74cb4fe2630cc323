"""The providers' raw answers in the market-data bucket (`RawArchive`)."""

from __future__ import annotations

import json
from typing import Any

from trading_core.contracts import RAW_PREFIX


class S3RawArchive:
    """The providers' answers as JSON at `raw/<ticker>/<kind>/<yyyy-mm-dd>.json` (a day's last answer wins)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @staticmethod
    def key(ticker: str, kind: str, day: str) -> str:
        return f"{RAW_PREFIX}{ticker}/{kind}/{day}.json"

    def put(self, ticker: str, kind: str, day: str, payload: Any) -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=self.key(ticker, kind, day),
            Body=json.dumps(payload, default=str, separators=(",", ":")).encode(),
            ContentType="application/json",
        )
