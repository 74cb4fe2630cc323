"""The data API's synchronous history lookup in the moto world (the portfolio of a past date).

The Lambda client the data API invokes the historical-data function with is replaced by
`HistoricalDataFunction` (`tests.integration.in_process_function`), which runs
`lambdas.historical_data.handler` in-process (on the test's clock). The rest of the path is the deployed one.
"""

from __future__ import annotations

from typing import Final

import pytest

from tests.integration.in_process_function import InProcessFunction, prepare_market_data_function
from trading_core.contracts import HISTORY_LOOKUP_FUNCTION_ENV

HISTORICAL_DATA_FUNCTION: Final = "trading-system-dev-historical-data"


class HistoricalDataFunction(InProcessFunction):
    """The historical-data function, run in-process."""

    def __init__(self, function_name: str = HISTORICAL_DATA_FUNCTION) -> None:
        super().__init__(function_name, "historical_data", timeout_seconds=60)


def install_historical_data(monkeypatch: pytest.MonkeyPatch) -> HistoricalDataFunction:
    """Inside mock_aws: the function's environment and bucket, and the data API's lookup through it.

    Returns the fake so a test can read its invocations; installing again replaces it."""
    from lambdas.data_api import handler as data_api
    from lambdas.historical_data import handler as historical_data
    from trading_core.market_data.history_lookup import FunctionHistoryLookup

    prepare_market_data_function(monkeypatch, HISTORY_LOOKUP_FUNCTION_ENV, HISTORICAL_DATA_FUNCTION)
    function = HistoricalDataFunction()
    monkeypatch.setattr(data_api, "FunctionHistoryLookup", lambda client, name: FunctionHistoryLookup(function, name))
    historical_data.build.cache_clear()
    data_api.build.cache_clear()
    return function
