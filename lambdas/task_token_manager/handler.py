"""External manager (rule on `MarketDataManagerStepFunction` / `NoHistoricalDataRetrieved`): SendTaskSuccess.

Takes the detail (`InputPath: $.detail`) or the whole event. A token that no execution waits for any
more (timed out, finished, malformed) is logged and dropped: retrying could not help.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Final

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from trading_core import aws

DEAD_TOKEN_ERRORS: Final = frozenset({"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"})

logger = Logger()
tracer = Tracer()


@functools.cache
def stepfunctions() -> Any:
    return aws.client("stepfunctions")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event["detail"] if isinstance(event.get("detail"), dict) else event
    token = detail.get("taskToken")
    if not isinstance(token, str) or not token:
        raise ValueError("the event has no taskToken")
    output = {"newData": False, "tickers": detail.get("tickers", [])}
    try:
        stepfunctions().send_task_success(taskToken=token, output=json.dumps(output))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in DEAD_TOKEN_ERRORS:
            raise
        logger.warning("task token no longer awaited", extra={"error": code})
        return {"completed": False, "error": code}
    logger.info("task token completed")
    return {"completed": True}
