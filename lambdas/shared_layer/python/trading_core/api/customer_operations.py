"""The Data API's customers and money, served by `customer_accounts`: the customer list, new customers,
deposits and withdrawals (each with an optional Idempotency-Key)."""

from __future__ import annotations

from typing import Final

from trading_core.contracts import CUSTOMER_ACCOUNTS_FUNCTION

from . import parameters as p
from .account_schemas import CreatedCustomer, CustomerList, Movement, MovementResult, NewCustomer
from .examples import CUSTOMER, LEDGER_ENTRY, NEW_CUSTOMER_ID
from .replies import KEY_REPLIES, error, field_error, invalid_parameters, not_found
from .spec import Operation, Reply

UNKNOWN_CUSTOMER: Final = not_found("No customer has this id.", "customer 000099 not found")
UNREADABLE: Final = error(500, "The stored customer record's funds are not numbers; `errors` names the field.")
_KEY_REUSED: Final = error(
    422,
    "This Idempotency-Key was already used for another request (any customer or operation).",
    field_error("Idempotency-Key k-1 was used for another request", "Idempotency-Key", "was used for another request"),
)
# The customer calls keep their keys for good: the key's marker is written in the money's transaction.
_ACCOUNT_KEY: Final = p.described(
    p.IDEMPOTENCY_KEY,
    "Makes a retried request return the first answer (same status and body) and move no money twice; the key "
    "is kept for good and names one request across customers and operations: another request with it is "
    "refused (422).",
)
_UNAVAILABLE: Final = error(503, "The store could not decide now; nothing was written, retry.")


def _body_error(field: str, message: str) -> Reply:
    return error(
        400,
        "A malformed body, parameter or Idempotency-Key; `errors` names each field; nothing was written.",
        field_error("invalid request", field, message),
    )


LIST_CUSTOMERS: Final = Operation(
    "GET",
    "/customers",
    "listCustomers",
    "List the customers, by id",
    CUSTOMER_ACCOUNTS_FUNCTION,
    parameters=(p.LIMIT, p.NEXT_TOKEN),
    replies=(
        Reply(200, "A page of customers.", CustomerList, {"customers": [CUSTOMER], "count": 1, "nextToken": None}),
        invalid_parameters((p.LIMIT, p.NEXT_TOKEN)),
        *KEY_REPLIES,
        UNREADABLE,
    ),
    tags=("customers",),
)

CREATE_CUSTOMER: Final = Operation(
    "POST",
    "/customers",
    "createCustomer",
    "Create a customer with an initial deposit",
    CUSTOMER_ACCOUNTS_FUNCTION,
    parameters=(_ACCOUNT_KEY,),
    request_body=NewCustomer,
    request_example={"customerId": NEW_CUSTOMER_ID, "initialDeposit": "1000.00", "reason": "opening deposit"},
    description="Without `customerId` a UUID is generated. The body is read as JSON whatever its Content-Type.",
    replies=(
        Reply(
            201,
            "The customer created, with its ledger.",
            CreatedCustomer,
            {
                **CUSTOMER,
                "customerId": NEW_CUSTOMER_ID,
                "remainingFunds": "1000.00",
                "availableFunds": "1000.00",
                "reservedFunds": "0.00",
                "totalDeposits": "1000.00",
                "nrTrades": 0,
                "totalCommissionPaid": "0.00",
                "totalAmountInvested": "0.00",
                "ledger": [
                    {**LEDGER_ENTRY, "customerId": NEW_CUSTOMER_ID, "amount": "1000.00", "reason": "opening deposit"}
                ],
            },
        ),
        _body_error("initialDeposit", "must have at most 2 decimal places"),
        *KEY_REPLIES,
        error(
            409,
            "A customer with this id exists; nothing was written.",
            field_error(f"customer {NEW_CUSTOMER_ID} already exists", "customerId", "is taken"),
        ),
        _KEY_REUSED,
        _UNAVAILABLE,
    ),
    tags=("customers",),
)


def _movement(kind: str, operation_id: str, summary: str, conflicts: tuple[Reply, ...]) -> Operation:
    return Operation(
        "POST",
        f"/customers/{{customerId}}/{kind}",
        operation_id,
        summary,
        CUSTOMER_ACCOUNTS_FUNCTION,
        parameters=(p.CUSTOMER_ID, _ACCOUNT_KEY),
        request_body=Movement,
        request_example={"amount": "250.00", "reason": "wire transfer"},
        description="Recorded as a ledger entry in the transaction that changes the funds.",
        replies=(
            Reply(
                201,
                "The ledger entry and the customer after it.",
                MovementResult,
                {
                    "entry": {
                        **LEDGER_ENTRY,
                        "entryId": "0b7f8a52-3f0e-4d0c-9c61-2b1f1f5e8a10",
                        "kind": "DEPOSIT" if kind == "deposits" else "WITHDRAWAL",
                        "amount": "250.00",
                        "reason": "wire transfer",
                        "created": "2026-12-02T03:00:00.000Z",
                    },
                    "customer": CUSTOMER,
                },
            ),
            _body_error("amount", "must be greater than 0"),
            *KEY_REPLIES,
            UNKNOWN_CUSTOMER,
            *conflicts,
            _KEY_REUSED,
            _UNAVAILABLE,
            UNREADABLE,
        ),
        tags=("money",),
    )


DEPOSIT: Final = _movement(
    "deposits",
    "deposit",
    "Deposit money",
    (),
)
WITHDRAW: Final = _movement(
    "withdrawals",
    "withdraw",
    "Withdraw money (never more than the available funds)",
    (
        error(
            409,
            "More than the available funds; nothing changed.",
            field_error(
                "insufficient funds: the withdrawal needs 250.00, available 100.00",
                "amount",
                "must be at most the available funds, 100.00",
            ),
        ),
    ),
)
