"""The prod templates (issue 16): stateful resources are RETAIN_ON_UPDATE_OR_DELETE, and every resource with a
fixed physical name is of a kind whose reason is written down (`constructs_lib/common/names.py`)."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.common.names import FIXED_NAMES, STATEFUL_TYPES
from tests.infrastructure.conftest import Synthesized, Template

# `*Name` properties that are not the resource's physical name: an inline policy's name within its role, a
# method's operation id, a stage's name within its API, the metric an alarm watches, a topic's label in its
# mails; a custom resource's
# properties are its function's input (CDK's bucket notifications name the bucket they configure).
NOT_PHYSICAL_NAMES = {
    ("AWS::IAM::Policy", "PolicyName"),
    ("AWS::ApiGateway::Method", "OperationName"),
    ("AWS::ApiGateway::Stage", "StageName"),
    ("AWS::CloudWatch::Alarm", "MetricName"),
    ("AWS::SNS::Topic", "DisplayName"),
}


def is_reference(value: Any) -> bool:
    """A name taken from another resource (`Ref`, `Fn::GetAtt`, another stack's output), not given here."""
    return isinstance(value, dict) and bool({"Ref", "Fn::GetAtt", "Fn::GetStackOutput", "Fn::ImportValue"} & set(value))


def explicit_names(templates: dict[str, Template]) -> list[tuple[str, str, str, str]]:
    """(stack, logical id, type, property) of every resource whose physical name the templates give."""
    named = []
    for stack, template in templates.items():
        for logical_id, resource in template["Resources"].items():
            type_ = resource["Type"]
            for key, value in resource.get("Properties", {}).items():
                if (
                    key.endswith("Name")
                    and not type_.startswith("Custom::")
                    and (type_, key) not in NOT_PHYSICAL_NAMES
                    and not is_reference(value)
                ):
                    named.append((stack, logical_id, type_, key))
    return named


def test_every_fixed_name_in_prod_has_its_reason(prod: Synthesized) -> None:
    named = explicit_names(prod.templates)
    assert named, "the prod templates name resources"
    unexplained = [
        f"{stack}/{logical_id}: {type_}.{key}"
        for stack, logical_id, type_, key in named
        if FIXED_NAMES.get(type_, ("",))[0] != key
    ]
    assert not unexplained, "fixed names without a reason in constructs_lib/common/names.py:\n" + "\n".join(unexplained)
    assert all(len(reason) > 40 for _, reason in FIXED_NAMES.values())


def test_no_listed_kind_is_stale(prod: Synthesized, dev: Synthesized) -> None:
    """Every kind listed still has a named resource in one of the stages (a removed one is removed there too)."""
    used = {type_ for _, _, type_, _ in explicit_names({**prod.templates, **dev.templates})}
    assert set(FIXED_NAMES) <= used, sorted(set(FIXED_NAMES) - used)


@pytest.mark.parametrize("type_", sorted(STATEFUL_TYPES))
def test_prod_retains_stateful_resources_except_on_a_failed_creation(prod: Synthesized, type_: str) -> None:
    stateful = [r for t in prod.templates.values() for r in t["Resources"].values() if r["Type"] == type_]
    assert stateful, type_
    assert {(r.get("DeletionPolicy"), r.get("UpdateReplacePolicy")) for r in stateful} == {
        ("RetainExceptOnCreate", "Retain")
    }


def test_nothing_in_prod_is_retained_after_a_failed_first_creation(prod: Synthesized) -> None:
    """No plain `Retain`: each retained resource goes when the stack's first creation rolls back."""
    retained = [
        f"{stack}/{logical_id}"
        for stack, template in prod.templates.items()
        for logical_id, resource in template["Resources"].items()
        if resource.get("DeletionPolicy") == "Retain"
    ]
    assert not retained


def test_dev_deletes_its_stateful_resources(dev: Synthesized) -> None:
    stateful = [r for t in dev.templates.values() for r in t["Resources"].values() if r["Type"] in STATEFUL_TYPES]
    assert {r.get("DeletionPolicy") for r in stateful} == {"Delete"}
