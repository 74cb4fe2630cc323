"""Least privilege on the data stores: what each function may do on each table, index and stream, and on its
parameters, is exactly what its code can ask for (docs/architecture.md §10), not CDK's broad `grant*` sets.

`DATA_GRANTS` is written out here, action by action, apart from the constructs' named sets: a grant that
widens (a `grant_read_write_data`, an action added to a set, an `index/*`) fails the comparison and must be
reviewed here. The rules after it hold for every role of both stages' templates.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.infrastructure.conftest import (
    Synthesized,
    Template,
    as_list,
    function_logical_id,
    props,
    resources,
    role_statements,
)
from tests.infrastructure.contracts import contract_function_parameters

TRADES = "TradesStore"
IDEMPOTENCY = "IdempotencyTable"
MARKET_DATA = "MarketData"
STREAM = "TradesStore/stream"
# The Data stack's logical ids, as the Service stack's references to its outputs name them.
DATA_RESOURCES = (
    ("DataLayerTradesStore", TRADES),
    ("DataLayerIdempotencyTable", IDEMPOTENCY),
    ("MarketDataStoreMarketDataTable", MARKET_DATA),
)
STREAM_ACTIONS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
INDEX_ACTIONS = {"dynamodb:Query", "dynamodb:Scan"}

GET, BATCH_GET, QUERY, SCAN = "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"
PUT, UPDATE, DELETE = "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
BATCH_WRITE = "dynamodb:BatchWriteItem"

# function → {resource → its DynamoDB actions}; a function that is not named has none.
DATA_GRANTS: dict[str, dict[str, set[str]]] = {
    "order_router": {
        TRADES: {PUT, UPDATE, BATCH_GET, GET, BATCH_WRITE},
        IDEMPOTENCY: {PUT, GET, UPDATE, DELETE},
        MARKET_DATA: {BATCH_GET, QUERY},
    },
    "order_canceller": {TRADES: {BATCH_GET, GET, PUT, UPDATE}},
    "order_book": {
        TRADES: {BATCH_GET, GET, PUT, UPDATE},
        f"{TRADES}/index/RestingOrders": {QUERY, SCAN},
        MARKET_DATA: {BATCH_GET, QUERY},
    },
    "post_trade": {TRADES: {BATCH_GET, GET, PUT}},
    "aggregator": {
        TRADES: {BATCH_GET, UPDATE, PUT},
        STREAM: {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
        "*": {"dynamodb:ListStreams"},
    },
    "trade_archiver": {
        STREAM: {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
        "*": {"dynamodb:ListStreams"},
    },
    "storage_analyzer": {TRADES: {BATCH_GET}},
    "funds_raiser": {TRADES: {PUT, UPDATE}},
    "data_api": {
        TRADES: {GET, QUERY, BATCH_GET},
        f"{TRADES}/index/CustomerOrderKeys": {QUERY},
        MARKET_DATA: {BATCH_GET, QUERY},
    },
    "customer_accounts": {TRADES: {PUT, UPDATE, GET, BATCH_GET}, f"{TRADES}/index/CustomerIds": {QUERY}},
    "customer_seeder": {TRADES: {PUT, UPDATE}},
    "quote_summary": {MARKET_DATA: {UPDATE}},
    "historical_data": {MARKET_DATA: {GET, BATCH_WRITE, UPDATE, QUERY}},
    "market_data_fetcher": {MARKET_DATA: {UPDATE, GET, BATCH_WRITE}},
    "market_data_api": {MARKET_DATA: {GET, QUERY, UPDATE, DELETE, BATCH_WRITE}},
}


def data_resource(resource: Any) -> str:
    """A statement's resource as `DATA_GRANTS` names it (a table, one of its indexes, its stream, `*`)."""
    if resource == "*":
        return "*"
    text = json.dumps(resource)
    for logical_id, name in DATA_RESOURCES:
        if logical_id in text:
            if re.search(rf"{logical_id}\w*StreamArn", text):
                return f"{name}/stream"
            index = re.search(r'"/index/([^"]*)"', text)
            return f"{name}/index/{index.group(1)}" if index else name
    return text


def dynamodb_grants(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    granted: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow", statement
        actions = {a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")}
        for resource in as_list(statement["Resource"]) if actions else []:
            granted.setdefault(data_resource(resource), set()).update(actions)
    return granted


def function_roles(template: Template) -> dict[str, str]:
    """Each function of ours (by its physical name) → its role's logical id."""
    return {
        props(f)["FunctionName"]: props(f)["Role"]["Fn::GetAtt"][0]
        for f in resources(template, "AWS::Lambda::Function").values()
        if "FunctionName" in props(f)
    }


def role_policy_statements(template: Template, role: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in props(policy)["Roles"]
        for statement in props(policy)["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("name", sorted(contract_function_parameters()))
def test_each_function_may_do_on_the_tables_exactly_what_its_code_asks(dev: Synthesized, name: str) -> None:
    statements = role_statements(dev.service, function_logical_id(dev.service, name))
    assert dynamodb_grants(statements) == DATA_GRANTS.get(name, {})


@pytest.fixture(params=["dev", "prod"])
def synthesized(request: pytest.FixtureRequest) -> Synthesized:
    stage: Synthesized = request.getfixturevalue(request.param)
    return stage


def test_only_a_function_with_a_stream_mapping_may_read_a_stream(synthesized: Synthesized) -> None:
    """Stream reads (`grant_read_data` carries GetRecords and GetShardIterator) only for a function a DynamoDB stream
    invokes, and only on that stream (ListStreams has no resource-level permission: `*`)."""
    template = synthesized.service
    mapped = {
        props(m)["FunctionName"]["Ref"]
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if "StreamArn" in json.dumps(props(m)["EventSourceArn"])
    }
    roles = {props(template["Resources"][f])["Role"]["Fn::GetAtt"][0]: f for f in mapped}
    readers = set()
    for name, role in function_roles(template).items():
        for statement in role_policy_statements(template, role):
            stream_actions = STREAM_ACTIONS & set(as_list(statement["Action"]))
            if not stream_actions:
                continue
            readers.add(role)
            assert role in roles, (name, statement)
            for resource in as_list(statement["Resource"]):
                expected = "*" if stream_actions == {"dynamodb:ListStreams"} else STREAM
                assert data_resource(resource) == expected, (name, statement)
    assert readers == set(roles) != set()


def test_an_index_is_granted_by_its_name_and_only_for_queries_and_scans(synthesized: Synthesized) -> None:
    template = synthesized.service
    for name, role in function_roles(template).items():
        for statement in role_policy_statements(template, role):
            for resource in as_list(statement["Resource"]):
                text = json.dumps(resource)
                assert "index/*" not in text, (name, statement)
                if "/index/" in text:
                    assert set(as_list(statement["Action"])) <= INDEX_ACTIONS, (name, statement)


def test_parameters_are_read_with_get_parameters_only(synthesized: Synthesized) -> None:
    """Powertools' `get_parameters_by_name` calls GetParameters alone (`trading_core/common/ssm.py`)."""
    template = synthesized.service
    readers = set()
    for name, role in function_roles(template).items():
        for statement in role_policy_statements(template, role):
            ssm = {a for a in as_list(statement["Action"]) if a.startswith("ssm:")}
            if ssm:
                readers.add(name)
                assert ssm == {"ssm:GetParameters"}, (name, statement)
    assert readers


def test_function_roles_have_no_other_policies(synthesized: Synthesized) -> None:
    """Every right of a function comes from its role's grants above: no managed or inline policy beside them."""
    template = synthesized.service
    for name, role in function_roles(template).items():
        role_props = props(template["Resources"][role])
        assert not role_props.get("ManagedPolicyArns"), name
        assert not role_props.get("Policies"), name
