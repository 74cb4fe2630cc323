"""The data API's synchronous history lookup in the moto world (the portfolio of a past date).

moto runs no Lambda function in-process, so the Lambda client the data API invokes the historical-data
function with is replaced by `HistoricalDataFunction`, which runs `lambdas.historical_data.handler`
(the offline provider, storing into the moto MarketData table, on the test's clock) in-process and
answers as Lambda would. The rest of the path is the deployed one.
"""

from __future__ import annotations

import io
import json
from typing import Any, Final

import boto3
import pytest

from tests.integration.api_events import lambda_context
from trading_core.contracts import (
    HISTORY_LOOKUP_FUNCTION_ENV,
    MARKET_DATA_BUCKET_ENV,
    MARKET_DATA_PROVIDER_ENV,
    OFFLINE_PROVIDER,
)

HISTORICAL_DATA_FUNCTION: Final = "trading-system-dev-historical-data"
MARKET_DATA_BUCKET: Final = "trading-system-dev-market-data-bucket"


class HistoricalDataFunction:
    """A Lambda client whose `invoke` of the historical-data function runs its handler in-process."""

    def __init__(self, function_name: str = HISTORICAL_DATA_FUNCTION) -> None:
        self.function_name = function_name
        self.invocations: list[dict[str, Any]] = []
        self.fail = False

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        from lambdas.historical_data import handler

        assert (FunctionName, InvocationType) == (self.function_name, "RequestResponse")
        event = json.loads(Payload)
        self.invocations.append(event)
        if self.fail:
            error = {"errorMessage": "Task timed out after 60.00 seconds", "errorType": "Sandbox.Timedout"}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(error).encode())}
        result = handler.lambda_handler(event, lambda_context("historical_data"))
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


def install_historical_data(monkeypatch: pytest.MonkeyPatch) -> HistoricalDataFunction:
    """Inside mock_aws: the function's environment and bucket, and the data API's lookup through it.

    Returns the fake so a test can read its invocations; installing again replaces it."""
    from lambdas.data_api import handler as data_api
    from lambdas.historical_data import handler as historical_data
    from trading_core.market_data.history_lookup import FunctionHistoryLookup

    s3 = boto3.client("s3", region_name="us-east-1")
    if MARKET_DATA_BUCKET not in {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=MARKET_DATA_BUCKET)
    for name, value in {
        HISTORY_LOOKUP_FUNCTION_ENV: HISTORICAL_DATA_FUNCTION,
        MARKET_DATA_BUCKET_ENV: MARKET_DATA_BUCKET,
        MARKET_DATA_PROVIDER_ENV: OFFLINE_PROVIDER,
    }.items():
        monkeypatch.setenv(name, value)
    function = HistoricalDataFunction()
    monkeypatch.setattr(data_api, "FunctionHistoryLookup", lambda client, name: FunctionHistoryLookup(function, name))
    historical_data.build.cache_clear()
    data_api.build.cache_clear()
    return function
