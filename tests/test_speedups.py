"""tests/speedups.py changes how fast the emulated AWS is, never what it answers."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import hooks
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from localcloud.moto_patches import dispatch, dynamodb_expressions, dynamodb_transactions, serialization


def test_every_botocore_session_shares_one_loader() -> None:
    first, second = botocore.session.Session(), botocore.session.Session()
    assert first.get_component("data_loader") is second.get_component("data_loader")


def test_every_test_has_the_local_clouds_transaction_patch() -> None:
    assert DynamoDBBackend.transact_write_items is dynamodb_transactions.transact_write_items


def test_every_test_has_the_local_clouds_speed_patches() -> None:
    from moto.core import responses
    from moto.core.serialize import ResponseSerializer
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    assert UpdateExpressionParser.make.__func__ is dynamodb_expressions.make
    assert ResponseSerializer.get_value is serialization.get_value
    assert responses.method_names_from_class is dispatch.method_names_from_class


def _clients(service: str) -> tuple[Any, Any]:
    return (
        boto3.session.Session(region_name="us-east-1").client(service),
        boto3.session.Session(region_name="us-east-1").client(service),
    )


def test_clients_of_two_sessions_share_what_is_pure_and_nothing_else() -> None:
    first, second = _clients("dynamodb")
    assert first.meta.service_model is second.meta.service_model
    assert first._ruleset_resolver._provider is second._ruleset_resolver._provider
    assert first.meta.events._alias_name_cache is second.meta.events._alias_name_cache
    assert type(first) is not type(second) and vars(type(first)) is not vars(type(second))
    assert first.meta.events is not second.meta.events
    assert first.meta.events._emitter._handlers is not second.meta.events._emitter._handlers
    assert first.meta.endpoint_url == second.meta.endpoint_url == "https://dynamodb.us-east-1.amazonaws.com"
    assert "Returns an array of table names" in str(type(first).list_tables.__doc__)


def test_a_handler_registered_on_one_client_sees_only_its_calls() -> None:
    seen: list[str] = []

    def before_call(model: Any, **_: Any) -> None:
        seen.append(model.name)

    with mock_aws():
        first, second = _clients("dynamodb")
        first.meta.events.register("before-call.dynamodb.ListTables", before_call)
        second.list_tables()
        assert seen == []
        first.list_tables()
        assert seen == ["ListTables"]


def test_the_s3_client_keeps_its_own_endpoint_rules() -> None:
    with mock_aws():
        s3, _ = _clients("s3")
        s3.create_bucket(Bucket="speedups")
        assert s3.list_buckets()["Buckets"][0]["Name"] == "speedups"
        assert s3.generate_presigned_url("get_object", Params={"Bucket": "speedups", "Key": "k"}).startswith(
            "https://speedups.s3.amazonaws.com/k?"
        )


def test_a_handler_without_keyword_arguments_is_still_refused() -> None:
    emitter = hooks.HierarchicalEmitter()

    def no_kwargs(request: Any) -> None: ...

    with pytest.raises(ValueError, match="must accept keyword arguments"):
        emitter.register("before-call", no_kwargs)
    emitter.register("before-call", lambda **_: "answer")
    assert [answer for _, answer in emitter.emit("before-call.s3")] == ["answer"]


def test_a_copied_emitter_has_the_same_handlers_and_its_own_lists() -> None:
    def one(**_: Any) -> None: ...

    def two(**_: Any) -> None: ...

    def three(**_: Any) -> None: ...

    emitter = hooks.HierarchicalEmitter()
    emitter.register("a.b", one, unique_id="one")
    emitter.register_first("a", two)
    copied = copy.copy(emitter)
    assert copied._handlers.__dict__ == emitter._handlers.__dict__
    copied.register_last("a.b", three)
    assert list(emitter._handlers.prefix_search("a.b")) == [one, two]
    assert list(copied._handlers.prefix_search("a.b")) == [one, three, two]


def test_moto_converts_names_as_before_once_per_name() -> None:
    from moto.core import responses, utils
    from moto.sqs import models

    assert models.camelcase_to_underscores is utils.camelcase_to_underscores is responses.camelcase_to_underscores
    original = utils.camelcase_to_underscores.__wrapped__  # type: ignore[attr-defined]
    for name in ("QueueArn", "ApproximateNumberOfMessages", "theNewAttribute", "ListTables", "", "A", "SSEType"):
        assert utils.camelcase_to_underscores(name) == original(name)
