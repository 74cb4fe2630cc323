"""The two market-data workflows (docs/contracts.md "Market data"): their definitions and state machines.

- Parallel fetch (workflow A), started by `MarketData` requests on the bus: a Parallel state runs the
  quote-summary task and the historical-data task, each with Retry.
- Ticker map (workflow B), started by the manager API or the router: a Map (at most 5 at a time) over
  `$.detail.tickers` running the fetcher, then the checker, then a Choice: new history → an
  `events:putEvents` task publishes `MarketDataUpdate`; none → a `lambda:invoke.waitForTaskToken`
  task whose function announces `NoHistoricalDataRetrieved {taskToken}`, which the task token
  manager answers.

States are created in the given scope (the MarketData construct), whose ids are their state names.
The field names the states exchange with the functions are contracts (`trading_core.contracts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from constructs_lib.common.function import TradingFunction
from constructs_lib.common.nag import acknowledge, finding_text
from constructs_lib.market_data.functions import MarketDataFunctions
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

MAP_MAX_CONCURRENCY: Final = 5
TASK_TIMEOUT: Final = Duration.seconds(90)
TOKEN_WAIT_TIMEOUT: Final = Duration.minutes(5)
WORKFLOW_TIMEOUT: Final = Duration.minutes(30)
CHECK: Final = "$.check"
"""Where the ticker-map workflow keeps the checker's result (its own state: no function reads this path)."""
# Transient Lambda-service failures and task timeouts; never InvalidTicker (a bad input stays bad).
LAMBDA_SERVICE_ERRORS: Final = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
FETCH_RETRY_ERRORS: Final = (*LAMBDA_SERVICE_ERRORS, "States.Timeout")


def lambda_task(
    scope: Construct,
    id: str,
    function: TradingFunction,
    *,
    fetching: bool = False,
    output_path: str | None = None,
    result_path: str | None = None,
    result_selector: Mapping[str, str] | None = None,
    payload: sfn.TaskInput | None = None,
    integration_pattern: sfn.IntegrationPattern | None = None,
    task_timeout: sfn.Timeout | None = None,
) -> tasks.LambdaInvoke:
    """A `lambda:invoke` task retried on Lambda's service errors (and, if it fetches, on its timeout)."""
    task = tasks.LambdaInvoke(
        scope,
        id,
        lambda_function=function.function,
        retry_on_service_exceptions=False,  # our own Retry below, with the errors listed explicitly
        task_timeout=task_timeout or (sfn.Timeout.duration(TASK_TIMEOUT) if fetching else None),
        output_path=output_path,
        result_path=result_path,
        result_selector=result_selector,
        payload=payload,
        integration_pattern=integration_pattern,
    )
    task.add_retry(
        errors=list(FETCH_RETRY_ERRORS if fetching else LAMBDA_SERVICE_ERRORS),
        interval=Duration.seconds(2),
        max_attempts=3,
        backoff_rate=2,
    )
    return task


def parallel_fetch(scope: Construct, functions: MarketDataFunctions) -> sfn.IChainable:
    quote = lambda_task(scope, "QuoteSummary", functions.quote_summary, fetching=True, output_path="$.Payload")
    history = lambda_task(scope, "HistoricalData", functions.historical_data, fetching=True, output_path="$.Payload")
    return (
        sfn.Parallel(scope, "FetchMarketData", result_selector={"summary.$": "$[0]", "history.$": "$[1]"})
        .branch(quote)
        .branch(history)
    )


def ticker_map(scope: Construct, functions: MarketDataFunctions, event_bus: events.IEventBus) -> sfn.IChainable:
    fetch = lambda_task(scope, "FetchTicker", functions.market_data_fetcher, fetching=True, output_path="$.Payload")
    each_ticker = sfn.Map(
        scope,
        "FetchEachTicker",
        items_path=f"$.{contracts.DETAIL_FIELD}.{contracts.TICKERS_FIELD}",
        max_concurrency=MAP_MAX_CONCURRENCY,
        result_path=f"$.{contracts.MAP_RESULTS_FIELD}",
    ).item_processor(fetch)
    check = lambda_task(
        scope,
        "CheckNewData",
        functions.market_data_checker,
        result_selector={
            f"{field}.$": f"$.Payload.{field}"
            for field in (contracts.NEW_DATA_FIELD, contracts.TICKERS_FIELD, contracts.CHECKED_FIELD)
        },
        result_path=CHECK,
    )
    publish = tasks.EventBridgePutEvents(
        scope,
        "PublishMarketDataUpdate",
        entries=[
            tasks.EventBridgePutEventsEntry(
                source=contracts.MARKET_DATA_WORKFLOW_SOURCE,
                detail_type=contracts.MARKET_DATA_UPDATE_DETAIL_TYPE,
                detail=sfn.TaskInput.from_object(
                    {contracts.TICKERS_FIELD: sfn.JsonPath.list_at(f"{CHECK}.{contracts.TICKERS_FIELD}")}
                ),
                event_bus=event_bus,
            )
        ],
        result_path=sfn.JsonPath.DISCARD,
    )
    wait_for_ack = lambda_task(
        scope,
        "WaitForNoDataAcknowledgement",
        functions.no_data_notifier,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload=sfn.TaskInput.from_object(
            {
                contracts.TASK_TOKEN_FIELD: sfn.JsonPath.task_token,
                contracts.TICKERS_FIELD: sfn.JsonPath.list_at(f"{CHECK}.{contracts.CHECKED_FIELD}"),
            }
        ),
        task_timeout=sfn.Timeout.duration(TOKEN_WAIT_TIMEOUT),
        result_path="$.acknowledgement",
    )
    decide = (
        sfn.Choice(scope, "NewDataArrived")
        .when(sfn.Condition.boolean_equals(f"{CHECK}.{contracts.NEW_DATA_FIELD}", True), publish)
        .otherwise(wait_for_ack)
    )
    return each_ticker.next(check).next(decide)


def state_machine(
    scope: Construct,
    id: str,
    *,
    config: StageConfig,
    name: str,
    definition: sfn.IChainable,
    task_functions: tuple[TradingFunction, ...],
) -> sfn.StateMachine:
    """A STANDARD state machine `trading-system-<stage>-<name>`, logging ALL to its own group, traced."""
    node = Construct(scope, id)
    state_machine_name = config.resource_name(name)
    log_group = logs.LogGroup(
        node,
        "Logs",
        log_group_name=f"/aws/vendedlogs/states/{state_machine_name}",
        retention=config.log_retention,
        removal_policy=config.removal_policy,
    )
    machine = sfn.StateMachine(
        node,
        "StateMachine",
        state_machine_name=state_machine_name,
        state_machine_type=sfn.StateMachineType.STANDARD,
        definition_body=sfn.DefinitionBody.from_chainable(definition),
        logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        tracing_enabled=True,
        timeout=WORKFLOW_TIMEOUT,
    )
    acknowledge(
        machine,
        {
            "AwsSolutions-IAM5[Resource::*]": "Step Functions log delivery (logs:CreateLogDelivery and friends) "
            "and X-Ray tracing support no resource-level permissions; '*' is the only valid value.",
            **{
                f"AwsSolutions-IAM5[Resource::{finding_text(scope, f.function.function_arn)}:*]": "CDK's "
                "LambdaInvoke grant covers the function's versions and aliases (ARN:*) of this one function."
                for f in task_functions
            },
        },
    )
    return machine
