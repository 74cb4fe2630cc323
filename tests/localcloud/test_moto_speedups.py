"""The patches that only make moto faster (12: update expressions, 13: serialization,
14: dispatch) answer as moto does."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.moto_patches import dynamodb_expressions
from localcloud.moto_patches.patching import original
from tests.localcloud.support import Cloud, create_table, local_cloud
from tests.localcloud.test_moto_contract import digest, moto_original

KEY = {"PK": {"S": "C"}, "SK": {"S": "ORDER"}}
FILL = "SET #status = :filled, Price = :price, Fills = list_append(if_not_exists(Fills, :none), :fill) REMOVE Resting"


@pytest.fixture(autouse=True)
def installed() -> None:
    """The patches, whether or not a local cloud ran in this process before (installing is idempotent)."""
    from localcloud.moto_patches import dispatch, serialization

    for patch in (dynamodb_expressions, serialization, dispatch):
        patch.install()


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def update_scenario(cloud: Cloud) -> list[Any]:
    """The same expressions again and again with other values, failing conditions and bad expressions."""
    ddb = cloud.client("dynamodb")
    answers: list[Any] = []
    for n in range(3):
        ddb.put_item(TableName="trades", Item={**KEY, "Status": {"S": "OPEN"}, "Resting": {"S": "AAPL"}})
        for price in (f"{n}.5", f"{n + 10}"):
            request = {
                "TableName": "trades",
                "Key": KEY,
                "UpdateExpression": FILL,
                "ConditionExpression": "#status IN (:open, :filled)",
                "ExpressionAttributeNames": {"#status": "Status"},
                "ExpressionAttributeValues": {
                    ":filled": {"S": "FILLED"},
                    ":open": {"S": "OPEN"},
                    ":price": {"N": price},
                    ":fill": {"L": [{"N": price}]},
                    ":none": {"L": []},
                },
                "ReturnValues": "ALL_NEW",
            }
            answers.append(ddb.update_item(**request)["Attributes"])
        answers.append(
            ddb.update_item(
                TableName="trades",
                Key=KEY,
                UpdateExpression="ADD Quantity :q SET Tally = if_not_exists(Tally, :zero) + :one",
                ExpressionAttributeValues={":q": {"N": str(n + 1)}, ":zero": {"N": "0"}, ":one": {"N": "1"}},
                ReturnValues="UPDATED_OLD",
            ).get("Attributes")
        )
        for bad in ("SET Price = :missing", "SET PK = :one", "SET A = :one, A = :one", "SET = :one"):
            with pytest.raises(ClientError) as error:
                ddb.update_item(
                    TableName="trades", Key=KEY, UpdateExpression=bad, ExpressionAttributeValues={":one": {"N": "1"}}
                )
            answers.append((bad, error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]))
        transaction = [
            {
                "Update": {
                    "TableName": "trades",
                    "Key": KEY,
                    "UpdateExpression": "SET Price = Price + :more",
                    "ExpressionAttributeValues": {":more": {"N": str(n)}},
                }
            }
        ]
        ddb.transact_write_items(TransactItems=transaction)
        answers.append(ddb.get_item(TableName="trades", Key=KEY)["Item"])
    return answers


def test_update_expressions_answer_as_moto_does(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    create_table(cloud)
    patched = update_scenario(cloud)
    cloud.client("dynamodb").delete_table(TableName="trades")
    create_table(cloud)
    monkeypatch.setattr(UpdateExpressionParser, "make", original(UpdateExpressionParser, "make"))
    monkeypatch.setattr(validators, "deepcopy", original(validators, "deepcopy"))
    for name in ("nodes_to_be_processed", "process"):
        monkeypatch.setattr(DepthFirstTraverser, name, original(DepthFirstTraverser, name))
    stock = update_scenario(cloud)

    assert patched == stock
    # the memoized expression was not rewritten by the first update: each answer has its own values
    assert [answer["Price"] for answer in patched[:2]] == [{"N": "0.5"}, {"N": "10"}]
    assert patched[1]["Fills"] == {"L": [{"N": "0.5"}, {"N": "10"}]}
    assert "Resting" not in patched[0]


def test_a_memoized_expression_is_shared_and_its_copies_are_new_objects() -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    first = UpdateExpressionParser.make("SET Memo = :a REMOVE Other")
    assert UpdateExpressionParser.make("SET Memo = :a REMOVE Other") is first
    copied = dynamodb_expressions.validator_copy(first)
    assert copied is not first and copied.children[0] is not first.children[0]
    assert type(copied) is type(first) and copied.children[0].parent is copied
    assert copied.children[0].children[0] is not first.children[0].children[0]
    plain = {"a": [1, 2]}
    assert (
        dynamodb_expressions.validator_copy(plain) == plain and dynamodb_expressions.validator_copy(plain) is not plain
    )


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    monkeypatch.setattr(dynamodb_expressions, "MEMOIZED_EXPRESSIONS", 3)
    for n in range(10):
        UpdateExpressionParser.make(f"SET Bounded{n} = :v")
    assert len(dynamodb_expressions._asts) <= 3
    assert len(dynamodb_expressions._pickled) == len(dynamodb_expressions._asts)


def test_moto_only_reads_or_copies_the_update_expression_ast() -> None:
    """What patch 12 relies on: the handler only searches the AST, the validator deep-copies it before it
    rewrites it, and each traverser's processing map is a constant table."""
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
    from moto.dynamodb.responses import DynamoHandler

    assert digest(validators.Validator.__init__) == "9489b532dd0fb359"
    assert "self.node_to_validate = deepcopy(expression)" in inspect.getsource(validators.Validator.__init__)
    assert digest(DynamoHandler.update_item) == "638893af1afd43d2"
    assert digest(moto_original(DynamoHandler, "transact_write_items")) == "61c163fff213f33a"
    traversers = [
        cls
        for cls in vars(validators).values()
        if isinstance(cls, type) and issubclass(cls, DepthFirstTraverser) and cls is not DepthFirstTraverser
    ]
    assert len(traversers) >= 10
    for cls in traversers:
        source = inspect.getsource(cls._processing_map)  # type: ignore[attr-defined]
        assert source.count("return {") == 1 and "if " not in source, f"{cls.__name__}: a processing map that varies"


def read_scenario(cloud: Cloud) -> list[Any]:
    """Responses with items of every attribute type, table descriptions, errors and pages."""
    ddb = cloud.client("dynamodb")
    item = {
        "S": {"S": "text"},
        "N": {"N": "1.50"},
        "B": {"B": b"\x00bytes"},
        "SS": {"SS": ["a", "b"]},
        "NS": {"NS": ["1", "2"]},
        "BS": {"BS": [b"x", b"y"]},
        "M": {"M": {"inner": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]}}},
    }
    for n in range(12):
        ddb.put_item(TableName="trades", Item={"PK": {"S": "C"}, "SK": {"S": f"T{n:02}"}, **item})
    keys = [{"PK": {"S": "C"}, "SK": {"S": f"T{n:02}"}} for n in range(0, 12, 3)]
    answers: list[Any] = [
        ddb.get_item(TableName="trades", Key=keys[0], ReturnConsumedCapacity="TOTAL"),
        ddb.batch_get_item(RequestItems={"trades": {"Keys": keys, "ProjectionExpression": "SK, M.inner"}}),
        ddb.query(
            TableName="trades",
            KeyConditionExpression="PK = :c",
            ExpressionAttributeValues={":c": {"S": "C"}},
            Limit=5,
            ReturnConsumedCapacity="INDEXES",
        ),
        ddb.scan(TableName="trades", FilterExpression="SK > :t", ExpressionAttributeValues={":t": {"S": "T05"}}),
        ddb.describe_table(TableName="trades")["Table"]["KeySchema"],
        ddb.list_tables(),
        ddb.update_item(
            TableName="trades",
            Key=keys[1],
            UpdateExpression="SET N = N + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        ),
    ]
    with pytest.raises(ClientError) as error:
        ddb.get_item(TableName="missing", Key=keys[0])
    answers.append(error.value.response["Error"])
    return [strip_metadata(answer) for answer in answers]


def strip_metadata(answer: Any) -> Any:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"} if isinstance(answer, dict) else answer


def test_responses_serialize_as_moto_does(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core.serialize import ResponseSerializer

    create_table(cloud)
    patched = read_scenario(cloud)
    cloud.client("dynamodb").delete_table(TableName="trades")
    create_table(cloud)
    monkeypatch.setattr(ResponseSerializer, "get_value", original(ResponseSerializer, "get_value"))
    stock = read_scenario(cloud)

    assert patched == stock
    assert patched[0]["Item"]["B"] == {"B": b"\x00bytes"} and patched[0]["Item"]["M"]["M"]["inner"]["L"][1] == {
        "NULL": True
    }
    assert len(patched[2]["Items"]) == 5 and "LastEvaluatedKey" in patched[2]
    assert patched[6]["Attributes"]["N"] == {"N": "2.50"}


def test_a_dict_members_keys_depend_only_on_the_providers_and_the_shapes() -> None:
    """What patch 13 relies on: the picker tries its providers' keys in order; each provider reads the
    object only for its `Meta` (a dict has none) and its class name, the rest from the shape and its parent."""
    import moto.core.serialize as serialize

    pinned: dict[Callable[..., Any], str] = {
        serialize.AttributePicker.__call__: "c15da8ec29c1afa4",
        serialize.AttributePicker.get_possible_keys: "cb284052c5ea7fe1",
        serialize.XFormedAttributePicker.get_possible_keys: "f0d20f55f37fd8a1",
        serialize.ExplicitAlias.has_alias: "1d7d27db6ed09fa4",
        serialize.ClassPrefixAlias.has_alias: "b2e0c50e1aa5ec92",
    }
    assert {function.__qualname__: digest(function) for function in pinned} == {
        function.__qualname__: expected for function, expected in pinned.items()
    }
    for provider in serialize.DEFAULT_ALIAS_PROVIDERS:
        if provider not in (serialize.ExplicitAlias, serialize.ClassPrefixAlias):
            source = inspect.getsource(provider.has_alias) + inspect.getsource(provider.get_alias)
            assert "context.obj" not in source, f"{provider.__name__} reads the object"
    assert not hasattr({}, "Meta")


def test_handler_methods_are_listed_as_moto_lists_them_and_again_when_they_change() -> None:
    from moto.core import responses
    from moto.dynamodb.responses import DynamoHandler

    from localcloud.moto_patches import dispatch

    stock = original(responses, "method_names_from_class")
    assert dispatch.method_names_from_class(DynamoHandler) == stock(DynamoHandler)
    assert "update_item" in dispatch.method_names_from_class(DynamoHandler)

    class Handler(DynamoHandler):
        pass

    assert dispatch.method_names_from_class(Handler) == stock(Handler)
    Handler.made_up_action = lambda self: None  # type: ignore[attr-defined]
    assert "made_up_action" in dispatch.method_names_from_class(Handler)
    del Handler.made_up_action  # type: ignore[attr-defined]
    assert "made_up_action" not in dispatch.method_names_from_class(Handler)
    dispatch.method_names_from_class(Handler).clear()  # a caller's list is its own
    assert dispatch.method_names_from_class(Handler) == stock(Handler)
    assert "method_names_from_class(self.__class__)" in inspect.getsource(responses.BaseResponse.call_action)
