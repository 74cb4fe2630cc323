"""Looking up tickers with no stored market data before an order for them is accepted.

The router invokes the quote-summary function synchronously (it fetches the quote from the provider
and stores it), so the order is priced like any other, and a ticker the provider does not know is
refused as `unknown ticker`. Each ticker is looked up once: afterwards its quote is stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.contracts import TICKERS_FIELD
from trading_core.market.price import PriceUnavailable


@dataclass(frozen=True)
class LookupResult:
    found: frozenset[str]
    not_found: frozenset[str]


class TickerLookup(Protocol):
    def lookup(self, tickers: Sequence[str]) -> LookupResult: ...


class FunctionTickerLookup:
    """Invokes the quote-summary function (`{"tickers": [...]}` → `{"summaries", "notFound"}`)."""

    def __init__(self, client: Any, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def lookup(self, tickers: Sequence[str]) -> LookupResult:
        try:
            response = self._client.invoke(
                FunctionName=self._function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps({TICKERS_FIELD: list(tickers)}).encode(),
            )
            payload = json.loads(response["Payload"].read() or b"null")
        except (ClientError, BotoCoreError, ValueError) as error:
            raise PriceUnavailable(f"could not look up {', '.join(tickers)}: {error}") from error
        if response.get("FunctionError") or not isinstance(payload, dict):
            raise PriceUnavailable(f"the lookup of {', '.join(tickers)} failed: {payload}")
        found = frozenset(str(summary["ticker"]) for summary in payload.get("summaries", []))
        return LookupResult(found=found, not_found=frozenset(str(t) for t in payload.get("notFound", [])))
