"""Intrinsic functions, conditions and pseudo parameters as CloudFormation resolves them."""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.intrinsics import IntrinsicError, Resolver, references

RESOURCES = {
    "Table": ("trades-table", {"Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/trades-table"}),
    "Api": ("a1b2c3", {"RootResourceId": "root1"}),
}
OUTPUTS = {("Other", "TableName"): "other-table"}
EXPORTS = {"shared-bus": "bus-name"}


def resolver(**overrides: Any) -> Resolver:
    def ref(logical_id: str) -> Any:
        if logical_id not in RESOURCES:
            raise IntrinsicError(f"no {logical_id}")
        return RESOURCES[logical_id][0]

    def get_att(logical_id: str, attribute: str) -> Any:
        return RESOURCES[logical_id][1][attribute]

    settings: dict[str, Any] = {
        "stack_name": "Stack",
        "region": "us-east-1",
        "ref": ref,
        "get_att": get_att,
        "stack_output": lambda stack, output, region: OUTPUTS[(stack, output)],
        "import_value": lambda name: EXPORTS[name],
        "parameters": {"Stage": "dev", "Sizes": ["1", "2"]},
        "conditions": {
            "IsDev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]},
            "IsProd": {"Fn::Not": [{"Condition": "IsDev"}]},
            "DevAndUs": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}]},
            "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Contains": [["a", "b"], "b"]}]},
        },
        "mappings": {"Stages": {"dev": {"Memory": 512}}},
    }
    settings.update(overrides)
    return Resolver(**settings)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "AWS::AccountId"}, "123456789012"),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
        ({"Ref": "AWS::StackName"}, "Stack"),
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "Table"}, "trades-table"),
        ({"Fn::GetAtt": ["Table", "Arn"]}, "arn:aws:dynamodb:us-east-1:123456789012:table/trades-table"),
        ({"Fn::GetAtt": "Api.RootResourceId"}, "root1"),
        ({"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Table}"}, None),
        ({"Fn::Sub": "${Table.Arn}/index/*"}, "arn:aws:dynamodb:us-east-1:123456789012:table/trades-table/index/*"),
        ({"Fn::Sub": ["${Name}-${Stage}", {"Name": {"Ref": "Table"}}]}, "trades-table-dev"),
        ({"Fn::Sub": "${!Literal}-${Stage}"}, "${Literal}-dev"),
        ({"Fn::Join": ["", ["https://", {"Ref": "Api"}, ".execute-api.", {"Ref": "AWS::URLSuffix"}, "/"]]}, None),
        ({"Fn::Join": [",", {"Ref": "Sizes"}]}, "1,2"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::Select": ["0", ["x", "y"]]}, "x"),
        ({"Fn::If": ["IsDev", "small", "large"]}, "small"),
        ({"Fn::If": ["IsProd", "large", "small"]}, "small"),
        ({"Fn::If": ["DevAndUs", 1, 2]}, 1),
        ({"Fn::If": ["Either", "yes", "no"]}, "yes"),
        ({"Fn::FindInMap": ["Stages", {"Ref": "Stage"}, "Memory"]}, 512),
        ({"Fn::FindInMap": ["Stages", "prod", "Memory", {"DefaultValue": 128}]}, 128),
        ({"Fn::GetStackOutput": {"StackName": "Other", "Region": "us-east-1", "OutputName": "TableName"}}, None),
        ({"Fn::ImportValue": "shared-bus"}, "bus-name"),
        ({"Fn::ImportValue": {"Fn::Sub": "shared-${AWS::NoValue}bus"}}, None),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
        ({"Fn::ToJsonString": {"a": [{"Ref": "Stage"}]}}, '{"a":["dev"]}'),
        ({"Fn::Length": [1, 2, 3]}, 3),
    ],
)
def test_functions_resolve_as_cloudformation_resolves_them(value: Any, expected: Any) -> None:
    expected_by_case = {
        "Fn::Sub": "arn:aws:x:us-east-1:123456789012:trades-table",
        "Fn::Join": "https://a1b2c3.execute-api.amazonaws.com/",
        "Fn::GetStackOutput": "other-table",
    }
    if expected is None and next(iter(value)) == "Fn::ImportValue":
        with pytest.raises(IntrinsicError):
            resolver().resolve(value)
        return
    if expected is None:
        expected = expected_by_case[next(iter(value))]
    assert resolver().resolve(value) == expected


def test_no_value_removes_the_property_or_the_list_element() -> None:
    value = {
        "Keep": "x",
        "Drop": {"Fn::If": ["IsProd", "prod-only", {"Ref": "AWS::NoValue"}]},
        "List": ["a", {"Fn::If": ["IsDev", {"Ref": "AWS::NoValue"}, "b"]}, "c"],
    }
    assert resolver().resolve(value) == {"Keep": "x", "List": ["a", "c"]}


def test_nested_objects_and_literals_pass_through() -> None:
    value = {"A": [1, True, None, {"B": {"Ref": "Stage"}}], "Ref-like": {"Ref": "Stage", "Other": 1}}
    assert resolver().resolve(value) == {"A": [1, True, None, {"B": "dev"}], "Ref-like": {"Ref": "Stage", "Other": 1}}


@pytest.mark.parametrize(
    "value",
    [
        {"Fn::Cidr": ["10.0.0.0/16", 2, 8]},
        {"Ref": "Missing"},
        {"Ref": "AWS::Unknown"},
        {"Fn::If": ["Undeclared", 1, 2]},
        {"Fn::Select": [5, ["a"]]},
        {"Fn::Join": ["", "not-a-list"]},
        {"Fn::GetAtt": "NoDot"},
        {"Fn::FindInMap": ["Stages", "prod", "Memory"]},
    ],
)
def test_what_cannot_be_resolved_is_an_error_naming_it(value: Any) -> None:
    with pytest.raises(IntrinsicError):
        resolver().resolve(value)


def test_a_condition_that_refers_to_itself_is_an_error() -> None:
    loop = resolver(conditions={"A": {"Fn::Not": [{"Condition": "A"}]}})
    with pytest.raises(IntrinsicError, match="refers to itself"):
        loop.condition("A")


def test_references_lists_the_resources_a_value_depends_on() -> None:
    value = {
        "A": {"Ref": "Table"},
        "B": {"Fn::GetAtt": ["Api", "RootResourceId"]},
        "C": {"Fn::Sub": "${Queue.Arn}-${AWS::Region}-${!Skip}"},
        "D": {"Fn::Sub": ["${Local}-${Bucket}", {"Local": {"Ref": "Topic"}}]},
        "E": [{"Fn::If": ["IsDev", {"Ref": "Role"}, {"Ref": "AWS::NoValue"}]}],
    }
    found = references(value)
    assert found - {"AWS::Region", "AWS::NoValue"} == {"Table", "Api", "Queue", "Bucket", "Topic", "Role"}
