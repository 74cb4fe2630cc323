"""External manager (rule on `MarketDataManagerStepFunction` / `NoHistoricalDataRetrieved`): SendTaskSuccess.

Takes the detail (`InputPath: $.detail`) or the whole event. A token that no execution waits for any
more (timed out, finished, malformed) is logged and dropped: retrying could not help.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from trading_core.common import aws_clients
from trading_core.common.observability import observability
from trading_core.contracts import DETAIL_FIELD, NEW_DATA_FIELD, TASK_TOKEN_FIELD, TICKERS_FIELD

DEAD_TOKEN_ERRORS: Final = frozenset({"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"})

obs = observability()
logger, tracer = obs.logger, obs.tracer


@functools.cache
def build() -> Any:
    """The composition root: a Step Functions client (this function reads no environment variable)."""
    return aws_clients.client("stepfunctions")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event[DETAIL_FIELD] if isinstance(event.get(DETAIL_FIELD), dict) else event
    token = detail.get(TASK_TOKEN_FIELD)
    if not isinstance(token, str) or not token:
        raise ValueError("the event has no taskToken")
    output = {NEW_DATA_FIELD: False, TICKERS_FIELD: detail.get(TICKERS_FIELD, [])}
    try:
        build().send_task_success(taskToken=token, output=json.dumps(output))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in DEAD_TOKEN_ERRORS:
            raise
        logger.warning("task token no longer awaited", extra={"error": code})
        return {"completed": False, "error": code}
    logger.info("task token completed")
    return {"completed": True}
