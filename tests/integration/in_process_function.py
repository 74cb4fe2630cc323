"""A market-data function invoked synchronously, run in-process in the moto world.

moto runs no Lambda function in-process, so the Lambda client a handler invokes a market-data function with
(the router's ticker lookup, the data API's history lookup) is replaced by an `InProcessFunction`: it runs
the function's handler module (the offline provider, storing into the moto MarketData table) and answers as
Lambda does, or with Lambda's timeout error when a test sets `fail`.
"""

from __future__ import annotations

import importlib
import io
import json
from typing import Any

import boto3
import pytest

from tests.integration.api_events import lambda_context
from tests.integration.market_data_fixtures import MARKET_DATA_BUCKET
from trading_core.contracts import MARKET_DATA_BUCKET_ENV, MARKET_DATA_PROVIDER_ENV, OFFLINE_PROVIDER


class InProcessFunction:
    """A Lambda client whose `invoke` of one function runs `lambdas.<name>.handler` in-process."""

    def __init__(self, function_name: str, name: str, timeout_seconds: int) -> None:
        self.function_name = function_name
        self.name = name
        self.timeout_seconds = timeout_seconds
        self.invocations: list[dict[str, Any]] = []
        self.fail = False

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        handler = importlib.import_module(f"lambdas.{self.name}.handler")
        assert (FunctionName, InvocationType) == (self.function_name, "RequestResponse")
        event = json.loads(Payload)
        self.invocations.append(event)
        if self.fail:
            error = {
                "errorMessage": f"Task timed out after {self.timeout_seconds:.2f} seconds",
                "errorType": "Sandbox.Timedout",
            }
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(error).encode())}
        result = handler.lambda_handler(event, lambda_context(self.name))
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


def prepare_market_data_function(monkeypatch: pytest.MonkeyPatch, lookup_env: str, function_name: str) -> None:
    """Inside mock_aws: the market-data bucket, the fetching functions' environment and the caller's
    variable naming the function."""
    s3 = boto3.client("s3", region_name="us-east-1")
    if MARKET_DATA_BUCKET not in {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=MARKET_DATA_BUCKET)
    for name, value in {
        lookup_env: function_name,
        MARKET_DATA_BUCKET_ENV: MARKET_DATA_BUCKET,
        MARKET_DATA_PROVIDER_ENV: OFFLINE_PROVIDER,
    }.items():
        monkeypatch.setenv(name, value)
