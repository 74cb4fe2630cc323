"""Loading the daily history a portfolio of a past date needs, before it is valued.

The data API invokes the historical-data function synchronously (it fetches the bars from the provider
and stores them, `MarketDataService.refresh_history`) with the first day it needs, then reads the
stored history again, so a past date is valued from the same rows as every other reader. One
invocation per request, for every ticker lacking closes. A failure is reported as
`HistoryUnavailable`: the caller leaves those tickers without a price, it never makes one up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.contracts import TICKERS_FIELD
from trading_core.market_data.service import HISTORY_FROM_FIELD


class HistoryUnavailable(RuntimeError):
    """The historical-data function could not be invoked or failed."""


class HistoryLookup(Protocol):
    def load(self, tickers: Sequence[str], since: date) -> None:
        """Stores each ticker's daily bars from `since` up to yesterday (what the provider has)."""


class FunctionHistoryLookup:
    """Invokes the historical-data function (`{"tickers": [...], "from": day}` → `{"tickers", "newRows"}`)."""

    def __init__(self, client: Any, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def load(self, tickers: Sequence[str], since: date) -> None:
        payload = {TICKERS_FIELD: list(tickers), HISTORY_FROM_FIELD: since.isoformat()}
        try:
            response = self._client.invoke(
                FunctionName=self._function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode(),
            )
            answer = json.loads(response["Payload"].read() or b"null")
        except (ClientError, BotoCoreError, ValueError) as error:
            raise HistoryUnavailable(f"could not load the history of {', '.join(tickers)}: {error}") from error
        if response.get("FunctionError") or not isinstance(answer, dict):
            raise HistoryUnavailable(f"the history load of {', '.join(tickers)} failed: {answer}")
