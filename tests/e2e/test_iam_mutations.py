"""A sample of the IAM mutation suite (`make iam-mutations` runs all of it): a grant or a Lambda permission the
constructs create, removed through the AWS endpoint, makes a named end-to-end scenario fail with a refusal that
names it; then it is put back. One on the order path (the router's funds reservation), one of settlement (the
trade archiver's settled batch in S3), an EventBridge rule's permission to invoke a pool, and the
market-data state machine's role invoking its Lambda tasks. Each fails if the grant turns out not to be needed.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import STAGE, Client
from tests.iam_mutations.grants import Grants, read
from tests.iam_mutations.mutations import Mutation, try_mutation
from tests.iam_mutations.runner import find_action, find_permission
from tests.iam_mutations.scenarios import SCENARIOS

TRADES = f"table/trading-system-{STAGE}-trades"


@pytest.fixture(scope="module")
def grants(client: Client) -> Grants:
    return read(client.aws)


def caught(client: Client, grants: Grants, mutation: Mutation, scenario: str) -> str:
    """What the scenario saw refused, once it failed without the grant."""
    outcome = try_mutation(client, mutation, [SCENARIOS[scenario]], grants)
    assert outcome.caught, f"{mutation.label}: {outcome.seen}"
    assert outcome.error, "a caught mutation failed the scenario"
    return outcome.seen


def test_the_router_without_dynamodb_update_item_on_the_trades_table_cannot_reserve_funds(
    client: Client, grants: Grants
) -> None:
    mutation = find_action(grants, "order-router", "dynamodb:UpdateItem", TRADES)
    seen = caught(client, grants, mutation, "order-flow-eventbridge")
    assert "may not dynamodb:UpdateItem on resource: dynamodb:table/trades" in seen, seen


def test_the_trade_archiver_without_s3_put_object_cannot_archive_a_batch(client: Client, grants: Grants) -> None:
    mutation = find_action(grants, "trade-archiver", "s3:PutObject", "settled/*")
    seen = caught(client, grants, mutation, "order-flow-eventbridge")
    assert "may not s3:PutObject on resource: s3:trades-123456789012-us-east-1/settled/" in seen, seen


def test_the_lit_pool_rule_without_its_lambda_permission_delivers_nothing(client: Client, grants: Grants) -> None:
    mutation = find_permission(grants, "lit-pool", "events.amazonaws.com", "-LitPoolOrders")
    seen = caught(client, grants, mutation, "order-flow-eventbridge")
    assert "may not invoke lambda:function:lit-pool" in seen and "perform lambda:InvokeFunction" in seen, seen


def test_workflow_b_without_lambda_invoke_function_on_its_role_fails_its_first_task(
    client: Client, grants: Grants
) -> None:
    mutation = find_action(grants, "state machine trading-system-dev-market-data-ticker-map", "lambda:InvokeFunction")
    seen = caught(client, grants, mutation, "market-data-update")
    assert "may not lambda:InvokeFunction on resource: lambda:function:market-data-fetcher" in seen, seen
