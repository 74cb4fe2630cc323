"""Workflow B: did any ticker of the Map get new history? -> `{"newData": bool, "tickers": [...]}`.

Takes the Map's results as the whole input (a list) or under `results` (`ResultPath: $.results`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common.observability import observability
from trading_core.contracts import MAP_RESULTS_FIELD
from trading_core.market_data.service import new_data

logger = observability().logger


@logger.inject_lambda_context
def lambda_handler(event: list[dict[str, Any]] | dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    results = event if isinstance(event, list) else event.get(MAP_RESULTS_FIELD, [])
    decision = new_data(results)
    logger.info("new data checked", extra=decision)
    return decision
