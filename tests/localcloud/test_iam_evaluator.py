"""The policy evaluator: IAM's decision logic on compiled documents (no moto)."""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.iam.conditions import UnsupportedCondition
from localcloud.iam.evaluator import Decision, evaluate
from localcloud.iam.policy import PolicyError, compile_document

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/Trades"
OTHER_TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/Customers"


def decide(statements: list[dict[str, Any]], action: str, resource: str, **context: str) -> Decision:
    compiled = compile_document({"Version": "2012-10-17", "Statement": statements})
    return evaluate(compiled, action, resource, {key.lower(): value for key, value in context.items()})


def allow(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **fields}


def deny(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Deny", **fields}


def test_an_allow_must_match_the_action_and_the_resource() -> None:
    statements = [allow(Action="dynamodb:PutItem", Resource=TABLE)]

    assert decide(statements, "dynamodb:PutItem", TABLE) is Decision.ALLOW
    assert decide(statements, "dynamodb:UpdateItem", TABLE) is Decision.IMPLICIT_DENY
    assert decide(statements, "dynamodb:PutItem", OTHER_TABLE) is Decision.IMPLICIT_DENY
    assert decide([], "dynamodb:PutItem", TABLE) is Decision.IMPLICIT_DENY


def test_an_explicit_deny_wins_over_any_allow() -> None:
    statements = [
        allow(Action="dynamodb:*", Resource="*"),
        deny(Action="dynamodb:DeleteItem", Resource=TABLE),
        allow(Action="dynamodb:DeleteItem", Resource=TABLE),
    ]

    assert decide(statements, "dynamodb:DeleteItem", TABLE) is Decision.EXPLICIT_DENY
    assert decide(statements, "dynamodb:DeleteItem", OTHER_TABLE) is Decision.ALLOW


def test_actions_match_case_insensitively_with_wildcards() -> None:
    statements = [allow(Action=["s3:Get*", "dynamodb:?etItem"], Resource="*")]

    assert decide(statements, "s3:getobject", "arn:aws:s3:::b/k") is Decision.ALLOW
    assert decide(statements, "S3:GETBUCKETPOLICY", "arn:aws:s3:::b") is Decision.ALLOW
    assert decide(statements, "dynamodb:GetItem", TABLE) is Decision.ALLOW
    assert decide(statements, "dynamodb:BatchGetItem", TABLE) is Decision.IMPLICIT_DENY
    assert decide(statements, "s3:PutObject", "arn:aws:s3:::b/k") is Decision.IMPLICIT_DENY


def test_resources_match_case_sensitively_and_a_star_spans_slashes() -> None:
    statements = [allow(Action="s3:PutObject", Resource="arn:aws:s3:::trades/settled/*")]

    assert decide(statements, "s3:PutObject", "arn:aws:s3:::trades/settled/2026/12/02/a.json") is Decision.ALLOW
    assert decide(statements, "s3:PutObject", "arn:aws:s3:::trades/raw/a.json") is Decision.IMPLICIT_DENY
    assert decide(statements, "s3:PutObject", "arn:aws:s3:::Trades/settled/a.json") is Decision.IMPLICIT_DENY


def test_a_question_mark_is_one_character() -> None:
    statements = [allow(Action="ssm:GetParameter", Resource="arn:aws:ssm:us-east-1:1:parameter/a?c")]

    assert decide(statements, "ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/abc") is Decision.ALLOW
    assert decide(statements, "ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/ac") is Decision.IMPLICIT_DENY
    assert decide(statements, "ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/abbc") is Decision.IMPLICIT_DENY


def test_not_action_allows_every_other_action() -> None:
    statements = [allow(NotAction=["dynamodb:DeleteItem", "dynamodb:DeleteTable"], Resource="*")]

    assert decide(statements, "dynamodb:PutItem", TABLE) is Decision.ALLOW
    assert decide(statements, "dynamodb:DeleteItem", TABLE) is Decision.IMPLICIT_DENY


def test_not_action_in_a_deny_denies_every_other_action() -> None:
    statements = [allow(Action="*", Resource="*"), deny(NotAction="dynamodb:GetItem", Resource=TABLE)]

    assert decide(statements, "dynamodb:GetItem", TABLE) is Decision.ALLOW
    assert decide(statements, "dynamodb:PutItem", TABLE) is Decision.EXPLICIT_DENY
    assert decide(statements, "dynamodb:PutItem", OTHER_TABLE) is Decision.ALLOW


def test_not_resource_applies_to_every_other_resource() -> None:
    statements = [allow(Action="dynamodb:PutItem", NotResource=TABLE)]

    assert decide(statements, "dynamodb:PutItem", OTHER_TABLE) is Decision.ALLOW
    assert decide(statements, "dynamodb:PutItem", TABLE) is Decision.IMPLICIT_DENY


def test_conditions_the_templates_use() -> None:
    rule = "arn:aws:events:us-east-1:123456789012:rule/bus/orders"
    statements = [
        allow(
            Action="sqs:SendMessage",
            Resource="*",
            Condition={"ArnEquals": {"aws:SourceArn": rule}, "StringEquals": {"AWS:SourceAccount": "123456789012"}},
        ),
        deny(Action="sqs:*", Resource="*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
    ]
    queue = "arn:aws:sqs:us-east-1:123456789012:dlq"

    assert (
        decide(
            statements,
            "sqs:SendMessage",
            queue,
            **{"aws:SourceArn": rule, "aws:SourceAccount": "123456789012", "aws:SecureTransport": "true"},
        )
        is Decision.ALLOW
    )
    assert (
        decide(
            statements,
            "sqs:SendMessage",
            queue,
            **{"aws:SourceArn": rule + "-other", "aws:SourceAccount": "123456789012", "aws:SecureTransport": "true"},
        )
        is Decision.IMPLICIT_DENY
    )
    assert (
        decide(
            statements,
            "sqs:SendMessage",
            queue,
            **{"aws:SourceArn": rule, "aws:SourceAccount": "123456789012", "aws:SecureTransport": "false"},
        )
        is Decision.EXPLICIT_DENY
    )
    # a key the request does not have fails the condition
    assert decide(statements, "sqs:SendMessage", queue, **{"aws:SecureTransport": "true"}) is Decision.IMPLICIT_DENY


def test_arn_like_matches_each_part_on_its_own() -> None:
    statements = [
        allow(
            Action="lambda:InvokeFunction",
            Resource="*",
            Condition={"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:1:api/*/GET/orders/*"}},
        )
    ]

    def source(arn: str) -> Decision:
        return decide(
            statements, "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:1:function:f", **{"aws:SourceArn": arn}
        )

    assert source("arn:aws:execute-api:us-east-1:1:api/dev/GET/orders/42") is Decision.ALLOW
    assert source("arn:aws:execute-api:us-east-1:1:api/dev/POST/orders/42") is Decision.IMPLICIT_DENY
    assert source("arn:aws:execute-api:us-east-1:2:api/dev/GET/orders/42") is Decision.IMPLICIT_DENY
    assert source("not an arn") is Decision.IMPLICIT_DENY


def test_a_condition_operator_not_evaluated_is_refused_naming_it() -> None:
    with pytest.raises(UnsupportedCondition, match="StringNotLike"):
        compile_document({"Statement": [allow(Action="*", Resource="*", Condition={"StringNotLike": {"aws:x": "y"}})]})
    with pytest.raises(UnsupportedCondition, match="ArnLikeIfExists"):
        compile_document(
            {"Statement": [allow(Action="*", Resource="*", Condition={"ArnLikeIfExists": {"aws:x": "y"}})]}
        )


def test_malformed_statements_are_refused() -> None:
    with pytest.raises(PolicyError, match="Effect"):
        compile_document({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]})
    with pytest.raises(PolicyError, match="Action"):
        compile_document({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]})
    with pytest.raises(PolicyError, match="not JSON"):
        compile_document("{")


def test_resource_policies_match_the_principal() -> None:
    statements = compile_document(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction"}
            ]
        },
        resource_policy=True,
    )
    function = "arn:aws:lambda:us-east-1:1:function:f"

    assert (
        evaluate(statements, "lambda:InvokeFunction", function, {}, ("Service", "events.amazonaws.com"))
        is Decision.ALLOW
    )
    assert (
        evaluate(statements, "lambda:InvokeFunction", function, {}, ("Service", "sns.amazonaws.com"))
        is Decision.IMPLICIT_DENY
    )
    assert evaluate(statements, "lambda:InvokeFunction", function, {}, None) is Decision.IMPLICIT_DENY


def test_a_role_principal_covers_its_sessions_and_an_account_its_principals() -> None:
    statements = compile_document(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:role/r"}, "Action": "sqs:SendMessage"},
                {"Effect": "Allow", "Principal": {"AWS": "2"}, "Action": "sqs:ReceiveMessage"},
            ]
        },
        resource_policy=True,
    )
    queue = "arn:aws:sqs:us-east-1:1:q"
    session = ("AWS", "arn:aws:sts::1:assumed-role/r/fn")

    assert evaluate(statements, "sqs:SendMessage", queue, {}, session) is Decision.ALLOW
    assert (
        evaluate(statements, "sqs:SendMessage", queue, {}, ("AWS", "arn:aws:sts::1:assumed-role/other/fn"))
        is Decision.IMPLICIT_DENY
    )
    assert (
        evaluate(statements, "sqs:ReceiveMessage", queue, {}, ("AWS", "arn:aws:sts::2:assumed-role/x/y"))
        is Decision.ALLOW
    )
