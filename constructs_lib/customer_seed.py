"""Deploy-time seeding of the original's twelve customers (DESIGN §6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from aws_cdk import CustomResource
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.config import StageConfig
from constructs_lib.function import TradingFunction, TradingFunctionProps

DEFAULT_CUSTOMERS: Final = tuple(f"{n:06d}" for n in range(1, 13))
DEFAULT_INITIAL_FUNDS: Final = "1000000.00"


@dataclass(frozen=True, kw_only=True)
class CustomerSeedProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion
    trades_table: dynamodb.ITable
    customers: tuple[str, ...] = field(default=DEFAULT_CUSTOMERS)
    initial_funds: str = DEFAULT_INITIAL_FUNDS


class CustomerSeed(Construct):
    """A custom resource served directly by `customer_seeder` (it answers the ResponseURL itself)."""

    seeder: TradingFunction
    resource: CustomResource

    def __init__(self, scope: Construct, id: str, *, props: CustomerSeedProps) -> None:
        super().__init__(scope, id)
        self.seeder = TradingFunction(
            self,
            "CustomerSeeder",
            props=TradingFunctionProps(
                config=props.config,
                name="customer_seeder",
                description="seeds the initial customers at deploy time",
                shared_layer=props.shared_layer,
                environment={"TRADES_TABLE_NAME": props.trades_table.table_name},
            ),
        )
        props.trades_table.grant_write_data(self.seeder.function)
        self.resource = CustomResource(
            self,
            "Customers",
            service_token=self.seeder.function.function_arn,
            resource_type="Custom::CustomerSeed",
            properties={
                "Customers": list(props.customers),
                "InitialFunds": props.initial_funds,
                "TableName": props.trades_table.table_name,
            },
        )
