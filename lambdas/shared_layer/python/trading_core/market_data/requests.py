"""The router's market-data requests (docs/architecture.md §3, the cost guard): ask only for stale tickers.

After the orders of a request are routed, `MarketDataRequester.request(tickers)` keeps the tickers
whose MarketData summary is missing or older than `max_age` (`MarketDataStore.stale_tickers`: one
BatchGetItem per 100 tickers) and asks for them in the mode the SSM parameter
`/trading-system/<stage>/market-data-invoke-mode` names:

- `EventBridge`: `SmartOrderRouter` / `MarketData` events `{"tickers": [...]}` on the order-flow
  event bus, which start workflow A. Always EventBridge, whatever `bus-type` says: the rule lives on
  the bus. At most `MAX_TICKERS_PER_EVENT` tickers per event, so one execution's quote-summary and
  history tasks (one Lambda each, tickers in turn) stay well within their 60 s timeout.
- `StepFunctionAPIs`: one StartExecution of workflow B (`MARKET_DATA_TICKER_MAP_WORKFLOW_ARN`) with
  `{"detail": {"tickers": [{"ticker": "AAPL"}, ...]}}` (its Map fetches each ticker in its own task).
  The execution is named from the sorted tickers and the minute, so routers asking for the same
  tickers within one minute start a single execution; `ExecutionAlreadyExists` counts as success.

A mode other than `INVOKE_MODES` is a configuration error (`InvalidParameter`): logged as such, with the
parameter and its allowed values, and nothing is requested (the orders stand). The deployed parameter's
AllowedPattern keeps such a value out of SSM in the first place.

`request` never raises and never makes an order wait long: the orders are already routed, a failure
is logged (`logger.exception`) and reported in the outcome (metric `MarketDataRequestFailures`), and
the AWS clients used here time out fast (`common.aws_clients.FAST_FAIL_CONFIG`). A warm router does not ask again
for a ticker it asked for within `cooldown`: the workflow needs seconds to store the data, and a
ticker the provider does not know stays stale for ever.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from trading_core.bus.events import BusEvent, Publisher
from trading_core.common.clock import Clock, utc_now
from trading_core.common.dynamodb import chunked
from trading_core.common.environment import InvalidParameter, allowed_value
from trading_core.common.parameters import ParameterReader, single
from trading_core.contracts import (
    DETAIL_FIELD,
    INVOKE_MODES,
    MARKET_DATA_INVOKE_MODE_PARAMETER,
    MARKET_DATA_REQUEST_DETAIL_TYPE,
    MAX_TICKERS_PER_EXECUTION,
    ROUTER_SOURCE,
    STEP_FUNCTIONS_MODE,
    TICKER_FIELD,
    TICKERS_FIELD,
)

logger = logging.getLogger(__name__)

MAX_TICKERS_PER_EVENT: Final = 10
REQUEST_COOLDOWN: Final = timedelta(minutes=5)

TICKERS_REQUESTED: Final = "MarketDataTickersRequested"
REQUEST_FAILURES: Final = "MarketDataRequestFailures"


@dataclass(frozen=True)
class MarketDataRequest:
    """What one `request` did: the mode used, the tickers asked for, whether it failed."""

    mode: str | None = None
    tickers: tuple[str, ...] = ()
    failed: bool = False

    def metrics(self) -> dict[str, int]:
        return {TICKERS_REQUESTED: 0 if self.failed else len(self.tickers), REQUEST_FAILURES: int(self.failed)}


class MarketDataRequests(Protocol):
    def request(self, tickers: Iterable[str]) -> MarketDataRequest: ...


StaleTickers = Callable[[Sequence[str], datetime], Sequence[str]]
# (execution name, input JSON) -> None; an execution of that name already started is no error.
StartExecution = Callable[[str, str], None]


def execution_name(tickers: Sequence[str], now: datetime) -> str:
    """`sor-<yyyymmddThhmm UTC>-<hash of the tickers>`: the same for the same tickers within a minute
    (50 characters of `[A-Za-z0-9-]`; Step Functions allows 80)."""
    digest = hashlib.sha256(",".join(sorted(tickers)).encode()).hexdigest()[:32]
    return f"sor-{now.astimezone(UTC):%Y%m%dT%H%M}-{digest}"


def workflow_b_input(tickers: Sequence[str]) -> str:
    detail = {TICKERS_FIELD: [{TICKER_FIELD: ticker} for ticker in tickers]}
    return json.dumps({DETAIL_FIELD: detail}, separators=(",", ":"))


def request_events(tickers: Sequence[str]) -> list[BusEvent]:
    return [
        BusEvent(source=ROUTER_SOURCE, detail_type=MARKET_DATA_REQUEST_DETAIL_TYPE, detail={TICKERS_FIELD: list(chunk)})
        for chunk in chunked(tickers, MAX_TICKERS_PER_EVENT)
    ]


class MarketDataRequester:
    """Asks the market-data workflows for the stale tickers among those just traded (see module doc)."""

    def __init__(
        self,
        *,
        invoke_mode: Callable[[], str],
        stale_tickers: StaleTickers,
        events: Publisher,
        start_execution: StartExecution,
        clock: Clock = utc_now,
        cooldown: timedelta = REQUEST_COOLDOWN,
    ) -> None:
        self._invoke_mode = invoke_mode
        self._stale_tickers = stale_tickers
        self._events = events
        self._start_execution = start_execution
        self._clock = clock
        self._cooldown = cooldown
        self._requested: dict[str, datetime] = {}

    def request(self, tickers: Iterable[str]) -> MarketDataRequest:
        """Never raises: a failure is logged and returned as `failed`, the caller's orders stand."""
        mode: str | None = None
        wanted: list[str] = []
        try:
            now = self._clock()
            wanted = self._not_recently_requested(tickers, now)
            if not wanted:
                return MarketDataRequest()
            wanted = sorted(self._stale_tickers(wanted, now))
            if not wanted:
                return MarketDataRequest()
            mode = self._mode()
            if mode == STEP_FUNCTIONS_MODE:
                for chunk in chunked(wanted, MAX_TICKERS_PER_EXECUTION):
                    self._start_execution(execution_name(chunk, now), workflow_b_input(chunk))
            else:
                self._events.publish(request_events(wanted))
        except InvalidParameter as error:
            logger.error("%s: no market data requested for %s; orders are not affected", error, wanted)
            return MarketDataRequest(mode=mode, tickers=tuple(wanted), failed=True)
        except Exception:
            logger.exception("could not request market data for %s (mode %s); orders are not affected", wanted, mode)
            return MarketDataRequest(mode=mode, tickers=tuple(wanted), failed=True)
        self._requested.update(dict.fromkeys(wanted, now))
        logger.info("requested market data for %s (mode %s)", wanted, mode)
        return MarketDataRequest(mode=mode, tickers=tuple(wanted))

    def _not_recently_requested(self, tickers: Iterable[str], now: datetime) -> list[str]:
        self._requested = {t: at for t, at in self._requested.items() if now - at < self._cooldown}
        return [ticker for ticker in dict.fromkeys(tickers) if ticker not in self._requested]

    def _mode(self) -> str:
        return allowed_value(MARKET_DATA_INVOKE_MODE_PARAMETER, self._invoke_mode().strip(), INVOKE_MODES)


def invoke_mode_reader(read: ParameterReader) -> Callable[[], str]:
    """`market-data-invoke-mode`, read at every request through the reader's cache."""
    return single(read, MARKET_DATA_INVOKE_MODE_PARAMETER)
