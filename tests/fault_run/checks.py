"""The fault run's proof: what the system holds against what the client was told it accepted.

Each finding is a line naming what is wrong; the run passes when there are none. The money checks are on the
run's own movements: for every customer, remaining funds = remaining before + top-ups - buys + sells - fees,
nothing reserved; its trade count and fees, its positions and its ticker-day shares equal the sums of its
trades. The archive: every trade in exactly one settled object, and no two objects with the same content.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.fault_run.ledger import Holdings, settled_trade_ids


@dataclass
class Outcomes:
    """The accepted child orders by what became of them."""

    traded: int = 0
    parked: int = 0  # no trade, its event in a dead-letter or on-failure queue
    rested: int = 0  # not marketable when accepted and never filled (cancelled at the end)
    lost: list[str] = field(default_factory=list)  # marketable, no trade, nothing parked
    doubled: list[str] = field(default_factory=list)  # more than one trade
    unexpected: list[str] = field(default_factory=list)  # trades of child orders nobody was told of


def outcomes(children: dict[str, dict[str, Any]], known: set[str], held: Holdings) -> Outcomes:
    """`children`: the run's accepted child orders (id → as answered); `known`: every child order id any answer
    gave (the setup's included)."""
    counts = held.trades_per_child()
    waiting = "\n".join(body for bodies in held.parked.values() for body in bodies)
    found = Outcomes()
    for order_id, child in children.items():
        trades = counts.get(order_id, 0)
        if trades > 1:
            found.doubled.append(order_id)
        elif trades == 1:
            found.traded += 1
        elif child["status"] == "OPEN":
            found.rested += 1
        elif order_id in waiting:
            found.parked += 1
        else:
            found.lost.append(order_id)
    found.unexpected = sorted(order_id for order_id in counts if order_id not in known)
    return found


def cash_flow(trade: dict[str, Any]) -> Decimal:
    notional = Decimal(trade["price"]) * int(trade["quantity"])
    fee = Decimal(trade["fee"])
    return -(notional + fee) if trade["direction"] == "Buy" else notional - fee


def money(before: Holdings, after: Holdings) -> list[str]:
    """Per customer: the run's trades (those `before` did not hold) explain the change of its funds exactly."""
    findings = []
    earlier = {trade["tradeId"] for trade in before.trades}
    run = [trade for trade in after.trades if trade["tradeId"] not in earlier]
    for customer, now in after.customers.items():
        was = before.customers[customer]
        top_ups = Decimal(now["totalDeposits"]) - Decimal(was["totalDeposits"])
        moved = sum((cash_flow(t) for t in run if t["customerId"] == customer), Decimal(0))
        expected = Decimal(was["remainingFunds"]) + top_ups + moved
        if Decimal(now["remainingFunds"]) != expected:
            findings.append(f"{customer}: remaining funds {now['remainingFunds']}, expected {expected:.2f}")
        if Decimal(now["reservedFunds"]) != 0:
            findings.append(f"{customer}: {now['reservedFunds']} still reserved")
    return findings


def aggregates(held: Holdings) -> list[str]:
    """Every customer's statistics, positions and ticker-day shares equal the sums of all its trades."""
    findings = []
    by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for trade in held.trades:
        by_customer[trade["customerId"]].append(trade)
    for customer, record in held.customers.items():
        trades = by_customer[customer]
        fees = sum((Decimal(t["fee"]) for t in trades), Decimal(0))
        if int(record["nrTrades"]) != len(trades) or Decimal(record["totalCommissionPaid"]) != fees:
            findings.append(
                f"{customer}: {record['nrTrades']} trades and {record['totalCommissionPaid']} fees aggregated,"
                f" {len(trades)} and {fees:.2f} traded"
            )
    positions: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    shares: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [0, 0, Decimal(0)])
    for trade in held.trades:
        quantity = int(trade["quantity"])
        side = "bought" if trade["direction"] == "Buy" else "sold"
        positions[(trade["customerId"], trade["ticker"])][side] += quantity
        share = shares[(trade["ticker"], trade["tradeDate"][:10], trade["customerId"])]
        share[0] += 1
        share[1] += quantity
        share[2] += Decimal(trade["price"]) * quantity
    for key, traded in positions.items():
        position = held.positions.get(key, {"quantity": 0, "reservedQuantity": 0})
        if int(position["quantity"]) != traded["bought"] - traded["sold"] or int(position["reservedQuantity"]) != 0:
            findings.append(f"position {key}: {position}, traded {dict(traded)}")
    for day_key, (count, quantity, notional) in shares.items():
        stored = held.shares.get(day_key)
        found = (
            None if stored is None else (stored["nrTrades"], stored["totalQuantity"], Decimal(stored["totalNotional"]))
        )
        if found != (count, quantity, notional):
            findings.append(
                f"ticker-day share {day_key}: {stored}, traded {count} trades, {quantity} shares, {notional}"
            )
    return findings


def archive(held: Holdings) -> tuple[list[str], list[str]]:
    """(findings, trade ids not archived): no content twice, no trade in two objects."""
    findings = []
    digests = Counter(hashlib.sha256(content).hexdigest() for content in held.objects.values())
    findings += [f"{n} settled objects with the same content" for n in digests.values() if n > 1]
    archived = Counter(trade_id for content in held.objects.values() for trade_id in settled_trade_ids(content))
    findings += [f"trade {trade_id} in {n} settled objects" for trade_id, n in archived.items() if n > 1]
    missing = [trade["tradeId"] for trade in held.trades if trade["tradeId"] not in archived]
    return findings, missing


def first(lines: Iterable[str], n: int = 10) -> list[str]:
    listed = list(lines)
    return listed[:n] + ([f"… and {len(listed) - n} more"] if len(listed) > n else [])
