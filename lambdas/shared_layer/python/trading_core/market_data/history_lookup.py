"""Loading the daily history a portfolio of a past date needs, before it is valued.

The data API invokes the historical-data function synchronously (it fetches the bars from the provider
and stores them, `MarketDataService.refresh_history`) with the first day it needs, then reads the
stored history again, so a past date is valued from the same rows as every other reader. One
invocation per request, for every ticker lacking closes. A failed invocation raises
`HistoryUnavailable` (the data API answers 503: try again); a ticker the provider has no history of
is simply not stored, and the caller reports it without a price — it never makes one up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, Final, Protocol

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from trading_core.contracts import TICKERS_FIELD
from trading_core.market_data.service import HISTORY_FROM_FIELD

# The Lambda client of the lookup: the API answers within 29 s, and a load that timed out is not sent
# again (the next request asks anew).
HISTORY_LOOKUP_CONFIG: Final = Config(
    connect_timeout=2, read_timeout=20, retries={"mode": "standard", "max_attempts": 1}
)


class HistoryUnavailable(RuntimeError):
    """The historical-data function could not be invoked or failed: loading the `tickers` may work later."""

    def __init__(self, tickers: Sequence[str], problem: str) -> None:
        super().__init__(f"the history of {', '.join(tickers)} could not be loaded: {problem}")
        self.tickers = tuple(tickers)


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
            raise HistoryUnavailable(tickers, str(error)) from error
        if response.get("FunctionError") or not isinstance(answer, dict):
            raise HistoryUnavailable(tickers, f"the function failed: {answer}")
