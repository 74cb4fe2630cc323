"""The example values the documents share: a seeded customer, its orders and ledger (README's walk-through)."""

from __future__ import annotations

from typing import Final

from trading_core.contracts import SEED_CUSTOMERS, SEED_INITIAL_FUNDS

CUSTOMER_ID: Final = SEED_CUSTOMERS[1]
OTHER_CUSTOMER_ID: Final = SEED_CUSTOMERS[2]
NEW_CUSTOMER_ID: Final = "000100"
PARENT_ORDER_ID: Final = "5670b3df-2658-4cb4-9954-8f99b9eca700"
CHILD_ORDER_ID: Final = "5670b3df-2658-4cb4-9954-8f99b9eca701"
SECOND_CHILD_ORDER_ID: Final = "5670b3df-2658-4cb4-9954-8f99b9eca702"
REFUSED_ORDER_ID: Final = "6ace9b3e-c5ee-4788-a188-f5998c0b8100"

SEED_ORDER: Final = {
    "customerId": CUSTOMER_ID,
    "direction": "Buy",
    "ticker": "COIN",
    "type": "Limit",
    "quantity": 8614,
    "price": "161.90",
}
"""README's seed order."""

CUSTOMER: Final = {
    "customerId": CUSTOMER_ID,
    "remainingFunds": "995984.99",
    "availableFunds": "991974.95",
    "reservedFunds": "4010.04",
    "totalDeposits": SEED_INITIAL_FUNDS,
    "totalWithdrawals": "0.00",
    "nrTrades": 1,
    "totalCommissionPaid": "0.01",
    "totalAmountInvested": "4015.00",
    "realizedPnl": "0.00",
    "created": "2026-12-01T09:00:00.000Z",
    "updated": "2026-12-02T02:09:39.275Z",
}
LEDGER_ENTRY: Final = {
    "customerId": CUSTOMER_ID,
    "entryId": "initial-funds",
    "kind": "DEPOSIT",
    "amount": SEED_INITIAL_FUNDS,
    "reason": "initial funds",
    "created": "2026-12-01T09:00:00.000Z",
}
