"""Customer seeder: a CloudFormation custom resource that creates the initial customers once."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import aws, seeding
from trading_core.clock import to_iso, utc_now

logger = Logger()
tracer = Tracer()


@functools.cache
def seeder() -> seeding.CustomerSeeder:
    """Built inside the request's error handling, so even a missing table name is answered FAILED."""
    return seeding.CustomerSeeder(aws.trades_table())


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = seeding.handle_custom_resource(
        event, seeder=seeder, now=to_iso(utc_now()), log_stream=context.log_stream_name
    )
    logger.info("answered CloudFormation", extra={"status": answer["Status"], "reason": answer["Reason"]})
    return answer
