"""The workloads `make bench` sends: W (the original's own client), one-child and hot-spot.

W is what the original's client posts (NicolaNardino/serverless-trading-system at b34b1c0):
`client/test/postOrders.ts:7` posts 10 orders at a time, built by `client/src/utils.ts:8-21`
(`buildRandomOrders`) from its 12 customers (`utils.ts:5`) and its 56 ticker entries (`utils.ts:6`: 55
distinct, ATO twice), Market/Limit and Buy/Sell with equal odds (`getRandomEnum`, `layers/common/util/
utils.ts:18-21`), a quantity uniform in 50..10000 (`utils.ts:17`) and, for a limit order, a price uniform in
100..200 to the cent (`utils.ts:18`). Ours draws the same from a fixed seed, so every run sends the same
orders.

This system refuses buys it cannot fund and sells without holdings (the original accepted both), so a W
run first funds every customer and buys the holdings its sells need (`Setup`), unmeasured.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import constructs_lib  # noqa: F401  (puts the shared layer, hence trading_core, on sys.path)
from trading_core import contracts

ORDERS_PER_REQUEST: Final = 10  # client/test/postOrders.ts:7
# client/src/utils.ts:5, which the seed now equals: 000001..000009, 0000010, 0000011, 0000012.
W_CUSTOMERS: Final = contracts.SEED_CUSTOMERS
# client/src/utils.ts:6, in its order: 56 entries, ATO twice (55 distinct), so ATO is drawn twice as often.
W_TICKER_ENTRIES: Final = (
    "ATO",
    "BAX",
    "BALL",
    "WRB",
    "BRK.A",
    "BRK.B",
    "COF",
    "CCL",
    "CARR",
    "CSX",
    "DIS",
    "EBAY",
    "ECL",
    "MMM",
    "ABT",
    "ACN",
    "AKAM",
    "GOOGL",
    "AXP",
    "AEP",
    "AON",
    "AMAT",
    "ATO",
    "VTV",
    "PM",
    "BTI",
    "META",
    "AMD",
    "AMZN",
    "AAPL",
    "GOOG",
    "NFLX",
    "F",
    "T",
    "MO",
    "PFE",
    "COIN",
    "MRNA",
    "ORCL",
    "TSLA",
    "SOPH",
    "NVDA",
    "MSFT",
    "UBSG.SW",
    "CSGN.SW",
    "HOLN.SW",
    "CHSPI.SW",
    "EOG",
    "PBR",
    "PBR-A",
    "RBLX",
    "BABA",
    "SPY",
    "VTI",
    "VOO",
    "ADBE",
)
W_TICKERS: Final = tuple(dict.fromkeys(W_TICKER_ENTRIES))
# serverless-trading-system-stack/template.yaml:47 lists FB,AMD,AMZN,APPL,NVDA,MO,GOOG,F,T,VTI; FB and APPL
# (sic) are not among the client's tickers, so these 8 are the dark-pool ones W sends.
ORIGINAL_DARK_POOL_LIST: Final = ("FB", "AMD", "AMZN", "APPL", "NVDA", "MO", "GOOG", "F", "T", "VTI")
W_DARK_POOL_TICKERS: Final = tuple(t for t in ORIGINAL_DARK_POOL_LIST if t in W_TICKERS)
W_SEED: Final = 20_240_611
ONE_CHILD_TICKERS: Final = ("AAPL", "MSFT", "NVDA", "COIN", "IBM", "SHOP", "UBER", "PYPL")
HOT_SPOT_CUSTOMER: Final = W_CUSTOMERS[0]
MAX_PRE_BUY: Final = contracts.MAX_CHILDREN_PER_ORDER * 1000  # the largest order of 1,000-share children
WORKLOADS: Final = ("W", "one-child", "hot-spot")

Order = dict[str, Any]
Batch = list[Order]


def w_order(rng: random.Random, customers: Sequence[str] = W_CUSTOMERS) -> Order:
    """One order as `buildRandomOrders` makes it (client/src/utils.ts:12-20)."""
    limit = rng.random() < 0.5
    order: Order = {
        "customerId": rng.choice(customers),
        "direction": "Buy" if rng.random() < 0.5 else "Sell",
        "ticker": rng.choice(W_TICKER_ENTRIES),
        "type": "Limit" if limit else "Market",
        "quantity": rng.randint(50, 10_000),
    }
    if limit:
        order["price"] = f"{rng.uniform(100, 200):.2f}"
    return order


def one_child_order(rng: random.Random) -> Order:
    """An affordable market buy of one child: marketable, funded by the seed, no holdings needed."""
    return {
        "customerId": rng.choice(W_CUSTOMERS),
        "direction": "Buy",
        "ticker": rng.choice(ONE_CHILD_TICKERS),
        "type": "Market",
        "quantity": rng.randint(1, 50),
    }


def batches(workload: str, orders: int, *, offset: int = 0) -> list[Batch]:
    """`orders` orders (rounded up to whole requests of 10), the same for the same workload and offset."""
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}: one of {', '.join(WORKLOADS)}")
    rng = random.Random(f"{workload}-{W_SEED}-{offset}")
    count = -(-orders // ORDERS_PER_REQUEST)
    if workload == "one-child":
        return [[one_child_order(rng) for _ in range(ORDERS_PER_REQUEST)] for _ in range(count)]
    customers = (HOT_SPOT_CUSTOMER,) if workload == "hot-spot" else W_CUSTOMERS
    return [[w_order(rng, customers) for _ in range(ORDERS_PER_REQUEST)] for _ in range(count)]


def tickers_of(all_batches: Sequence[Batch]) -> list[str]:
    return sorted({order["ticker"] for batch in all_batches for order in batch})


@dataclass(frozen=True)
class Setup:
    """What a run must do before it measures: the holdings its sells need, bought through `POST /orders`,
    and a deposit per customer that covers every buy (the pre-buys' and the measured ones')."""

    pre_buys: list[Order]
    deposits: dict[str, Decimal]


def setup_for(measured: Sequence[Batch], market_prices: dict[str, Decimal]) -> Setup:
    """Per customer and ticker, market buys of the sum of its measured sells (orders of at most 98,000
    shares); per customer, the sum of what every buy can reserve (a limit buy at its limit, a market buy at
    the market plus the router's 10 % collar, the costliest venue's fee), with 5 % more for the market's
    walk."""
    sells: Counter[tuple[str, str]] = Counter()
    for batch in measured:
        for order in batch:
            if order["direction"] == "Sell":
                sells[(order["customerId"], order["ticker"])] += order["quantity"]
    pre_buys: list[Order] = []
    for (customer, ticker), quantity in sorted(sells.items()):
        while quantity > 0:
            size = min(quantity, MAX_PRE_BUY)
            pre_buys.append(
                {"customerId": customer, "direction": "Buy", "ticker": ticker, "type": "Market", "quantity": size}
            )
            quantity -= size
    needs: dict[str, Decimal] = {}
    buys = [*pre_buys, *(o for b in measured for o in b if o["direction"] == "Buy")]
    for order in buys:
        price = Decimal(order["price"]) if "price" in order else market_prices[order["ticker"]] * Decimal("1.10")
        amount = price * order["quantity"] * Decimal("1.0001")  # the fee: 0.0009 % at the costliest venue
        needs[order["customerId"]] = needs.get(order["customerId"], Decimal(0)) + amount
    deposits = {customer: (need * Decimal("1.05")).quantize(Decimal("0.01")) for customer, need in needs.items()}
    return Setup(pre_buys=pre_buys, deposits=deposits)
