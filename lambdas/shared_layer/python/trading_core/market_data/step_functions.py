"""Starting the ticker-map workflow (`StepFunctionAPIs` mode of the router's market-data requests)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)


class StepFunctionsStarter:
    """StartExecution on one state machine. The client is built on first use, so a router that never
    uses this mode never pays for it at cold start."""

    def __init__(self, client: Callable[[], Any], state_machine_arn: str) -> None:
        self._client = functools.cache(client)
        self._state_machine_arn = state_machine_arn

    def __call__(self, name: str, payload: str) -> None:
        try:
            self._client().start_execution(stateMachineArn=self._state_machine_arn, name=name, input=payload)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise
            logger.info("execution %s already started by another request", name)
