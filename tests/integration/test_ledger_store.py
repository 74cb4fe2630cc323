"""Deposits and withdrawals against moto: the entry and the funds in one transaction, a withdrawal never
beyond the available funds, a repeated entry recognised, a record in the original's shape opened first."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.conftest import TradingAws
from trading_core.common import keys
from trading_core.customers.ledger_store import (
    DuplicateEntry,
    DynamoLedgerStore,
    InsufficientAvailableFunds,
    Recorded,
    UnknownCustomer,
)
from trading_core.customers.seed_store import CustomerSeedStore
from trading_core.customers.seeder import SeedSpec

AT = "2026-03-02T15:00:00.000Z"


def entries(aws: TradingAws, customer_id: str) -> list[dict[str, object]]:
    return aws.table.query(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :ledger)",
        ExpressionAttributeValues={":pk": f"CUST#{customer_id}", ":ledger": "LEDGER#"},
        ConsistentRead=True,
    )["Items"]


def test_a_withdrawal_never_exceeds_the_available_funds(trading_aws: TradingAws) -> None:
    CustomerSeedStore(trading_aws.table).seed(SeedSpec(("000001",), Decimal("100.00")), AT)
    trading_aws.table.update_item(
        Key=keys.customer_key("000001"),
        UpdateExpression="SET AvailableFunds = :a, ReservedFunds = :r",
        ExpressionAttributeValues={":a": Decimal("60.00"), ":r": Decimal("40.00")},
    )
    store = DynamoLedgerStore(trading_aws.table)

    refused = store.withdraw("000001", Decimal("60.01"), entry_id="w-1", reason="payout", at=AT)
    assert refused == InsufficientAvailableFunds(required=Decimal("60.01"), available=Decimal("60.00"))
    assert isinstance(store.withdraw("000001", Decimal("60.00"), entry_id="w-2", reason="payout", at=AT), Recorded)
    assert isinstance(
        store.withdraw("000001", Decimal("60.00"), entry_id="w-2", reason="payout", at=AT), DuplicateEntry
    )
    assert isinstance(store.deposit("000001", Decimal("5.25"), entry_id="d-1", reason="wire", at=AT), Recorded)

    customer = trading_aws.customer("000001")
    assert (customer["RemainingFunds"], customer["AvailableFunds"], customer["ReservedFunds"]) == (
        Decimal("45.25"),
        Decimal("5.25"),
        Decimal("40.00"),
    )
    assert (customer["TotalDeposits"], customer["TotalWithdrawals"]) == (Decimal("105.25"), Decimal("60.00"))
    kinds = sorted((item["Kind"], item["Amount"]) for item in entries(trading_aws, "000001"))
    assert kinds == [("DEPOSIT", Decimal("5.25")), ("DEPOSIT", Decimal("100.00")), ("WITHDRAWAL", Decimal("60.00"))]
    assert store.deposit("000099", Decimal(1), entry_id="d", reason="r", at=AT) == UnknownCustomer("000099")


def test_a_record_in_the_original_shape_opens_with_its_balance_before_the_entry(trading_aws: TradingAws) -> None:
    trading_aws.table.put_item(Item={**keys.customer_key("000007"), "RemainingFunds": Decimal("500")})
    store = DynamoLedgerStore(trading_aws.table)

    assert isinstance(store.withdraw("000007", Decimal("200.00"), entry_id="w", reason="payout", at=AT), Recorded)

    customer = trading_aws.customer("000007")
    assert (customer["RemainingFunds"], customer["AvailableFunds"]) == (Decimal("300.00"), Decimal("300.00"))
    assert (customer["TotalDeposits"], customer["TotalWithdrawals"]) == (Decimal("500"), Decimal("200.00"))
    reasons = sorted(str(item["Reason"]) for item in entries(trading_aws, "000007"))
    assert reasons == ["opening balance", "payout"]
