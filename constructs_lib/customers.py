"""Deploy-time seeding of the original's twelve demo customers, in stages with `seedDemoCustomers` (docs/architecture.md
§6): dev seeds them, prod does not (it gets neither the function nor the custom resource)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from aws_cdk import CustomResource, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.common.storage import grant_items
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

# Seeding (`trading_core/customers/seed_store.py`): each customer and its initial DEPOSIT ledger entry are
# conditional puts (PutItem) in one transaction; a customer that exists gains its CustomerListKey (UpdateItem).
SEED_ACTIONS: Final = ("dynamodb:PutItem", "dynamodb:UpdateItem")
# CloudFormation fails the resource when no answer came within this (default: an hour). The seeder answers itself
# (FAILED with the reason on any error it catches); this bounds what it cannot answer: a crash before its handler
# runs, a timeout. CloudFormation invokes it asynchronously, so Lambda's two retries (a minute, then two, apart)
# of a crashed attempt still fit.
SEED_SERVICE_TIMEOUT: Final = Duration.minutes(5)


@dataclass(frozen=True, kw_only=True)
class CustomerSeedProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    trades_table: dynamodb.ITable
    customers: tuple[str, ...] = field(default=contracts.SEED_CUSTOMERS)
    initial_funds: str = contracts.SEED_INITIAL_FUNDS


class CustomerSeed(Construct):
    """A custom resource served directly by `customer_seeder` (it answers the ResponseURL itself), bounded by a
    `ServiceTimeout`."""

    seeder: TradingFunction
    resource: CustomResource

    def __init__(self, scope: Construct, id: str, *, props: CustomerSeedProps) -> None:
        super().__init__(scope, id)
        self.seeder = TradingFunction(
            self,
            "CustomerSeeder",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.CUSTOMER_SEEDER_FUNCTION,
                description="seeds the initial customers at deploy time",
                shared_layer=props.shared_layer,
                environment={contracts.TRADES_TABLE_ENV: props.trades_table.table_name},
            ),
        )
        grant_items(self.seeder.function, props.trades_table, SEED_ACTIONS)
        self.resource = CustomResource(
            self,
            "Customers",
            service_token=self.seeder.function.function_arn,
            resource_type=contracts.CUSTOMER_SEED_RESOURCE_TYPE,
            service_timeout=SEED_SERVICE_TIMEOUT,
            properties={
                contracts.SEED_CUSTOMERS_PROPERTY: list(props.customers),
                contracts.SEED_INITIAL_FUNDS_PROPERTY: props.initial_funds,
                contracts.SEED_TABLE_PROPERTY: props.trades_table.table_name,
            },
        )
