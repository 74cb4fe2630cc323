"""Everything stateless: configuration, bus and routes, APIs and functions, seeding, alarms."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib.alarms import Alarms, AlarmsProps
from constructs_lib.api_access import ApiAccess, ApiAccessProps
from constructs_lib.api_docs import ApiDocs, ApiDocsProps
from constructs_lib.bus import MessageBus, MessageBusProps
from constructs_lib.common.function import SharedCodeLayer, SharedCodeLayerProps
from constructs_lib.customers import CustomerSeed, CustomerSeedProps
from constructs_lib.data_api import DataApi, DataApiProps
from constructs_lib.market_data import MarketData, MarketDataProps
from constructs_lib.market_data.layer import MarketDataDependenciesLayer, MarketDataDependenciesLayerProps
from constructs_lib.operations import Operations, OperationsProps
from constructs_lib.orders import OrderIntake, OrderIntakeProps
from constructs_lib.parameters import RuntimeParameters, RuntimeParametersProps
from constructs_lib.pools import Pools, PoolsProps
from constructs_lib.routes import ORDER_FLOW_ROUTES
from constructs_lib.settlement import Settlement, SettlementProps
from constructs_lib.stage_config import StageConfig
from stacks.data_stack import DataStack, output
from trading_core import contracts


class ServiceStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.add_stack_dependency(
            data, "tables and the trades bucket exist before functions, mappings and notifications"
        )
        layer = SharedCodeLayer(self, "SharedCode", props=SharedCodeLayerProps(config=config)).layer
        parameters = RuntimeParameters(self, "Configuration", props=RuntimeParametersProps(config=config))
        self.bus = MessageBus(self, "MessageBus", props=MessageBusProps(config=config))
        # Before the APIs: each serves GET /openapi.json with it.
        self.api_docs = ApiDocs(self, "ApiDocs", props=ApiDocsProps(config=config, shared_layer=layer))
        # Before the router and the pools: they read the MarketData table, the router starts the ticker map.
        self.market_data = MarketData(
            self,
            "MarketData",
            props=MarketDataProps(
                config=config,
                shared_layer=layer,
                market_data_table=data.market_data_table,
                market_data_bucket_name=data.market_data_bucket_name,
                bus=self.bus,
                dependencies_layer=MarketDataDependenciesLayer(
                    self, "MarketDataDependencies", props=MarketDataDependenciesLayerProps(config=config)
                ).layer,
                api_docs=self.api_docs.function,
            ),
        )

        self.order_intake = OrderIntake(
            self,
            "OrderIntake",
            props=OrderIntakeProps(
                config=config,
                shared_layer=layer,
                trades_table=data.trades_table,
                idempotency_table=data.idempotency_table,
                bus=self.bus,
                parameters=parameters,
                market_data_table=data.market_data_table,
                ticker_map_workflow=self.market_data.ticker_map_workflow,
                ticker_lookup=self.market_data.functions.quote_summary.function,
                api_docs=self.api_docs.function,
            ),
        )
        self.pools = Pools(
            self,
            "Pools",
            props=PoolsProps(
                config=config,
                shared_layer=layer,
                bus=self.bus,
                parameters=parameters,
            ),
        )
        self.settlement = Settlement(
            self,
            "Settlement",
            props=SettlementProps(
                config=config,
                shared_layer=layer,
                trades_table=data.trades_table,
                trades_bucket_name=data.trades_bucket_name,
                bus=self.bus,
                parameters=parameters,
            ),
        )
        route_targets = {
            contracts.DARK_POOL_FUNCTION: self.pools.dark_pool.function,
            contracts.LIT_POOL_FUNCTION: self.pools.lit_pool.function,
            contracts.FUNDS_RAISER_FUNCTION: self.settlement.funds_raiser.function,
            contracts.POST_TRADE_FUNCTION: self.settlement.post_trade.function,
        }
        self.routes = [self.bus.add_route(route, route_targets[route.target]) for route in ORDER_FLOW_ROUTES]
        self.data_api = DataApi(
            self,
            "DataApi",
            props=DataApiProps(
                config=config,
                shared_layer=layer,
                trades_table=data.trades_table,
                market_data_table=data.market_data_table,
                history_lookup=self.market_data.functions.historical_data.function,
                api_docs=self.api_docs.function,
            ),
        )
        # Demo data only where the stage says so (`seedDemoCustomers`: dev, never prod).
        self.customer_seed = (
            CustomerSeed(
                self,
                "CustomerSeed",
                props=CustomerSeedProps(config=config, shared_layer=layer, trades_table=data.trades_table),
            )
            if config.seed_demo_customers
            else None
        )
        apis = (
            self.order_intake.rest_api,
            self.data_api.rest_api,
            self.market_data.rest_api,
            self.market_data.manager_api,
        )
        self.api_access = ApiAccess(self, "ApiAccess", props=ApiAccessProps(config=config, apis=apis))

        functions = (
            *self.order_intake.functions,
            self.pools.dark_pool,
            self.pools.lit_pool,
            self.settlement.post_trade,
            self.settlement.aggregator,
            self.settlement.trade_archiver,
            self.settlement.storage_analyzer,
            self.settlement.funds_raiser,
            *self.data_api.functions,
            self.api_docs.handler,
            *((self.customer_seed.seeder,) if self.customer_seed else ()),
            *self.market_data.functions.all,
        )
        dead_letter_queues: dict[str, sqs.IQueue] = {b.route.name: b.dead_letter_queue for b in self.routes}
        dead_letter_queues |= {f.node.id: f.failure_queue for f in functions if f.failure_queue is not None}
        dead_letter_queues["TradesStream"] = self.settlement.stream_dead_letter_queue
        dead_letter_queues["TradeArchive"] = self.settlement.archive_dead_letter_queue
        dead_letter_queues |= self.market_data.dead_letter_queues
        dead_letter_queues |= self.order_intake.dead_letter_queues
        self.operations = Operations(
            self,
            "Operations",
            props=OperationsProps(
                config=config,
                functions=functions,
                dead_letter_queues=dead_letter_queues,
                tables={
                    "TradesStore": data.trades_table,
                    "IdempotencyTable": data.idempotency_table,
                    "MarketDataTable": data.market_data_table,
                },
            ),
        )
        if config.alarms:
            Alarms(
                self,
                "Alarms",
                props=AlarmsProps(
                    config=config,
                    dead_letter_queues=dead_letter_queues,
                    functions=functions,
                    topic=self.operations.topic,
                ),
            )

        output(
            self, contracts.ORDERS_API_URL_OUTPUT, self.order_intake.rest_api.url, "Orders API base URL (POST orders)"
        )
        output(self, contracts.DATA_API_URL_OUTPUT, self.data_api.rest_api.url, "Data API base URL")
        for name, api in (
            (contracts.ORDERS_API_OPENAPI_URL_OUTPUT, self.order_intake.rest_api),
            (contracts.DATA_API_OPENAPI_URL_OUTPUT, self.data_api.rest_api),
            (contracts.MARKET_DATA_API_OPENAPI_URL_OUTPUT, self.market_data.rest_api),
            (contracts.MARKET_DATA_MANAGER_API_OPENAPI_URL_OUTPUT, self.market_data.manager_api),
        ):
            output(self, name, api.openapi_url, f"{api.document.title}: OpenAPI document (no API key)")
        output(self, contracts.EVENT_BUS_OUTPUT, self.bus.event_bus.event_bus_name, "order-flow event bus")
        output(self, contracts.ORDERS_TOPIC_OUTPUT, self.bus.topic.topic_arn, "order-flow SNS topic")
        output(self, contracts.MARKET_DATA_API_URL_OUTPUT, self.market_data.rest_api.url, "Market data API base URL")
        output(
            self,
            contracts.MARKET_DATA_MANAGER_API_URL_OUTPUT,
            self.market_data.manager_api.url,
            "Market-data manager API (POST starts workflow B)",
        )
        output(
            self,
            contracts.PARALLEL_FETCH_WORKFLOW_OUTPUT,
            self.market_data.parallel_fetch_workflow.state_machine_arn,
            "workflow A (Parallel: quote summary + history)",
        )
        output(
            self,
            contracts.TICKER_MAP_WORKFLOW_OUTPUT,
            self.market_data.ticker_map_workflow.state_machine_arn,
            "workflow B (Map per ticker, Choice, task token)",
        )
        output(
            self, contracts.API_KEY_OUTPUT, self.api_access.api_key.key_id, "API key id (aws apigateway get-api-key)"
        )
