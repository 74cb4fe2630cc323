"""Customer accounts on the data API: `POST /customers` opens an account, `POST /customers/{customerId}/deposits`
and `/withdrawals` move money (one ledger entry each, never beyond the available funds), `GET /customers`
lists the customers (trading_core.customers.accounts). Each refusal is answered here with its HTTP status."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.api import parameters as p
from trading_core.api.data_api import DOCUMENT as DATA_API
from trading_core.api.errors import FieldError, error_body
from trading_core.api.query_parameters import documented_query, only_documented
from trading_core.common import aws_clients
from trading_core.common.clock import utc_now
from trading_core.common.environment import TradesTableEnvironment, load
from trading_core.common.observability import observability
from trading_core.contracts import CUSTOMER_ID_PATTERN
from trading_core.customers.account_requests import AccountRefusal, InvalidAccountRequest
from trading_core.customers.accounts import (
    AccountsUnavailable,
    CustomerAccounts,
    CustomerExists,
    CustomerNotFound,
    InsufficientFunds,
    KeyReused,
    Result,
    UnreadableAccount,
)
from trading_core.customers.accounts_store import DynamoAccountsStore
from trading_core.customers.record import UnreadableCustomer
from trading_core.orders.request import IDEMPOTENCY_KEY_HEADER, InvalidRequest, check_idempotency_key
from trading_core.queries.parameters import invalid_request_body
from trading_core.queries.trades_queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics
app = APIGatewayRestResolver(enable_validation=True)
app.use([only_documented(documented_query(DATA_API))])

CustomerId = Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN)]
# What a parameter that fails its schema is told (pydantic would echo the regex or its own wording).
HINTS: Final = p.hints((p.CUSTOMER_ID, p.LIMIT, p.NEXT_TOKEN))
# Each refusal's HTTP status and the metric it is counted in.
REFUSALS: Final = (
    (InvalidAccountRequest, 400, "InvalidRequests"),
    (CustomerNotFound, 404, "UnknownCustomers"),
    (CustomerExists, 409, "CustomerConflicts"),
    (InsufficientFunds, 409, "RefusedWithdrawals"),
    (KeyReused, 422, "IdempotencyConflicts"),
    (UnreadableAccount, 500, "UnreadableCustomers"),
    (AccountsUnavailable, 503, "AccountStoreErrors"),
)


@functools.cache
def build() -> CustomerAccounts:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(TradesTableEnvironment)
    return CustomerAccounts(DynamoAccountsStore(aws_clients.table(env.trades_table)), clock=utc_now)


def json_response(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status, content_types.APPLICATION_JSON, json.dumps(body))


def created(result: Result, metric: str, message: str) -> Response[str]:
    """201 with the body; one log record per call (the run log's line), saying whether it was a replay."""
    obs.count({"ReplayedRequests" if result.replayed else metric: 1})
    entry: dict[str, Any] = result.body.get("entry") or next(iter(result.body.get("ledger") or []), {})
    customer: dict[str, Any] = result.body.get("customer") or result.body
    logger.info(
        f"{message} (replayed)" if result.replayed else message,
        extra={
            "customerId": customer.get("customerId"),
            "amount": entry.get("amount", "0.00"),
            "availableFunds": customer.get("availableFunds"),
        },
    )
    return json_response(201, result.body)


def request() -> tuple[str | None, bool, str | None]:
    """The body as sent (read as JSON whatever its Content-Type) and the Idempotency-Key, checked."""
    event = app.current_event
    key = event.headers.get(IDEMPOTENCY_KEY_HEADER)  # case-insensitive
    try:
        check_idempotency_key(key)
    except InvalidRequest as refusal:
        raise InvalidAccountRequest([(error.field, error.message) for error in refusal.errors]) from None
    return event.body, bool(event.is_base64_encoded), key


@app.post("/customers")
def post_customer() -> Response[str]:
    body, is_base64, key = request()
    return created(build().open(body, is_base64=is_base64, key=key), "CustomersOpened", "customer opened")


@app.post("/customers/<customerId>/deposits")
def post_deposit(customerId: CustomerId) -> Response[str]:
    body, is_base64, key = request()
    return created(build().deposit(customerId, body, is_base64=is_base64, key=key), "Deposits", "deposit recorded")


@app.post("/customers/<customerId>/withdrawals")
def post_withdrawal(customerId: CustomerId) -> Response[str]:
    body, is_base64, key = request()
    return created(
        build().withdraw(customerId, body, is_base64=is_base64, key=key), "Withdrawals", "withdrawal recorded"
    )


@app.get("/customers")
def get_customers(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    nextToken: Annotated[str | None, Query(min_length=1, max_length=p.NEXT_TOKEN_MAX_LENGTH)] = None,
) -> dict[str, Any]:
    return build().customers(limit=limit, token=nextToken)


@app.exception_handler(AccountRefusal)
def refused(refusal: AccountRefusal) -> Response[str]:
    status, metric = next((status, name) for kind, status, name in REFUSALS if isinstance(refusal, kind))
    message, errors = refusal.message, [FieldError(field, text) for field, text in refusal.errors]
    if isinstance(refusal, KeyReused):
        message = f"{IDEMPOTENCY_KEY_HEADER} {message}"
        errors = [FieldError(IDEMPOTENCY_KEY_HEADER, "was used for another request")]
    (logger.error if status >= 500 else logger.info)(
        "account request refused", extra={"status": status, "reason": message}
    )
    obs.count({metric: 1})
    return json_response(status, error_body(message, errors))


@app.exception_handler(RequestValidationError)
def invalid_parameters(error: RequestValidationError) -> Response[str]:
    obs.count({"InvalidRequests": 1})
    return json_response(400, invalid_request_body(error, HINTS))


@app.not_found
def unreadable_path(_: Exception) -> Response[str]:
    """API Gateway routes only this function's resources here, so a path no route matches has a customer id
    the router cannot read (characters outside its syntax): a 400 on `customerId`."""
    if app.current_event.path.strip("/").startswith("customers/"):
        return json_response(400, error_body("invalid request", [FieldError(p.CUSTOMER_ID.name, HINTS["customerId"])]))
    return json_response(404, error_body(f"path {app.current_event.path} not found"))


@app.exception_handler(UnreadableCustomer)
def unreadable_customer(error: UnreadableCustomer) -> Response[str]:
    """A stored record whose funds are not numbers (met in the list): a fault of the data, not of the request."""
    logger.error(str(error))
    return json_response(500, error_body(str(error), [FieldError(error.field, str(error))]))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    build()  # a missing environment variable fails the invocation, not a route
    response = app.resolve(event, context)
    obs.count({"Requests": 1, f"Responses{int(response['statusCode']) // 100}xx": 1})
    return response
