"""Market data (docs/architecture.md §3, docs/market-data.md): the functions, workflows A and B, the APIs.

- Workflow A (`MarketDataManagerStateMachine`), started by the rule on `SmartOrderRouter` / `MarketData`
  with the event's detail: a Parallel of the quote-summary and historical-data tasks, each with Retry.
- Workflow B (`MarketDataManagerParallelStateMachine`): a Map (max concurrency 5) over `$.detail.tickers`
  running the fetcher, the checker, then a Choice: new history → `events:putEvents` of `MarketDataUpdate`;
  none → a `lambda:invoke.waitForTaskToken` task whose function announces `NoHistoricalDataRetrieved
  {taskToken}`; the task token manager, triggered by that event, sends the token back.
- Market data API: `GET`/`DELETE /quote-summary/{ticker}`, `GET`/`DELETE /history/{ticker}` (Lambda proxy).
- Market-data manager API: `POST /` starts workflow B through API Gateway's Step Functions (AWS)
  integration, as the original did: no function in between; the body is checked against a JSON
  schema model first, so a bad request never starts an execution.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from constructs_lib.bus import TARGET_RETRY_ATTEMPTS, MessageBus
from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.common.nag import acknowledge, finding_text
from constructs_lib.common.queues import dead_letter_queue
from constructs_lib.common.rest_api import TradingRestApi, TradingRestApiProps
from constructs_lib.stage_config import StageConfig
from trading_core import market_data
from trading_core.market_data_requests import REQUEST_DETAIL_TYPE, REQUEST_SOURCE

WORKFLOW_SOURCE: Final = "MarketDataManagerStepFunction"
UPDATE_DETAIL_TYPE: Final = "MarketDataUpdate"
NO_DATA_DETAIL_TYPE: Final = "NoHistoricalDataRetrieved"
RAW_PREFIX: Final = "raw/"
MAP_MAX_CONCURRENCY: Final = 5
FETCH_TIMEOUT: Final = Duration.seconds(60)
TASK_TIMEOUT: Final = Duration.seconds(90)
TOKEN_WAIT_TIMEOUT: Final = Duration.minutes(5)
# Transient Lambda-service failures and task timeouts; never InvalidTicker (a bad input stays bad).
LAMBDA_SERVICE_ERRORS: Final = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
FETCH_RETRY_ERRORS: Final = (*LAMBDA_SERVICE_ERRORS, "States.Timeout")
# Every market-data rule target: the bus's retries, events kept 2 hours, the event's detail as input.
_TARGET_DELIVERY: Final[dict[str, Any]] = {"retry_attempts": TARGET_RETRY_ATTEMPTS, "max_event_age": Duration.hours(2)}
_DETAIL: Final = events.RuleTargetInput.from_event_path("$.detail")
# resource -> methods; every route is `/<resource>/{ticker}`
API_ROUTES: Final[Mapping[str, tuple[str, ...]]] = {
    "quote-summary": ("GET", "DELETE"),
    "history": ("GET", "DELETE"),
}
HISTORY_QUERY: Final = ("from", "to")
MAX_TICKERS_PER_EXECUTION: Final = 100
# The project's 4xx shape around API Gateway's validation message; escapeJavaScript also escapes `'`,
# which JSON does not allow, hence the replaceAll (the usual idiom).
INVALID_BODY_TEMPLATE: Final = (
    '{"message": "invalid request", "errors": [{"field": "body", '
    '"message": "$util.escapeJavaScript($context.error.validationErrorString).replaceAll("\\\\\'", "\'")"}]}'
)
START_FAILED_TEMPLATE: Final = (
    '{"message": "could not start the market-data workflow, try again", '
    '"error": "$util.escapeJavaScript($input.path(\'$.__type\'))"}'
)


@dataclass(frozen=True, kw_only=True)
class MarketDataProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    market_data_table: dynamodb.ITable
    market_data_bucket_name: str
    """The Data stack's bucket, imported by name (object-level grants on `raw/*` only)."""
    bus: MessageBus
    dependencies_layer: lambda_.ILayerVersion
    """yfinance and its dependencies (MarketDataDependenciesLayer): the three fetching functions only."""


class MarketData(Construct):
    quote_summary: TradingFunction
    historical_data: TradingFunction
    market_data_fetcher: TradingFunction
    market_data_checker: TradingFunction
    no_data_notifier: TradingFunction
    task_token_manager: TradingFunction
    market_data_api: TradingFunction
    state_machine: sfn.StateMachine
    parallel_state_machine: sfn.StateMachine
    request_rule: events.Rule
    no_data_rule: events.Rule
    dead_letter_queues: dict[str, sqs.Queue]
    rest_api: TradingRestApi
    manager_api: TradingRestApi

    def __init__(self, scope: Construct, id: str, *, props: MarketDataProps) -> None:
        super().__init__(scope, id)
        self._props = props
        config = props.config
        table = props.market_data_table
        self._bucket = s3.Bucket.from_bucket_name(self, "MarketDataBucket", props.market_data_bucket_name)
        fetch_env = {
            market_data.TABLE_ENV: table.table_name,
            market_data.BUCKET_ENV: self._bucket.bucket_name,
            market_data.PROVIDER_ENV: config.market_data_provider,
        }

        self.quote_summary = self._fetching_function(
            "QuoteSummaryFunction", "quote_summary", "quote summaries", fetch_env
        )
        self.historical_data = self._fetching_function(
            "HistoricalDataFunction", "historical_data", "incremental daily history", fetch_env
        )
        self.market_data_fetcher = self._fetching_function(
            "MarketDataFetcherFunction",
            "market_data_fetcher",
            "summary and history of one ticker (workflow B)",
            fetch_env,
        )
        self.market_data_checker = self._function(
            "MarketDataCheckerFunction", "market_data_checker", "decides whether new history arrived (workflow B)"
        )
        self.no_data_notifier = self._function(
            "NoDataNotifierFunction",
            "no_data_notifier",
            "announces NoHistoricalDataRetrieved with the task token (workflow B)",
            environment={"EVENT_BUS_NAME": props.bus.event_bus.event_bus_name},
        )
        props.bus.event_bus.grant_put_events_to(self.no_data_notifier.function)
        self.task_token_manager = self._function(
            "TaskTokenManagerFunction",
            "task_token_manager",
            "completes workflow B's waiting task (SendTaskSuccess)",
            async_invoked=True,
        )
        self.market_data_api = self._function(
            "MarketDataApiFunction",
            "market_data_api",
            "Market data API: quote summaries and history",
            environment={market_data.TABLE_ENV: table.table_name},
        )
        table.grant_read_write_data(self.market_data_api.function)

        self.state_machine = self._state_machine(
            "MarketDataManagerStateMachine",
            "market-data-manager",
            self._workflow_a(),
            (self.quote_summary, self.historical_data),
        )
        self.parallel_state_machine = self._state_machine(
            "MarketDataManagerParallelStateMachine",
            "market-data-manager-parallel",
            self._workflow_b(),
            (self.market_data_fetcher, self.market_data_checker, self.no_data_notifier),
        )
        self.parallel_state_machine.grant(self.task_token_manager.function, "states:SendTaskSuccess")
        self.dead_letter_queues = {}
        self.request_rule = self._request_rule()
        self.no_data_rule = self._no_data_rule()
        self.rest_api = self._rest_api()
        self.manager_api = self._manager_api()

    # -- functions ------------------------------------------------------------------------

    def _function(
        self,
        id: str,
        name: str,
        description: str,
        *,
        environment: Mapping[str, str] | None = None,
        timeout: Duration | None = None,
        async_invoked: bool = False,
    ) -> TradingFunction:
        return TradingFunction(
            self,
            id,
            props=TradingFunctionProps(
                config=self._props.config,
                name=name,
                description=f"{name.replace('_', ' ')}: {description}",
                shared_layer=self._props.shared_layer,
                environment=environment or {},
                timeout=timeout or Duration.seconds(30),
                async_invoked=async_invoked,
            ),
        )

    def _fetching_function(
        self, id: str, name: str, description: str, environment: Mapping[str, str]
    ) -> TradingFunction:
        """Calls the provider, writes the table and the raw answers under `raw/` of the bucket."""
        function = self._function(id, name, description, environment=environment, timeout=FETCH_TIMEOUT)
        function.function.add_layers(self._props.dependencies_layer)
        self._props.market_data_table.grant_read_write_data(function.function)
        raw_objects = self._bucket.arn_for_objects(f"{RAW_PREFIX}*")
        iam.Grant.add_to_principal(grantee=function.function, actions=["s3:PutObject"], resource_arns=[raw_objects])
        acknowledge(
            function.role,
            {
                f"AwsSolutions-IAM5[Resource::{finding_text(self, raw_objects)}]": "Object-level S3 actions need an "
                f"object ARN; only s3:PutObject under the '{RAW_PREFIX}' prefix of the one market-data bucket.",
            },
        )
        return function

    # -- workflows ------------------------------------------------------------------------

    def _lambda_task(
        self,
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
        task = tasks.LambdaInvoke(
            self,
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

    def _workflow_a(self) -> sfn.IChainable:
        quote = self._lambda_task("QuoteSummary", self.quote_summary, fetching=True, output_path="$.Payload")
        history = self._lambda_task("HistoricalData", self.historical_data, fetching=True, output_path="$.Payload")
        return (
            sfn.Parallel(
                self,
                "FetchMarketData",
                result_selector={"summary.$": "$[0]", "history.$": "$[1]"},
            )
            .branch(quote)
            .branch(history)
        )

    def _workflow_b(self) -> sfn.IChainable:
        fetch = self._lambda_task("FetchTicker", self.market_data_fetcher, fetching=True, output_path="$.Payload")
        each_ticker = sfn.Map(
            self,
            "FetchEachTicker",
            items_path="$.detail.tickers",
            max_concurrency=MAP_MAX_CONCURRENCY,
            result_path="$.results",
        ).item_processor(fetch)
        check = self._lambda_task(
            "CheckNewData",
            self.market_data_checker,
            result_selector={
                "newData.$": "$.Payload.newData",
                "tickers.$": "$.Payload.tickers",
                "checked.$": "$.Payload.checked",
            },
            result_path="$.check",
        )
        publish = tasks.EventBridgePutEvents(
            self,
            "PublishMarketDataUpdate",
            entries=[
                tasks.EventBridgePutEventsEntry(
                    source=WORKFLOW_SOURCE,
                    detail_type=UPDATE_DETAIL_TYPE,
                    detail=sfn.TaskInput.from_object({"tickers": sfn.JsonPath.list_at("$.check.tickers")}),
                    event_bus=self._props.bus.event_bus,
                )
            ],
            result_path=sfn.JsonPath.DISCARD,
        )
        wait_for_ack = self._lambda_task(
            "WaitForNoDataAcknowledgement",
            self.no_data_notifier,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload=sfn.TaskInput.from_object(
                {"taskToken": sfn.JsonPath.task_token, "tickers": sfn.JsonPath.list_at("$.check.checked")}
            ),
            task_timeout=sfn.Timeout.duration(TOKEN_WAIT_TIMEOUT),
            result_path="$.acknowledgement",
        )
        decide = (
            sfn.Choice(self, "NewDataArrived")
            .when(sfn.Condition.boolean_equals("$.check.newData", True), publish)
            .otherwise(wait_for_ack)
        )
        return each_ticker.next(check).next(decide)

    def _state_machine(
        self, id: str, name: str, definition: sfn.IChainable, task_functions: tuple[TradingFunction, ...]
    ) -> sfn.StateMachine:
        config = self._props.config
        scope = Construct(self, id)
        state_machine_name = config.resource_name(name)
        log_group = logs.LogGroup(
            scope,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{state_machine_name}",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        state_machine = sfn.StateMachine(
            scope,
            "StateMachine",
            state_machine_name=state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
            timeout=Duration.minutes(30),
        )
        acknowledge(
            state_machine,
            {
                "AwsSolutions-IAM5[Resource::*]": "Step Functions log delivery (logs:CreateLogDelivery and friends) "
                "and X-Ray tracing support no resource-level permissions; '*' is the only valid value.",
                **{
                    f"AwsSolutions-IAM5[Resource::{finding_text(self, f.function.function_arn)}:*]": "CDK's "
                    "LambdaInvoke grant covers the function's versions and aliases (ARN:*) of this one function."
                    for f in task_functions
                },
            },
        )
        return state_machine

    # -- rules ----------------------------------------------------------------------------

    def _request_rule(self) -> events.Rule:
        """`SmartOrderRouter` / `MarketData` starts workflow A with the event's detail."""
        return self._rule(
            "MarketDataRequests",
            "start workflow A",
            events.EventPattern(source=[REQUEST_SOURCE], detail_type=[REQUEST_DETAIL_TYPE]),
            lambda dlq: targets.SfnStateMachine(
                self.state_machine, input=_DETAIL, dead_letter_queue=dlq, **_TARGET_DELIVERY
            ),
        )

    def _no_data_rule(self) -> events.Rule:
        """`MarketDataManagerStepFunction` / `NoHistoricalDataRetrieved` reaches the task token manager."""
        return self._rule(
            "NoHistoricalData",
            "complete workflow B's waiting task",
            events.EventPattern(source=[WORKFLOW_SOURCE], detail_type=[NO_DATA_DETAIL_TYPE]),
            lambda dlq: targets.LambdaFunction(
                self.task_token_manager.function, event=_DETAIL, dead_letter_queue=dlq, **_TARGET_DELIVERY
            ),
        )

    def _rule(
        self,
        name: str,
        purpose: str,
        pattern: events.EventPattern,
        target: Callable[[sqs.Queue], events.IRuleTarget],
    ) -> events.Rule:
        """A rule on the order-flow bus whose target gets `$.detail`, with retries and its own DLQ."""
        scope = Construct(self, name)
        dlq = dead_letter_queue(
            scope, "DeadLetterQueue", config=self._props.config, name=re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
        )
        self.dead_letter_queues[name] = dlq
        return events.Rule(
            scope,
            "Rule",
            rule_name=self._props.config.resource_name(name),
            description=f"route {name}: {purpose}",
            event_bus=self._props.bus.event_bus,
            event_pattern=pattern,
            targets=[target(dlq)],
        )

    # -- API ------------------------------------------------------------------------------

    def _rest_api(self) -> TradingRestApi:
        rest_api = TradingRestApi(
            self,
            "MarketDataApi",
            props=TradingRestApiProps(config=self._props.config, name="market-data-api", description="Market data API"),
        )
        integration = apigw.LambdaIntegration(self.market_data_api.function, allow_test_invoke=False)
        self.methods: list[apigw.Method] = []
        for resource, methods in API_ROUTES.items():
            item = rest_api.api.root.add_resource(resource).add_resource("{ticker}")
            for method in methods:
                request_parameters = {"method.request.path.ticker": True}
                if resource == "history" and method == "GET":
                    request_parameters |= {f"method.request.querystring.{name}": False for name in HISTORY_QUERY}
                self.methods.append(
                    item.add_method(
                        method,
                        integration,
                        api_key_required=True,
                        request_validator=rest_api.validator,
                        request_parameters=request_parameters,
                    )
                )
        return rest_api

    def _manager_api(self) -> TradingRestApi:
        """`POST /` with `{"detail": {"tickers": [{"ticker": "AAPL"}]}}` → StartExecution of workflow B."""
        rest_api = TradingRestApi(
            self,
            "MarketDataManagerApi",
            props=TradingRestApiProps(
                config=self._props.config,
                name="market-data-manager-api",
                description="Market-data manager API: starts workflow B",
            ),
        )
        api = rest_api.api
        role = iam.Role(
            self,
            "MarketDataManagerApiRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway starts executions of workflow B, nothing else",
        )
        self.parallel_state_machine.grant_start_execution(role)
        model = api.add_model(
            "MarketDataRequest",
            content_type="application/json",
            model_name="MarketDataRequest",
            description="the tickers whose market data workflow B fetches",
            schema=_request_schema(),
        )
        body_validator = api.add_request_validator(
            "BodyValidator", validate_request_body=True, validate_request_parameters=True
        )
        api.add_gateway_response(
            "InvalidBody",
            type=apigw.ResponseType.BAD_REQUEST_BODY,
            status_code="400",
            templates={"application/json": INVALID_BODY_TEMPLATE},
        )
        # The execution input is the request body as a JSON string; the ARN token becomes an Fn::Join.
        request_template = (
            f'{{"stateMachineArn": "{self.parallel_state_machine.state_machine_arn}", '
            '"input": "$util.escapeJavaScript($input.json(\'$\')).replaceAll("\\\\\'", "\'")"}'
        )
        integration = apigw.AwsIntegration(
            service="states",
            action="StartExecution",
            integration_http_method="POST",
            options=apigw.IntegrationOptions(
                credentials_role=role,
                passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                request_templates={"application/json": request_template},
                integration_responses=[
                    apigw.IntegrationResponse(status_code="200"),
                    apigw.IntegrationResponse(
                        status_code="502",
                        selection_pattern=r"[45]\d{2}",
                        response_templates={"application/json": START_FAILED_TEMPLATE},
                    ),
                ],
            ),
        )
        self.manager_method = api.root.add_method(
            "POST",
            integration,
            api_key_required=True,
            request_validator=body_validator,
            request_models={"application/json": model},
            method_responses=[apigw.MethodResponse(status_code="200"), apigw.MethodResponse(status_code="502")],
        )
        return rest_api

    @property
    def functions(self) -> tuple[TradingFunction, ...]:
        return (
            self.quote_summary,
            self.historical_data,
            self.market_data_fetcher,
            self.market_data_checker,
            self.no_data_notifier,
            self.task_token_manager,
            self.market_data_api,
        )


def _request_schema() -> apigw.JsonSchema:
    """Workflow B's input: 1 to 100 tickers spelled as Yahoo spells them (draft 4, API Gateway's dialect)."""
    ticker = apigw.JsonSchema(
        type=apigw.JsonSchemaType.OBJECT,
        required=["ticker"],
        additional_properties=False,
        properties={"ticker": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, pattern=market_data.TICKER_PATTERN)},
    )
    detail = apigw.JsonSchema(
        type=apigw.JsonSchemaType.OBJECT,
        required=["tickers"],
        additional_properties=False,
        properties={
            "tickers": apigw.JsonSchema(
                type=apigw.JsonSchemaType.ARRAY, min_items=1, max_items=MAX_TICKERS_PER_EXECUTION, items=ticker
            )
        },
    )
    return apigw.JsonSchema(
        schema=apigw.JsonSchemaVersion.DRAFT4,
        title="MarketDataRequest",
        type=apigw.JsonSchemaType.OBJECT,
        required=["detail"],
        additional_properties=False,
        properties={"detail": detail},
    )
