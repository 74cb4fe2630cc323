"""Market data (docs/architecture.md §3, docs/market-data.md), split the way the runtime is.

- `functions.py`: the seven functions and what each may touch;
- `workflows.py`: the parallel-fetch workflow (A: quote summaries ∥ histories, started by `MarketData`
  events) and the ticker-map workflow (B: a Map per ticker, then `MarketDataUpdate` or a wait for the
  no-data acknowledgement; started by the manager API or the router);
- `apis.py`: the market data API and the manager API that starts the ticker-map workflow;
- the two rules are bus routes (`constructs_lib.routes.MARKET_DATA_ROUTES`), built by `MessageBus`;
- `store.py` (the Data stack's table and bucket) and `layer.py` (yfinance and its dependencies).

Everything is created in this construct's scope, so logical ids do not depend on the modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib.bus import MessageBus, RuleTarget, function_target, workflow_target
from constructs_lib.common.rest_api import TradingRestApi
from constructs_lib.market_data import apis, workflows
from constructs_lib.market_data.functions import MarketDataFunctions, create_functions
from constructs_lib.routes import MARKET_DATA_ROUTES
from constructs_lib.stage_config import StageConfig
from trading_core import contracts


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
    api_docs: lambda_.IFunction
    """`GET /openapi.json` on both APIs."""


class MarketData(Construct):
    functions: MarketDataFunctions
    parallel_fetch_workflow: sfn.StateMachine
    """Workflow A: started by the router's `MarketData` events; a Parallel of quote summaries and histories."""
    ticker_map_workflow: sfn.StateMachine
    """Workflow B: started by the manager API (or the router); a Map per ticker, a Choice, a task token."""
    rules: dict[str, events.Rule]
    dead_letter_queues: dict[str, sqs.Queue]
    rest_api: TradingRestApi
    manager_api: TradingRestApi

    def __init__(self, scope: Construct, id: str, *, props: MarketDataProps) -> None:
        super().__init__(scope, id)
        config = props.config
        event_bus = props.bus.event_bus
        self.functions = create_functions(
            self,
            config=config,
            shared_layer=props.shared_layer,
            dependencies_layer=props.dependencies_layer,
            table=props.market_data_table,
            bucket=s3.Bucket.from_bucket_name(self, "MarketDataBucket", props.market_data_bucket_name),
            event_bus=event_bus,
        )
        functions = self.functions
        self.parallel_fetch_workflow = workflows.state_machine(
            self,
            "ParallelFetchWorkflow",
            config=config,
            name=contracts.PARALLEL_FETCH_WORKFLOW,
            definition=workflows.parallel_fetch(self, functions),
            task_functions=(functions.quote_summary, functions.historical_data),
        )
        self.ticker_map_workflow = workflows.state_machine(
            self,
            "TickerMapWorkflow",
            config=config,
            name=contracts.TICKER_MAP_WORKFLOW,
            definition=workflows.ticker_map(self, functions, event_bus),
            task_functions=(functions.market_data_fetcher, functions.market_data_checker, functions.no_data_notifier),
        )
        self.ticker_map_workflow.grant(functions.task_token_manager.function, "states:SendTaskSuccess")

        targets: dict[str, RuleTarget] = {
            contracts.PARALLEL_FETCH_WORKFLOW: workflow_target(self.parallel_fetch_workflow),
            contracts.TASK_TOKEN_MANAGER_FUNCTION: function_target(functions.task_token_manager.function),
        }
        self.rules, self.dead_letter_queues = {}, {}
        for route in MARKET_DATA_ROUTES:
            rule = props.bus.add_rule(route, targets[route.target], scope=self)
            self.rules[route.name] = rule.rule
            self.dead_letter_queues[route.name] = rule.dead_letter_queue

        self.rest_api = apis.market_data_api(
            self, config=config, function=functions.market_data_api, api_docs=props.api_docs
        )
        self.manager_api = apis.manager_api(
            self, config=config, workflow=self.ticker_map_workflow, api_docs=props.api_docs
        )
