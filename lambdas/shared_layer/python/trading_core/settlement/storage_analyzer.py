"""The storage analyzer: reconciles a settled batch in S3 with TradesStore (docs/architecture.md §2).

The post-trade processor writes the table before the object, so every trade of an object must be in
the table with the same economics; anything else is a settlement defect worth a retry and, failing
that, the on-failure destination.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Protocol

from trading_core.model.trade import Trade

# What must agree between the object and the table; the key itself already pins customer, day and id.
AUDITED_FIELDS: Final = ("direction", "ticker", "quantity", "price", "fee", "exchange", "settlementDate")


class ReconciliationError(RuntimeError):
    """A settled batch does not match TradesStore."""


@dataclass(frozen=True)
class SettledObject:
    bucket: str
    key: str
    trades: tuple[Trade, ...]
    metadata: Mapping[str, str]


@dataclass(frozen=True)
class Mismatch:
    trade_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class AuditReport:
    bucket: str
    key: str
    audited: int
    notional: Decimal
    missing: tuple[str, ...] = ()
    mismatched: tuple[Mismatch, ...] = ()
    metadata_errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatched or self.metadata_errors)

    def as_log(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "key": self.key,
            "audited": self.audited,
            "notional": str(self.notional),
            "missing": list(self.missing),
            "mismatched": [{"tradeId": item.trade_id, "fields": list(item.fields)} for item in self.mismatched],
            "metadataErrors": list(self.metadata_errors),
        }


def audit(settled: SettledObject, stored: Mapping[str, Trade]) -> AuditReport:
    """Compares each trade of the object with the stored one, and the metadata with the trades."""
    missing: list[str] = []
    mismatched: list[Mismatch] = []
    for trade in settled.trades:
        found = stored.get(trade.trade_id)
        if found is None:
            missing.append(trade.trade_id)
            continue
        ours, theirs = trade.to_wire(), found.to_wire()
        differing = tuple(name for name in AUDITED_FIELDS if ours.get(name) != theirs.get(name))
        if differing:
            mismatched.append(Mismatch(trade.trade_id, differing))
    metadata_errors = tuple(
        name
        for name, expected in (
            ("tickers", ",".join(sorted({trade.ticker for trade in settled.trades}))),
            ("exchanges", ",".join(sorted({trade.exchange for trade in settled.trades}))),
        )
        if settled.metadata.get(name) != expected
    )
    return AuditReport(
        bucket=settled.bucket,
        key=settled.key,
        audited=len(settled.trades),
        notional=sum((trade.notional for trade in settled.trades), Decimal(0)),
        missing=tuple(missing),
        mismatched=tuple(mismatched),
        metadata_errors=metadata_errors,
    )


class SettledObjects(Protocol):
    def read(self, bucket: str, key: str) -> SettledObject: ...


class StoredTrades(Protocol):
    def find(self, trades: Sequence[Trade]) -> dict[str, Trade]: ...


class StorageAnalyzer:
    """Reads a settled object and its trades as stored, and compares them."""

    def __init__(self, objects: SettledObjects, stored: StoredTrades) -> None:
        self._objects = objects
        self._stored = stored

    def audit_object(self, bucket: str, key: str) -> AuditReport:
        settled = self._objects.read(bucket, key)
        return audit(settled, self._stored.find(settled.trades))
