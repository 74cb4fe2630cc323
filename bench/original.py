"""The original design's bill for the same POSTs, counted from its code (not from our measurements).

Source: NicolaNardino/serverless-trading-system at b34b1c0; paths are under
`serverless-trading-system-stack/` unless they start with `client/`. `../shared/ORIGINAL-COSTS.md` has the
same counts in prose. Per POST of W the model takes, from the actual batch: its orders, their tickers
(k distinct), their child orders (split at 1,000) and which of them go to the dark pool.

Assumptions, where the code does not decide: the steady state (every order passes the credit check:
`availableFundsRaiser.ts:7,26` sets a refused customer's funds to 10,000,000 and nothing ever lowers them,
`tradesDataAggregator.ts:51-52`); a dark-pool child matches with probability 1/2 (its expectation is
used); a market-data Map task runs 1.5 s and every other invocation 0.2 s besides its sleeps; one stream
batch, so one aggregator invocation, per post-trade delivery with trades.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Final

from bench.workload import ORIGINAL_DARK_POOL_LIST, Batch

SPLIT_SIZE: Final = 1000  # smartOrderRouter.ts:25-26: splitBlockOrders(..., 1000)
DARK_MATCH: Final = Decimal("0.5")  # darkPoolMatchingEngine.ts:43 getRandomBoolean(); layers/common/util/utils.ts:14
MEMORY_GB: Final = Decimal("0.125")  # template.yaml: no MemorySize anywhere (Globals:7-9 sets only Timeout): 128 MB
MAP_TASK_SECONDS: Final = Decimal("1.5")  # assumed (ORIGINAL-COSTS.md): two Yahoo calls, 2 S3 PUTs, 3 DynamoDB calls
OTHER_SECONDS: Final = Decimal("0.2")  # assumed: a Node.js handler's SDK calls, besides its sleeps
POST_TRADE_SLEEP: Final = Decimal("0.1")  # postTradeProcessor.ts:76: await delay(100) after each trade's PutItem


@dataclass
class Counts:
    """Per-service counts, summed over POSTs (divide by the orders for per order)."""

    api_requests: Decimal = Decimal(0)
    lambda_invocations: Decimal = Decimal(0)
    lambda_gb_seconds: Decimal = Decimal(0)
    dynamodb_write_units: Decimal = Decimal(0)
    dynamodb_read_units: Decimal = Decimal(0)
    dynamodb_requests: Decimal = Decimal(0)
    eventbridge_events: Decimal = Decimal(0)
    sns_publishes: Decimal = Decimal(0)
    s3_puts: Decimal = Decimal(0)
    s3_gets: Decimal = Decimal(0)  # GET and HEAD (one price class)
    sfn_transitions: Decimal = Decimal(0)
    trades: Decimal = Decimal(0)

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def per(self, orders: int) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) / orders for f in fields(self)})


def children(quantity: int) -> int:
    """layers/common/util/utils.ts:64-70 splitBy: floor(q / 1000) children of 1,000 and one of the rest."""
    return 1 if quantity <= SPLIT_SIZE else -(-quantity // SPLIT_SIZE)


def post(batch: Batch) -> Counts:
    """One POST of the original client, as the original processes it."""
    k = Decimal(len({order["ticker"] for order in batch}))
    orders = Decimal(len(batch))
    dark = sum(children(o["quantity"]) for o in batch if o["ticker"] in ORIGINAL_DARK_POOL_LIST)
    lit = sum(children(o["quantity"]) for o in batch if o["ticker"] not in ORIGINAL_DARK_POOL_LIST)
    has_dark, has_lit = Decimal(dark > 0), Decimal(lit > 0)
    # Unmatched dark children leave as DetailType "Trades" with poolType Lit (darkPoolMatchingEngine.ts:25-33);
    # the lit-pool rule wants detail-type Orders (template.yaml:651-659): no rule matches, they are lost.
    trades = lit + DARK_MATCH * dark
    # A post-trade delivery per postTrade "True" event (template.yaml:784-806): the lit pool's
    # (litPoolMatchingEngine.ts:13-23) and the dark pool's, sent even when empty (darkPoolMatchingEngine.ts:14-24).
    deliveries = has_lit + has_dark
    # Workflow B, Standard (template.yaml:1094), started once per POST before the credit check
    # (smartOrderRouter.ts:21,67-71; template.yaml:256 sets StepFunctionAPIs). Steady state: history is
    # current, so the Choice takes "No historical data retrieved", a waitForTaskToken task
    # (marketDataManagerParallelStateMachine.json:34-49,77-88) that noHistoricalDataRetrieved.ts:21 resumes
    # through an event to noHistoricalDataRetrievedExternalManager (template.yaml:832-849).
    transitions = k + 4  # Map (json:5-23) + k Tasks (json:13-17) + Determine (json:24-33) + Choice + wait task
    invocations = (
        1  # smartOrderRouter, behind the API (template.yaml:259-265)
        + k  # historicalDataAndQuoteSummaryManager, one per ticker (json:13-17)
        + 3  # determineIfDataRetrieved (json:24-33), noHistoricalDataRetrieved (json:77-88), its external manager
        + has_lit  # litPoolMatchingEngine, from the router's Lit entry (smartOrderRouter.ts:174-184)
        + has_dark  # darkPoolMatchingEngine, from the router's Dark entry (smartOrderRouter.ts:163-173)
        + deliveries  # postTradeProcessor
        + deliveries  # tradesStorageAnalyzer: one per S3 object (template.yaml:450-455)
        + deliveries  # tradesDataAggregator: one stream batch per delivery (assumed; BatchSize 100, template.yaml:171)
    )
    other = invocations - k
    gb_seconds = MEMORY_GB * (k * MAP_TASK_SECONDS + other * OTHER_SECONDS + trades * POST_TRADE_SLEEP)
    write_units = (
        2 * k  # per Map task two UpdateItems of the summary (marketDataManager.ts:57,118); no new history today
        + trades  # postTradeProcessor.ts:75: one PutItem per trade (an item under 1 KB)
        + trades  # tradesDataAggregator.ts:33: the ticker UpdateItem; the customer one (51-59) dies on NaN
    )
    read_units = (
        Decimal("0.5") * orders  # smartOrderRouter.ts:86-94: a GetItem per order, eventually consistent
        + Decimal("0.5") * k  # marketDataManager.ts:67-77: GetItem of HistDataEnd per Map task
    )
    requests = orders + 3 * k + 2 * trades
    events = (
        has_dark
        + has_lit  # the router's PutEvents entries (smartOrderRouter.ts:155-196), none refused
        + 2 * has_dark  # the dark pool always sends two entries (darkPoolMatchingEngine.ts:13-35)
        + has_lit  # the lit pool's Trades entry (litPoolMatchingEngine.ts:12-24)
        + deliveries  # postTradeProcessor.ts:15-27: one "tradesSettled" entry nothing consumes
        + 1  # noHistoricalDataRetrieved.ts:10-21
    )  # each entry under 64 KB (ten orders' children), so one billed event
    return Counts(
        api_requests=Decimal(1),
        lambda_invocations=invocations,
        lambda_gb_seconds=gb_seconds,
        dynamodb_write_units=write_units,
        dynamodb_read_units=read_units,
        dynamodb_requests=requests,
        eventbridge_events=events,
        s3_puts=2 * k + deliveries,  # marketDataManager.ts:11,84 per Map task; postTradeProcessor.ts:38 per delivery
        s3_gets=deliveries,  # tradesStorageAnalyzer.ts:8: a HeadObject per object
        sfn_transitions=transitions,
        trades=trades,
    )


def original_design(batches: Sequence[Batch]) -> Counts:
    """The original's counts for these POSTs, summed."""
    total = Counts()
    for batch in batches:
        total = total + post(batch)
    return total
