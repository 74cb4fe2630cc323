"""At most one submission per `Idempotency-Key` (Powertools Idempotency on its own table, 24 h).

The key is the header value; the stored record also validates the orders, so reusing a key with
different orders is refused. Validation failures are never stored (they are answered first), and
neither are answers with a transient failure, so retrying such a request with the same key works.
The refusals below are typed; the handler answers each with its HTTP status.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from trading_core.orders.request import IDEMPOTENCY_KEY_HEADER, SubmittedOrder
from trading_core.orders.router import Answer, RoutingResult, Submit

logger = logging.getLogger(__name__)

RECORD_LIFETIME_SECONDS = 24 * 3600


class IdempotencyRefusal(Exception):
    """A request with an `Idempotency-Key` that cannot be run now; nothing was reserved."""

    def errors(self) -> list[dict[str, str]]:
        return []

    def body(self) -> dict[str, Any]:
        """The one error body (`trading_core.api.errors`, whose shape this package cannot import)."""
        return {"message": str(self), "errors": self.errors()}


class RequestInProgress(IdempotencyRefusal):
    def __init__(self) -> None:
        super().__init__(f"a request with this {IDEMPOTENCY_KEY_HEADER} is still in progress")


class KeyReused(IdempotencyRefusal):
    def __init__(self) -> None:
        super().__init__(f"this {IDEMPOTENCY_KEY_HEADER} was already used with different orders")

    def errors(self) -> list[dict[str, str]]:
        return [{"field": IDEMPOTENCY_KEY_HEADER, "message": "was already used with different orders"}]


class IdempotencyStoreUnavailable(IdempotencyRefusal):
    def __init__(self) -> None:
        super().__init__("temporarily unavailable, try again")


class _NotReplayable(Exception):
    """Carries an answer with a transient failure out of the idempotent call, so it is not stored."""

    def __init__(self, result: RoutingResult) -> None:
        super().__init__("transient failure")
        self.result = result


class IdempotentSubmissions:
    """`OrderRouter`'s `IdempotentRun` over the idempotency table."""

    def __init__(
        self, table_name: str, *, client: Any = None, expires_after_seconds: int = RECORD_LIFETIME_SECONDS
    ) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="orders",
            expires_after_seconds=expires_after_seconds,
        )
        store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        self._once = idempotent_function(data_keyword_argument="request", persistence_store=store, config=self.config)(
            _submit_once
        )

    def register_context(self, context: Any) -> None:
        self.config.register_lambda_context(context)

    def run(self, key: str, orders: Sequence[SubmittedOrder], submit: Submit) -> Answer:
        outcome: dict[str, Any] = {}
        try:
            body = self._once(
                request={"key": key, "orders": [order.sent for order in orders]},
                orders=orders,
                submit=submit,
                outcome=outcome,
            )
        except _NotReplayable as transient:
            return Answer(transient.result.body(), transient.result.metrics())
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress() from None
        except IdempotencyValidationError:
            raise KeyReused() from None
        except IdempotencyPersistenceLayerError:
            logger.exception("idempotency store unavailable")
            raise IdempotencyStoreUnavailable() from None
        result = outcome.get("result")
        return Answer(body, result.metrics() if result else {"ReplayedRequests": 1})


def _submit_once(
    *,
    request: dict[str, Any],
    orders: Sequence[SubmittedOrder],
    submit: Submit,
    outcome: dict[str, Any],
) -> dict[str, Any]:
    result = submit(orders)
    if result.retryable:
        raise _NotReplayable(result)
    outcome["result"] = result
    return result.body()
