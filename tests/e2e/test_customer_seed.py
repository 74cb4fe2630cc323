"""The customer seed custom resource in the local cloud: a seeding that raises still answers CloudFormation,
FAILED with the reason, so the stack fails within seconds (and within its ServiceTimeout at worst)."""

from __future__ import annotations

import pytest

from localcloud.records import DeployError
from localcloud.resources.base import ResourceRequest
from localcloud.resources.registry import REGISTRY
from tests.e2e.conftest import Client
from trading_core.contracts import (
    CUSTOMER_SEED_RESOURCE_TYPE,
    SEED_CUSTOMERS_PROPERTY,
    SEED_INITIAL_FUNDS_PROPERTY,
    SEED_TABLE_PROPERTY,
)

SERVICE_STACK = "TradingSystem-dev-Service"
SEEDER = "trading-system-dev-customer-seeder"


def seed_request(client: Client, **properties: object) -> ResourceRequest[dict[str, object]]:
    """What the deployer hands the custom resource provider for a `Custom::CustomerSeed` of the templates."""
    deployment = client.cloud.deployer.deployment
    (arn,) = (arn for arn, record in deployment.functions.items() if record.name == SEEDER)
    return ResourceRequest(
        properties={
            "ServiceToken": arn,
            "ServiceTimeout": 300,
            SEED_TABLE_PROPERTY: client.outputs["TradingSystem-dev-Data"]["TradesTableName"],
            **properties,
        },
        logical_id="BrokenCustomers",
        type=CUSTOMER_SEED_RESOURCE_TYPE,
        stack=SERVICE_STACK,
        region="us-east-1",
        stack_id=f"arn:aws:cloudformation:us-east-1:123456789012:stack/{SERVICE_STACK}/e2e",
        deployment=deployment,
    )


def test_a_seeding_that_raises_answers_cloudformation_failed(client: Client) -> None:
    request = seed_request(client, **{SEED_CUSTOMERS_PROPERTY: ["seedfail1"], SEED_INITIAL_FUNDS_PROPERTY: "-1.00"})
    provider = REGISTRY.provider(CUSTOMER_SEED_RESOURCE_TYPE)
    assert provider is not None
    with pytest.raises(
        DeployError,
        match=rf"{SEEDER} answered FAILED: ValueError: {SEED_INITIAL_FUNDS_PROPERTY} must be a non-negative amount",
    ):
        provider.create(request)
    assert client.get("customers/seedfail1")[0] == 404


def test_the_seeded_resource_answers_success_as_at_the_start(client: Client) -> None:
    request = seed_request(client, **{SEED_CUSTOMERS_PROPERTY: ["000001"], SEED_INITIAL_FUNDS_PROPERTY: "5.00"})
    provider = REGISTRY.provider(CUSTOMER_SEED_RESOURCE_TYPE)
    assert provider is not None
    resource = provider.create(request)
    assert resource.attributes == {"Seeded": 0}  # 000001 exists: never reset
