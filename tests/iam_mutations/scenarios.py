"""Named end-to-end scenarios on a running local cloud, each a client's story that either works or raises.

Each scenario talks to the cloud as `tests/e2e` does (HTTP to the API URLs with the API key, boto3 on the AWS
endpoint for what an operator or an import would do: a customer record, a stored quote, an event on the bus)
and asserts what the client sees. A run makes its own customers (`Run.id`), and resets the market data of its
tickers first, so a scenario can run again and again on one cloud and never touches what `tests/e2e` uses.

The scenarios (`SCENARIOS`, by name):
- order-flow-eventbridge: a refused order is kept and tops the customer up (funds raiser); a dark-pool and a
  lit-pool buy of a never-seen ticker (the router's synchronous quote lookup) with an Idempotency-Key, then a
  sell of part of the position, on EventBridge: routed, filled, settled to DynamoDB and S3 (the storage
  analyzer reconciles it: its log says so), aggregated from the stream; trades, customer, positions, ledger,
  orders and the ticker read through the data API;
- order-flow-sns: the same on SNS;
- order-cancel: a resting limit buy of three children, cancelled through the orders API (the order canceller);
- order-book-update: a resting limit buy fills when the market moves and MarketDataUpdate is announced;
- order-book-schedule: a resting limit buy fills when the order book's schedule fires;
- market-data-fetch: the router's MarketData event starts workflow A (the rule target's role); the quote
  summary and history it stores are read through the market-data API;
- market-data-update: workflow B through the manager API (its integration's role): new data publishes
  MarketDataUpdate; the same again has none and waits for the task token manager;
- market-data-api: the market-data API reads a quote summary and history, deletes a window and the summary;
- router-step-functions: in StepFunctionAPIs mode the router starts workflow B for a stale ticker;
- customer-accounts: a customer opened, a deposit, a withdrawal retried with its Idempotency-Key, the ledger;
- portfolio: a portfolio at a past date, the data API invoking the historical-data function for what it lacks;
- customer-seed: the customer seeder, invoked as CloudFormation invokes it (a Create request, its ResponseURL);
- api-docs: the four OpenAPI documents (the api-docs function behind each API).
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import boto3
from boto3.dynamodb.conditions import Key

from tests.e2e.conftest import STAGE, Client, today
from tests.e2e.test_order_lifecycle import seed_customers
from tests.trade_samples import dated_fill
from tests.trade_store import trade_item
from trading_core.common import keys
from trading_core.common.clock import utc_now
from trading_core.customers import ledger
from trading_core.market_data.keys import summary_key, ticker_partition
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.store import DEFAULT_MAX_AGE, MarketDataStore
from trading_core.model.child_order import Direction

ORDER_BOOK_SCHEDULE_RULE: Final = f"trading-system-{STAGE}-order-book-schedule"
INVOKE_MODE_PARAMETER: Final = f"/trading-system/{STAGE}/market-data-invoke-mode"
WORKFLOW_SOURCE: Final = "MarketDataManagerStepFunction"
RICH: Final = Decimal("1000000.00")
POOR: Final = Decimal("100.00")

# Tickers no test of tests/e2e trades or asks market data for (the dark pool's must be on its list).
LIT_TICKER: Final = "CAT"
DARK_TICKER: Final = "MSFT"  # on the dark pool's list: its orders go to the dark pool, the rest to the lit pools
CANCEL_TICKER: Final = "UPS"
UPDATE_TICKER: Final = "HON"
SCHEDULE_TICKER: Final = "FDX"
FETCH_TICKER: Final = "RTX"
WORKFLOW_B_TICKER: Final = "LMT"
MARKET_DATA_API_TICKER: Final = "LLY"
STEP_FUNCTIONS_TICKERS: Final = ("MRK", "PFE", "ABBV", "KO", "PEP", "WMT", "COST", "NKE", "MCD", "SBUX", "TGT", "HD")
"""One per run of the scenario, in turn: a warm router asks for a ticker's market data at most once in 5 minutes
(`REQUEST_COOLDOWN`), so a run within that of the last (the check after the mutations) needs another ticker."""
_step_functions_runs = itertools.count()
PORTFOLIO_TICKERS: Final = ("GE", "DE")

_session = secrets.token_hex(2).upper()
_numbers = itertools.count(1)


class ScenarioFailed(AssertionError):
    """What the client saw that it should not have."""


def expect(condition: Any, what: str) -> None:
    if not condition:
        raise ScenarioFailed(what)


def ok(answer: tuple[int, Any], what: str, *statuses: int) -> Any:
    """The body of an answer whose status is one of `statuses` (200 if none)."""
    status, body = answer
    expect(status in (statuses or (200,)), f"{what}: HTTP {status} {json.dumps(body)[:300]}")
    return body


@dataclass
class Run:
    """One run of a scenario: its client and the ids it makes."""

    client: Client
    number: int

    def id(self, prefix: str) -> str:
        return f"MUT{_session}-{prefix}-{self.number:05d}"

    @property
    def aws_endpoint(self) -> str:
        return str(self.client.outputs["LocalCloud"]["AwsEndpointUrl"])

    def table(self, output: str) -> Any:
        resource = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=self.aws_endpoint)
        return resource.Table(self.client.url(output))

    def market_data(self, clock: Callable[[], datetime] = utc_now) -> MarketDataStore:
        return MarketDataStore(self.table("MarketDataTableName"), clock=clock)


def new_run(client: Client) -> Run:
    return Run(client, next(_numbers))


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    run: Callable[[Run], None]


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, summary: str) -> Callable[[Callable[[Run], None]], Callable[[Run], None]]:
    def register(function: Callable[[Run], None]) -> Callable[[Run], None]:
        SCENARIOS[name] = Scenario(name, summary, function)
        return function

    return register


# --- what an operator or an import does, through the AWS endpoint ----------------------------------


def put_customer(run: Run, customer_id: str, funds: Decimal) -> None:
    opened = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    run.table("TradesTableName").put_item(
        Item={
            **keys.customer_key(customer_id),
            "CustomerId": customer_id,
            "RemainingFunds": funds,
            "AvailableFunds": funds,
            "ReservedFunds": Decimal(0),
            "TotalDeposits": funds,
            "Created": opened,
        }
    )


def forget_ticker(run: Run, ticker: str) -> None:
    """Deletes the ticker's market data (summary and history), as if never seen."""
    table = run.table("MarketDataTableName")
    query: dict[str, Any] = {"KeyConditionExpression": Key("PK").eq(ticker_partition(ticker))}
    with table.batch_writer() as batch:
        while True:
            page = table.query(**query)
            for item in page["Items"]:
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
            if "LastEvaluatedKey" not in page:
                break
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def store_quote(run: Run, ticker: str, *, stale: bool = False) -> Decimal:
    """The offline provider's quote, stored fresh (or older than the routers' freshness limit); its price."""
    summary = OfflineProvider().quote_summary(ticker)
    clock = (lambda: utc_now() - DEFAULT_MAX_AGE - timedelta(hours=1)) if stale else utc_now
    run.market_data(clock).put_summary(summary)
    return summary.price


def lower_quote(run: Run, ticker: str, price: Decimal) -> None:
    run.table("MarketDataTableName").update_item(
        Key=summary_key(ticker), UpdateExpression="SET Price = :p", ExpressionAttributeValues={":p": price}
    )


def put_event(run: Run, source: str, detail_type: str, detail: dict[str, Any]) -> None:
    entry = {
        "Source": source,
        "DetailType": detail_type,
        "Detail": json.dumps(detail),
        "EventBusName": run.client.url("EventBusName"),
    }
    answer = run.client.aws("events").put_events(Entries=[entry])
    expect(answer["FailedEntryCount"] == 0, f"put_events: {answer}")


@contextmanager
def parameter(run: Run, name: str, value: str) -> Iterator[None]:
    """An SSM parameter set for the scenario, as an operator would, and put back."""
    from aws_lambda_powertools.utilities.parameters.base import clear_caches

    ssm = run.client.aws("ssm")
    original = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    run.client.idle()
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    clear_caches()
    try:
        yield
    finally:
        run.client.idle()
        ssm.put_parameter(Name=name, Value=original, Type="String", Overwrite=True)
        clear_caches()


# --- what a client reads ------------------------------------------------------------------------------


def orders(run: Run, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    url = run.client.url("OrdersApiUrl") + "orders"
    return dict(ok(run.client.request("POST", url, body, headers=headers), "POST /orders"))


def accepted(run: Run, body: Any, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    answer = orders(run, body, headers)
    expect(answer["invalidOrders"] == [] and answer["orders"], f"orders not accepted: {answer['invalidOrders']}")
    return list(answer["orders"])


def data(run: Run, path: str, query: dict[str, str] | None = None, *statuses: int) -> Any:
    return ok(run.client.get(path, query), f"GET {path}", *statuses)


def buy(customer_id: str, ticker: str, quantity: int, limit: str | None = None) -> dict[str, Any]:
    order: dict[str, Any] = {"customerId": customer_id, "direction": "Buy", "ticker": ticker, "quantity": quantity}
    return order | ({"type": "Limit", "price": limit} if limit else {"type": "Market"})


def trades_of(run: Run, customer_id: str) -> list[dict[str, Any]]:
    return list(data(run, f"/trades/{customer_id}", {"tradeDate": today(), "limit": "500"})["trades"])


def order_status(run: Run, order_id: str) -> str:
    return str(data(run, f"/orders/{order_id}")["status"])


def executions(run: Run, output: str) -> set[str]:
    sfn = run.client.aws("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=run.client.url(output), maxResults=1000)["executions"]
    return {execution["executionArn"] for execution in listed}


def finished(run: Run, execution_arn: str, timeout: float = 30.0) -> dict[str, Any]:
    sfn = run.client.aws("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        run.client.idle()
        execution = sfn.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(execution)
        time.sleep(0.05)


def states_entered(run: Run, execution_arn: str) -> list[str]:
    events = run.client.aws("stepfunctions").get_execution_history(executionArn=execution_arn, maxResults=1000)
    return [e["stateEnteredEventDetails"]["name"] for e in events["events"] if "stateEnteredEventDetails" in e]


def new_execution(run: Run, output: str, before: set[str]) -> str:
    started = executions(run, output) - before
    expect(len(started) == 1, f"{output}: {len(started)} executions started, not 1")
    return started.pop()


def succeeded(run: Run, execution_arn: str) -> dict[str, Any]:
    execution = finished(run, execution_arn)
    expect(execution["status"] == "SUCCEEDED", f"{execution_arn.rsplit(':', 2)[-2]}: {execution['status']} "
           f"{execution.get('error', '')} {str(execution.get('cause', ''))[:300]}")  # fmt: skip
    return execution


# --- the order path -----------------------------------------------------------------------------------


def function_log_offset(run: Run) -> int:
    path = run.client.cloud.functions_log_file
    return path.stat().st_size if path.exists() else 0


def logged_since(run: Run, offset: int, text: str) -> bool:
    """Whether a function wrote `text` to the functions' log (an operator's CloudWatch Logs) after `offset`."""
    with run.client.cloud.functions_log_file.open("rb") as log:
        log.seek(offset)
        return text.encode() in log.read()


def order_flow(run: Run, bus: str) -> None:
    client = run.client
    client.switch_bus(bus)
    log_offset = function_log_offset(run)
    rich, poor = run.id("RICH"), run.id("POOR")
    put_customer(run, rich, RICH)
    put_customer(run, poor, POOR)
    forget_ticker(run, LIT_TICKER)  # never seen: the router looks it up before pricing

    refused = orders(run, buy(poor, LIT_TICKER, 100))
    expect(refused["orders"] == [], f"the poor customer's order was accepted: {refused['orders']}")
    [refusal] = refused["invalidOrders"]
    expect(refusal["reason"].startswith("insufficient funds"), f"refused for {refusal['reason']}")
    expect(refusal.get("orderId"), f"the refused order was not kept: {refusal}")  # kept, to be read back
    expect(order_status(run, refusal["orderId"]) == "REFUSED", "the refused order does not read as REFUSED")
    bought = accepted(run, [buy(rich, LIT_TICKER, 10), buy(rich, DARK_TICKER, 10)], {"Idempotency-Key": run.id("KEY")})
    client.idle()

    topped_up = Decimal(client.customer(poor)["availableFunds"])
    expect(topped_up > POOR, f"the refused customer was not topped up (available {topped_up})")
    for child in bought:
        expect(order_status(run, child["parentOrderId"]) == "FILLED", f"{child['ticker']} buy not filled")
    positions = {p["ticker"]: p for p in data(run, f"/customers/{rich}/positions")["positions"]}
    for ticker in (LIT_TICKER, DARK_TICKER):
        expect(positions.get(ticker, {}).get("quantity") == 10, f"no position of 10 {ticker}: {positions.get(ticker)}")

    [sold] = accepted(run, {**buy(rich, LIT_TICKER, 4), "direction": "Sell"})
    client.idle()
    expect(order_status(run, sold["parentOrderId"]) == "FILLED", "the sell was not filled")
    trades = trades_of(run, rich)
    quantities = sorted((t["ticker"], t["direction"]) for t in trades for _ in range(t["quantity"]))
    expected = sorted([(LIT_TICKER, "Buy")] * 10 + [(DARK_TICKER, "Buy")] * 10 + [(LIT_TICKER, "Sell")] * 4)
    expect(
        quantities == expected, f"trades of {rich}: {[(t['ticker'], t['direction'], t['quantity']) for t in trades]}"
    )
    customer = client.customer(rich)
    expect(customer["nrTrades"] == len(trades), f"aggregated {customer['nrTrades']} trades, not {len(trades)}")
    expect(Decimal(customer["reservedFunds"]) == 0, f"funds still reserved: {customer['reservedFunds']}")
    positions = {p["ticker"]: p for p in data(run, f"/customers/{rich}/positions")["positions"]}
    expect(positions[LIT_TICKER]["quantity"] == 6, f"position after the sell: {positions[LIT_TICKER]}")
    expect(data(run, f"/customers/{rich}/ledger")["entries"] is not None, "no ledger")
    listed = data(run, f"/customers/{rich}/orders")["orders"]
    expect(sorted(o["status"] for o in listed) == ["FILLED"] * 3, f"orders of {rich}: {listed}")
    expect(data(run, f"/tickers/{LIT_TICKER}")["nrTrades"] > 0, f"no trades on /tickers/{LIT_TICKER}")
    # the storage analyzer's only output: its reconciliation of each settled batch, in its log
    expect(logged_since(run, log_offset, "settled batch reconciled"), "the storage analyzer reconciled no batch")


@scenario("order-flow-eventbridge", "orders routed, filled, settled and aggregated on EventBridge")
def order_flow_eventbridge(run: Run) -> None:
    order_flow(run, "EVENT-BRIDGE")


@scenario("order-flow-sns", "orders routed, filled, settled and aggregated on SNS")
def order_flow_sns(run: Run) -> None:
    try:
        order_flow(run, "SNS")
    finally:
        run.client.switch_bus("EVENT-BRIDGE")


@scenario("order-cancel", "a resting parent order of three children cancelled through the orders API")
def order_cancel(run: Run) -> None:
    customer = run.id("CANCEL")
    put_customer(run, customer, RICH)
    store_quote(run, CANCEL_TICKER)
    children = accepted(run, buy(customer, CANCEL_TICKER, 2500, "1.00"))
    expect({c["status"] for c in children} == {"OPEN"}, f"not resting: {[c['status'] for c in children]}")
    run.client.idle()
    [parent] = {c["parentOrderId"] for c in children}
    cancelled = ok(run.client.request("DELETE", run.client.url("OrdersApiUrl") + f"orders/{parent}"), "DELETE")
    expect(len(cancelled["cancelled"]) == 3, f"cancelled {cancelled}")
    run.client.idle()
    expect(order_status(run, parent) == "CANCELLED", "the parent is not CANCELLED")
    funds = run.client.customer(customer)
    expect(Decimal(funds["reservedFunds"]) == 0, f"funds still reserved after the cancel: {funds['reservedFunds']}")


def resting_buy(run: Run, ticker: str) -> dict[str, Any]:
    customer = run.id("REST")
    put_customer(run, customer, RICH)
    store_quote(run, ticker)
    [child] = accepted(run, buy(customer, ticker, 10, "1.00"))
    expect(child["status"] == "OPEN", f"{ticker} limit buy at 1.00 is {child['status']}, not resting")
    run.client.idle()
    lower_quote(run, ticker, Decimal("0.25"))
    return child


@scenario("order-book-update", "a resting limit buy fills when MarketDataUpdate announces a lower quote")
def order_book_update(run: Run) -> None:
    child = resting_buy(run, UPDATE_TICKER)
    put_event(run, WORKFLOW_SOURCE, "MarketDataUpdate", {"tickers": [UPDATE_TICKER]})
    run.client.idle()
    expect(order_status(run, child["orderId"]) == "FILLED", "the resting order did not fill on MarketDataUpdate")
    expect(len(trades_of(run, child["customerId"])) == 1, "no trade")


@scenario("order-book-schedule", "a resting limit buy fills when the order book's schedule fires")
def order_book_schedule(run: Run) -> None:
    child = resting_buy(run, SCHEDULE_TICKER)
    run.client.cloud.fire_schedule(ORDER_BOOK_SCHEDULE_RULE)
    run.client.idle()
    expect(order_status(run, child["orderId"]) == "FILLED", "the resting order did not fill on the schedule")


# --- market data --------------------------------------------------------------------------------------


@scenario("market-data-fetch", "the router's MarketData event starts workflow A; the market-data API reads it")
def market_data_fetch(run: Run) -> None:
    forget_ticker(run, FETCH_TICKER)
    before = executions(run, "MarketDataParallelFetchWorkflowArn")
    put_event(run, "SmartOrderRouter", "MarketData", {"tickers": [FETCH_TICKER]})
    run.client.idle()
    succeeded(run, new_execution(run, "MarketDataParallelFetchWorkflowArn", before))
    api = run.client.url("MarketDataApiUrl")
    summary = ok(run.client.request("GET", api + f"quote-summary/{FETCH_TICKER}"), "GET quote-summary")
    history = ok(run.client.request("GET", api + f"history/{FETCH_TICKER}?from={summary['histDataStart']}"), "history")
    expect(history["count"] > 200, f"history of {history['count']} bars")


def start_workflow_b(run: Run, ticker: str) -> str:
    url = run.client.url("MarketDataManagerApiUrl")
    body = ok(run.client.request("POST", url, {"detail": {"tickers": [{"ticker": ticker}]}}), "POST manager API")
    return str(body["executionArn"])


@scenario("market-data-update", "workflow B through the manager API: new data, then none (the task token path)")
def market_data_update(run: Run) -> None:
    forget_ticker(run, WORKFLOW_B_TICKER)
    first = start_workflow_b(run, WORKFLOW_B_TICKER)
    succeeded(run, first)
    expect(states_entered(run, first)[-1] == "PublishMarketDataUpdate", f"new data: {states_entered(run, first)}")
    again = start_workflow_b(run, WORKFLOW_B_TICKER)
    succeeded(run, again)
    last = states_entered(run, again)[-1]
    expect(last == "WaitForNoDataAcknowledgement", f"no new data: ended in {last}")


@scenario("market-data-api", "the market-data API reads and deletes a quote summary and history")
def market_data_api(run: Run) -> None:
    ticker = MARKET_DATA_API_TICKER
    forget_ticker(run, ticker)
    store = run.market_data()
    store.put_summary(OfflineProvider().quote_summary(ticker))
    end = date.fromisoformat(today())
    store.put_history(ticker, OfflineProvider().history(ticker, end - timedelta(days=30), end))
    api = run.client.url("MarketDataApiUrl")
    expect(ok(run.client.request("GET", api + f"quote-summary/{ticker}"), "GET quote-summary")["ticker"] == ticker, "")
    start = (end - timedelta(days=30)).isoformat()
    history = ok(run.client.request("GET", api + f"history/{ticker}?from={start}&to={today()}"), "GET history")
    days = [bar["date"] for bar in history["bars"]]
    expect(len(days) > 10, f"history of {len(days)} bars")
    window = {"from": days[0], "to": days[4]}
    deleted = ok(run.client.request("DELETE", api + f"history/{ticker}", window), "DELETE history")
    expect(deleted["deletedRows"] == 5, f"deleted {deleted}")
    gone = ok(run.client.request("DELETE", api + f"quote-summary/{ticker}"), "DELETE quote-summary")
    expect(gone["deletedSummary"] is True, f"deleted {gone}")
    expect(run.client.request("GET", api + f"quote-summary/{ticker}")[0] == 404, "the summary is still there")


@scenario("router-step-functions", "in StepFunctionAPIs mode the router starts workflow B for a stale ticker")
def router_step_functions(run: Run) -> None:
    customer = run.id("SFN")
    put_customer(run, customer, RICH)
    ticker = STEP_FUNCTIONS_TICKERS[next(_step_functions_runs) % len(STEP_FUNCTIONS_TICKERS)]
    forget_ticker(run, ticker)
    store_quote(run, ticker, stale=True)
    before = executions(run, "MarketDataTickerMapWorkflowArn")
    with parameter(run, INVOKE_MODE_PARAMETER, "StepFunctionAPIs"):
        accepted(run, buy(customer, ticker, 5))
        run.client.idle()
    succeeded(run, new_execution(run, "MarketDataTickerMapWorkflowArn", before))


# --- customers ----------------------------------------------------------------------------------------


@scenario("customer-accounts", "a customer opened, a deposit, a withdrawal retried with its key, listed")
def customer_accounts(run: Run) -> None:
    customer = run.id("ACCT")
    url = run.client.url("DataApiUrl")

    def post(path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return run.client.request("POST", url + path, body, headers=headers)

    ok(post("customers", {"customerId": customer, "initialDeposit": "500.00"}), "open", 201)
    ok(post(f"customers/{customer}/deposits", {"amount": "100.00"}), "deposit", 201)
    key = {"Idempotency-Key": run.id("RENT")}
    first = ok(post(f"customers/{customer}/withdrawals", {"amount": "120.50", "reason": "rent"}, key), "withdraw", 201)
    again = ok(post(f"customers/{customer}/withdrawals", {"amount": "120.50", "reason": "rent"}, key), "again", 201)
    expect(first == again, "a retried withdrawal answered differently")
    expect(run.client.customer(customer)["remainingFunds"] == "479.50", "funds after a deposit and one withdrawal")
    kinds = [e["kind"] for e in data(run, f"/customers/{customer}/ledger")["entries"]]
    expect(sorted(kinds) == ["DEPOSIT", "DEPOSIT", "WITHDRAWAL"], f"ledger {kinds}")
    expect(data(run, "/customers", {"limit": "5"})["customers"], "no customer listed")


@scenario("portfolio", "a portfolio at a past date: the data API invokes historical-data for what it lacks")
def portfolio(run: Run) -> None:
    customer = run.id("PF")
    for ticker in PORTFOLIO_TICKERS:
        forget_ticker(run, ticker)
    day = date.fromisoformat(today()) - timedelta(days=40)
    while day.weekday() != 2:
        day -= timedelta(days=1)
    funds = Decimal("50000.00")
    opened = f"{(day - timedelta(days=7)).isoformat()}T09:00:00.000Z"
    table = run.table("TradesTableName")
    table.put_item(Item={**keys.customer_key(customer), "CustomerId": customer, "RemainingFunds": funds,
                         "AvailableFunds": funds, "ReservedFunds": Decimal(0), "TotalDeposits": funds,
                         "Created": opened})  # fmt: skip
    table.put_item(Item=ledger.deposit(customer, funds, entry_id="mut", reason="initial", at=opened).to_item())
    for n, ticker in enumerate(PORTFOLIO_TICKERS):  # on two days: a trade's key is its day, order date and parent
        fill = dated_fill(
            customer_id=customer, order_id=f"{customer}-{n}", day=day - timedelta(days=n), second=n,
            direction=Direction.BUY, ticker=ticker, quantity=10, price=Decimal("100.00"), fee=Decimal("0.02"), hour=15,
        )  # fmt: skip
        table.put_item(Item=trade_item(fill))
    run.client.idle()  # the aggregator applies the fills
    body = data(run, f"/customers/{customer}/portfolio", {"date": day.isoformat()})
    expect(body["missingPrices"] == [], f"prices missing: {body['missingPrices']}")
    expect(sorted(p["ticker"] for p in body["positions"]) == sorted(PORTFOLIO_TICKERS), f"positions {body}")


@scenario("customer-seed", "the customer seeder invoked as CloudFormation invokes it")
def customer_seed(run: Run) -> None:
    customers = [run.id("SEED1"), run.id("SEED2")]
    try:
        answer = seed_customers(run.client, customers, Decimal("1000.00"))
    except AssertionError as error:
        raise ScenarioFailed(f"the seeder failed: {str(error)[:300]}") from None
    expect(answer["Reason"].startswith("created 2 of 2"), f"seeder: {answer['Reason']}")
    for customer in customers:
        expect(run.client.customer(customer)["availableFunds"] == "1000.00", f"{customer} not seeded")


@scenario("api-docs", "the OpenAPI document of each of the four APIs")
def api_docs(run: Run) -> None:
    for output in (
        "OrdersApiOpenApiUrl",
        "DataApiOpenApiUrl",
        "MarketDataApiOpenApiUrl",
        "MarketDataManagerApiOpenApiUrl",
    ):
        document = ok(run.client.request("GET", run.client.url(output)), f"GET {output}")
        expect(document.get("openapi"), f"{output}: not an OpenAPI document")
