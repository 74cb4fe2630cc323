"""The moto internals `localcloud.moto_patches` replaces or relies on, pinned to moto 5.2.5.

When moto is upgraded these fail loudly: re-read each changed function in moto's source, port the patch
(localcloud/moto_patches/), then update the pins here. A digest is the first 16 hex digits of the
SHA-256 of `inspect.getsource` of moto's original function.
"""

from __future__ import annotations

import _thread
import hashlib
import inspect
import json
from collections.abc import Callable, Iterator
from typing import Any

import moto
import pytest
from moto import mock_aws

from localcloud import moto_patches
from localcloud.delivery.streams import Delivery
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.moto_patches.patching import active_runtime, original

ACCOUNT, REGION = "123456789012", "us-east-1"


def params(function: Callable[..., Any]) -> str:
    """Parameter names, kinds and defaults (annotations left out)."""
    parts = []
    for parameter in inspect.signature(function).parameters.values():
        text = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(parameter.kind.name, "") + parameter.name
        if parameter.default is not inspect.Parameter.empty:
            text += f"={parameter.default!r}"
        parts.append(text)
    return ", ".join(parts)


def digest(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def moto_original(owner: Any, name: str) -> Any:
    """moto's own function, whether or not the patches are installed in this process."""
    try:
        return original(owner, name)
    except KeyError:
        return getattr(owner, name)


def replaced() -> dict[str, tuple[Any, str, str, str]]:
    import moto.s3.notifications as s3_notifications
    from moto.awslambda.models import LambdaFunction
    from moto.core import responses
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.core.common_models import BaseModel
    from moto.core.serialize import ResponseSerializer
    from moto.core.utils import convert_to_flask_response
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
    from moto.dynamodb.responses import DynamoHandler
    from moto.events.models import Rule
    from moto.events.responses import EventsHandler
    from moto.sns.models import Subscription
    from moto.sns.responses import SNSResponse
    from moto.ssm.models import SimpleSystemManagerBackend
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    return {
        "1 LambdaFunction._invoke_lambda": (LambdaFunction, "_invoke_lambda", "self, event=None", "23ce7a8f956e8090"),
        "2 LambdaFunction.invoke": (
            LambdaFunction,
            "invoke",
            "self, body, request_headers, response_headers",
            "dadc324f30aed38b",
        ),
        "3 Rule.send_to_targets": (
            Rule,
            "send_to_targets",
            "self, original_event, transform_input=True",
            "472e002e2dab8a59",
        ),
        "4 Subscription.publish": (
            Subscription,
            "publish",
            "self, message, message_id, subject=None, message_attributes=None, group_id=None, "
            "deduplication_id=None, message_structure=None",
            "fd07bd0bb87fbe2a",
        ),
        "5 StreamShard.add": (StreamShard, "add", "self, old, new", "357dc6da267e5dd7"),
        "6 DynamoDBBackend.update_item": (
            DynamoDBBackend,
            "update_item",
            "self, table_name, key, update_expression, expression_attribute_names, expression_attribute_values, "
            "attribute_updates=None, expected=None, condition_expression=None, "
            "return_values_on_condition_check_failure=None",
            "218984588dd689a5",
        ),
        "7 DynamoDBBackend.transact_write_items": (
            DynamoDBBackend,
            "transact_write_items",
            "self, transact_items",
            "81db2cb7d94e39c9",
        ),
        "8 BotocoreStubber.process_request": (BotocoreStubber, "process_request", "self, request", "f79a1a778c7e755f"),
        "8 convert_to_flask_response.__call__": (
            convert_to_flask_response,
            "__call__",
            "self, args=None, **kwargs",
            "2c82766d05909ebb",
        ),
        "9 s3.notifications._invoke_awslambda": (
            s3_notifications,
            "_invoke_awslambda",
            "account_id, event_body, fn_arn, region_name",
            "3e321d949008d14e",
        ),
        "10 StepFunctionsParserBackend.start_execution": (
            StepFunctionsParserBackend,
            "start_execution",
            "self, state_machine_arn, name=None, execution_input=None, trace_header=None",
            "0f8d9dd57baf0c28",
        ),
        "11 SimpleSystemManagerBackend.put_parameter": (
            SimpleSystemManagerBackend,
            "put_parameter",
            "self, name, description, value, parameter_type, allowed_pattern, keyid, overwrite, tags, data_type, "
            "tier, policies",
            "b5187c4ae98f9b36",
        ),
        "12 UpdateExpressionParser.make": (UpdateExpressionParser, "make", "expression_str", "2c00ed96d6e191f2"),
        "12 validators.deepcopy": (validators, "deepcopy", "x, memo=None, _nil=[]", "1aa3f74c774282a7"),
        "12 DepthFirstTraverser.nodes_to_be_processed": (
            DepthFirstTraverser,
            "nodes_to_be_processed",
            "self",
            "1c2c84c8097e3517",
        ),
        "12 DepthFirstTraverser.process": (DepthFirstTraverser, "process", "self, node", "58328ec7c2f9b1f9"),
        "13 ResponseSerializer.get_value": (
            ResponseSerializer,
            "get_value",
            "self, value, key, shape",
            "5ac16904b91c2935",
        ),
        "14 responses.method_names_from_class": (
            responses,
            "method_names_from_class",
            "clazz",
            "9dbac89d082b655f",
        ),
        "15 DynamoHandler.batch_write_item": (DynamoHandler, "batch_write_item", "self", "26221a09e2b2b1fd"),
        "15 DynamoHandler.transact_write_items": (DynamoHandler, "transact_write_items", "self", "61c163fff213f33a"),
        "15 EventsHandler.put_events": (EventsHandler, "put_events", "self", "df08b985300c967c"),
        "15 SNSResponse.publish_batch": (SNSResponse, "publish_batch", "self", "f061a941e6031bdc"),
        "16 BotocoreStubber.__call__": (
            BotocoreStubber,
            "__call__",
            "self, event_name, request, **kwargs",
            "6cbb7bf98afec5c8",
        ),
        "17 BaseModel.__new__": (BaseModel, "__new__", "cls, *args, **kwargs", "08cf0ef20e88029a"),
        "18 StreamShard.get": (StreamShard, "get", "self, start, quantity", "fa7e9a0d7b438c2f"),
        "19 StepFunctionsParserBackend.describe_execution": (
            StepFunctionsParserBackend,
            "describe_execution",
            "self, execution_arn",
            "74309ac20095b102",
        ),
        "19 StepFunctionsParserBackend.get_execution_history": (
            StepFunctionsParserBackend,
            "get_execution_history",
            "self, execution_arn",
            "f6aa0f44a3221221",
        ),
    }


@pytest.fixture
def stock_moto() -> Iterator[None]:
    """moto with no local runtime active: the routing patches fall back to moto's code."""
    assert active_runtime() is None
    with mock_aws():
        yield


def test_moto_is_the_pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    assert moto.__version__ == moto_patches.EXPECTED_MOTO_VERSION == "5.2.5"
    monkeypatch.setattr(moto, "__version__", "5.3.0")
    runtime = LambdaRuntime(workers=1)
    with pytest.raises(RuntimeError, match=r"pinned to moto 5\.2\.5, but moto 5\.3\.0 is installed"):
        moto_patches.apply(runtime, Delivery(runtime))


@pytest.mark.parametrize("name", sorted(replaced()))
def test_each_replaced_internal_is_unchanged(name: str) -> None:
    owner, attribute, expected_params, expected_digest = replaced()[name]
    function = moto_original(owner, attribute)
    assert params(function) == expected_params, f"{name}: moto changed its parameters"
    assert digest(function) == expected_digest, f"{name}: moto changed its code; port localcloud/moto_patches/"


def test_apply_installs_every_patch_once() -> None:
    runtime = LambdaRuntime(workers=1)
    delivery = Delivery(runtime)
    try:
        moto_patches.apply(runtime, delivery)
        moto_patches.apply(runtime, delivery)
        for owner, attribute, _, _ in replaced().values():
            assert getattr(owner, attribute) is not original(owner, attribute)
            assert getattr(getattr(owner, attribute), "__module__", "").startswith("localcloud.moto_patches.")
    finally:
        runtime.close()
    assert active_runtime() is None


# ----------------------------------------------------------------------------- what the patches rely on


def test_every_lambda_trigger_goes_through_invoke_lambda() -> None:
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    assert "self._invoke_lambda(event=body)" in inspect.getsource(moto_original(LambdaFunction, "invoke"))
    for method in ("_send_sqs_message", "send_sns_message", "send_dynamodb_items", "invoke"):
        assert ".invoke(" in inspect.getsource(getattr(LambdaBackend, method)), method
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    assert "lambda_client.invoke(" in inspect.getsource(lambda_eval_utils)


def test_stock_eventbridge_cannot_deliver_to_lambda_nor_honour_input_path(stock_moto: None) -> None:
    import boto3
    from moto.events.models import Rule, events_backends

    events, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["s"]}))
    events.put_targets(
        Rule="r", Targets=[{"Id": "1", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", "InputPath": "$.detail"}]
    )
    events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": '{"a": 1}'}])
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"])["detail"] == {"a": 1}  # the whole event: InputPath ignored
    rule = events_backends[ACCOUNT][REGION].describe_rule("r", None)
    rule.targets = [{"Id": "1", "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"}]
    event = {"id": "1", "time": 0, "version": "0", "detail-type": "d", "source": "s", "account": ACCOUNT}
    event |= {"region": REGION, "resources": [], "detail": {}, "ingestion-time": 0}
    with pytest.raises(NotImplementedError):
        moto_original(Rule, "send_to_targets")(rule, event)
    assert {"state", "targets", "event_pattern", "name", "account_id", "region_name"} <= set(vars(rule))
    assert rule.arn.endswith(":rule/r")


def test_scheduled_rules_as_the_scheduler_reads_them(stock_moto: None) -> None:
    """`localcloud.delivery.schedules` finds a rule by `describe_rule(name, None)` (the default bus) and
    tells a schedule-only rule by `scheduled_expression` and an empty `event_pattern.get_pattern()`."""
    import boto3
    from moto.events.models import events_backends

    events = boto3.client("events", region_name=REGION)
    events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")
    events.put_rule(Name="both", ScheduleExpression="rate(1 minute)", EventPattern=json.dumps({"source": ["s"]}))
    backend = events_backends[ACCOUNT][REGION]
    tick, both = backend.describe_rule("tick", None), backend.describe_rule("both", None)
    assert (tick.scheduled_expression, tick.event_pattern.get_pattern()) == ("rate(1 minute)", {})
    assert both.event_pattern.get_pattern() == {"source": ["s"]}
    # why the patch must exclude it: moto's empty pattern matches any event
    assert tick.event_pattern.matches_event({"source": "anything", "detail-type": "t", "detail": {}})


def test_eventbridge_event_messages_are_built_as_the_patch_expects() -> None:
    from moto.events.models import EventsBackend

    source = inspect.getsource(EventsBackend.put_events)
    assert 'event_msg["time"] = event.get("Time", unix_time())' in source
    assert 'event_msg["ingestion-time"] = unix_time()' in source
    assert "rule.send_to_targets(event_msg)" in source


def test_sns_publish_hands_transformed_attributes_to_the_subscriptions() -> None:
    from moto.sns.models import SNSBackend, Subscription, Topic
    from moto.sns.responses import SNSResponse

    assert '"Type": data_type' in inspect.getsource(SNSResponse._transform_message_attributes)
    assert "self._transform_message_attributes(" in inspect.getsource(moto_original(SNSResponse, "publish_batch"))
    assert "subscription.publish(" in inspect.getsource(Topic.publish)
    assert "self.publish(" in inspect.getsource(SNSBackend.publish_batch)
    publish = inspect.getsource(moto_original(Subscription, "publish"))
    assert "self._filter_policy_matcher.matches(message_attributes, message)" in publish
    assert "self._parse_message_structure(message, self.protocol)" in publish
    assert params(Subscription._parse_message_structure) == "self, message, protocol"


def test_stream_records_and_shards_as_the_patch_builds_them(stock_moto: None) -> None:
    import boto3
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import StreamRecord

    assert params(StreamRecord.__init__) == "self, table, stream_type, event_name, old, new, seq"
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    ddb.update_item(
        TableName="t",
        Key={"PK": {"S": "k"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "1"}},
    )
    table = dynamodb_backends[ACCOUNT][REGION].tables["t"]
    shard = table.stream_shard
    assert shard is not None  # the table was created with a stream
    # stock moto: two INSERT records for an update that creates its item (patch 6 keeps the last one)
    records = [item.to_json() for item in shard.items]
    assert [r["eventName"] for r in records] == ["INSERT", "INSERT"]
    assert records[0]["dynamodb"].get("NewImage") == {"PK": {"S": "k"}}
    assert records[1]["dynamodb"]["NewImage"] == {"PK": {"S": "k"}, "v": {"N": "1"}}
    assert records[0]["awsRegion"] == "us-east-1"  # hard-coded by moto (patch 5 sets the table's region)
    assert int(records[1]["dynamodb"]["SequenceNumber"]) == shard.starting_sequence_number + 1
    assert shard.items[0].record is records[0]
    assert table.latest_stream_label and ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"].endswith(
        f"/stream/{table.latest_stream_label}"
    )
    assert type(records[0]["dynamodb"]["ApproximateCreationDateTime"]).__name__ == "datetime"
    assert shard.id.startswith("shardId-")


def test_dynamodb_backend_parts_the_transaction_patch_calls() -> None:
    from moto.dynamodb.models import DynamoDBBackend, Table

    assert params(DynamoDBBackend.get_keys_value) == "self, table, keys"
    assert params(DynamoDBBackend.get_item) == "self, table_name, keys, projection_expressions=None"
    assert "self.items[hash_value][range_value] = item" in inspect.getsource(Table.put_item)
    assert "self.items.pop(hash_key)" in inspect.getsource(Table.delete_item)
    assert "self.tables[table_name] = original_table_state[table_name]" in inspect.getsource(
        moto_original(DynamoDBBackend, "transact_write_items")
    )


def test_s3_notifications_call_the_module_level_lambda_hook() -> None:
    import moto.s3.notifications as s3_notifications

    source = inspect.getsource(s3_notifications.send_event)
    assert "_invoke_awslambda(account_id, event_body, notification.arn, region_name)" in source
    assert "key_name = quote_plus(key.name)" in inspect.getsource(s3_notifications._get_s3_event)


def test_destinations_and_targets_use_these_backend_calls() -> None:
    from moto.sns.models import SNSBackend
    from moto.sqs.models import SQSBackend
    from moto.stepfunctions.models import StepFunctionBackend
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import get_backend

    assert params(SQSBackend.send_message).startswith("self, queue_name, message_body, message_attributes=None")
    assert "group_id=None" in params(SQSBackend.send_message)
    assert params(SNSBackend.publish).startswith("self, message, arn")
    assert params(get_backend) == "account, region"
    assert params(StepFunctionBackend.start_execution) == "self, state_machine_arn, name, execution_input"
    assert params(StepFunctionsParserBackend.start_execution).startswith(
        "self, state_machine_arn, name=None, execution_input=None"
    )


def test_queue_policies_as_the_dead_letter_check_reads_them(stock_moto: None) -> None:
    """`localcloud.iam.queue_policies` finds a queue in `SQSBackend.queues` by name and reads its `policy`: the
    JSON text SetQueueAttributes stored, None for a queue without statements."""
    import boto3
    from moto.sqs.models import sqs_backends

    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    queue = sqs_backends[ACCOUNT][REGION].queues["dlq"]
    assert queue.policy is None
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(document)})
    assert json.loads(str(queue.policy)) == document
    assert queue.queue_arn == f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert queue.policy is None


def test_ssm_put_parameter_as_the_pattern_check_reads_it() -> None:
    """Patch 11 finds the current version as moto does (`_parameters[name][-1]`, its `allowed_pattern`),
    gets every argument positionally or by the names moto's response passes, and raises moto's SSMException
    (code, message), which moto answers as a 400 with that code."""
    from moto.core.exceptions import ServiceException
    from moto.ssm.exceptions import SSMException
    from moto.ssm.models import Parameter, ParameterDict, SimpleSystemManagerBackend
    from moto.ssm.responses import SimpleSystemManagerResponse

    put = inspect.getsource(moto_original(SimpleSystemManagerBackend, "put_parameter"))
    assert "previous_parameter_versions = self._parameters[name]" in put
    assert "previous_parameter = previous_parameter_versions[-1]" in put
    assert "if not overwrite:\n                raise ParameterAlreadyExists" in put
    assert "else previous_parameter.allowed_pattern" in put
    assert "self._parameters[name].append(new_param)" in put
    assert "allowed_pattern" in params(Parameter.__init__)
    assert "self.ssm_backend.put_parameter(" in inspect.getsource(SimpleSystemManagerResponse.put_parameter)
    assert "tier=tier,\n            policies=policies," in inspect.getsource(SimpleSystemManagerResponse.put_parameter)
    assert "normalize_name" in inspect.getsource(ParameterDict.__contains__)
    assert SSMException.__mro__[1] is ServiceException
    raised = ServiceException("SomeCode", "some message")  # two arguments: the code and the message
    assert (raised.code, raised.message) == ("SomeCode", "some message")


def test_the_lambda_invoke_response_and_exceptions() -> None:
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.responses import LambdaResponse

    assert params(LambdaClientError.__init__) == "self, error, message"
    assert 'if self.headers.get("X-Amz-Invocation-Type") == "Event":' in inspect.getsource(LambdaResponse.invoke)
    assert "function_arn" in inspect.getsource(LambdaFunction.__init__)


def test_python_lock_internals_of_suspendable_lock() -> None:
    lock = _thread.RLock()
    for name in ("_is_owned", "_release_save", "_acquire_restore"):
        assert callable(getattr(lock, name))


def read_by_the_step_functions_probe() -> dict[str, tuple[Any, str]]:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, CallbackPoolManager
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    return {
        "CallbackEndpoint.__init__": (CallbackEndpoint.__init__, "7a550442a6a5e18d"),
        "CallbackEndpoint.notify": (CallbackEndpoint.notify, "8a2febb9b274f707"),
        "CallbackEndpoint.interrupt_all": (CallbackEndpoint.interrupt_all, "d5b1c5de4a0b4fe9"),
        "CallbackPoolManager.add": (CallbackPoolManager.add, "642af2a3229b6856"),
        "Execution.start": (Execution.start, "07e927c2d5f9e104"),
        "ExecutionWorker._execution_logic": (ExecutionWorker._execution_logic, "baa3e2a48fd228d9"),
        "StateTaskServiceCallback._eval_body": (StateTaskServiceCallback._eval_body, "1565ede7010df6af"),
    }


@pytest.mark.parametrize("name", sorted(read_by_the_step_functions_probe()))
def test_each_internal_the_step_functions_probe_reads_is_unchanged(name: str) -> None:
    function, expected_digest = read_by_the_step_functions_probe()[name]
    assert digest(function) == expected_digest, f"{name}: moto changed; re-check step_functions_busy"


def test_step_functions_executions_and_task_tokens_as_the_probe_reads_them() -> None:
    """Executions live in the executing backend's state machines; a token's endpoint is in the execution's
    callback pool (shared by every frame: Parallel branches, Map iterations) until the outcome sets it."""
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeSuccess, CallbackPoolManager
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend, stepfunctions_parser_backends

    assert "stepfunctions_parser_backends[account][region]" in inspect.getsource(
        __import__("moto.stepfunctions.responses", fromlist=["get_backend"]).get_backend
    )
    start_execution = moto_original(StepFunctionsParserBackend, "start_execution")
    assert "state_machine.executions.append(execution)" in inspect.getsource(start_execution)
    assert "execution.exec_worker.env.callback_pool_manager.notify(" in inspect.getsource(
        StepFunctionsParserBackend.send_task_success
    )
    assert "frame.callback_pool_manager = env.callback_pool_manager" in inspect.getsource(Environment.as_inner_frame_of)
    assert type(stepfunctions_parser_backends).__mro__[1] is dict
    pool = CallbackPoolManager(activity_store={})
    endpoint = pool.add("token")
    assert pool._pool == {"token": endpoint} and not endpoint._notify_event.is_set()
    assert pool.notify("token", CallbackOutcomeSuccess(callback_id="token", output="{}"))
    assert endpoint._notify_event.is_set()


def test_the_in_process_stub_as_the_fault_patch_wraps_it() -> None:
    """Patch 16 wraps moto's one stub instance: `mock_aws` registers it as a `before-send` builtin handler (and
    on clients made before), it answers only while enabled, and `process_request` gives (status, headers, body).
    It must be the stub itself, not a handler beside it: botocore's `emit` calls every `before-send` handler, so
    moto's would still carry out a request another handler had answered."""
    from botocore.handlers import BUILTIN_HANDLERS
    from botocore.hooks import HierarchicalEmitter
    from moto.core import models
    from moto.core.botocore_stubber import BotocoreStubber

    assert ("before-send", models.botocore_stubber) in BUILTIN_HANDLERS
    assert 'client.meta.events.register("before-send", botocore_stubber)' in inspect.getsource(models.patch_client)
    call = inspect.getsource(moto_original(BotocoreStubber, "__call__"))
    assert "if not self.enabled:\n            return None" in call
    assert "response = self.process_request(request)" in call
    assert "return status, headers, body" in inspect.getsource(moto_original(BotocoreStubber, "process_request"))
    seen: list[str] = []

    def first(**kwargs: Any) -> str:
        seen.append("first")
        return "an answer"

    emitter = HierarchicalEmitter()
    emitter.register("before-send", first)
    emitter.register("before-send", lambda **kwargs: seen.append("second"))
    assert emitter.emit("before-send.dynamodb.PutItem", request=None)[0][1] == "an answer"
    assert seen == ["first", "second"]


def test_model_instances_are_registered_as_the_weak_registry_expects() -> None:
    """Patch 17: moto's metaclass gives every model class its own `instances_tracked` list, `__new__` appends to
    it, a reset assigns a new `[]` to each registered class, and only moto's dashboard and S3's reset read it,
    by iterating."""
    import moto.moto_api._internal.responses as dashboard
    from moto.core import base_backend, model_instances
    from moto.core.common_models import BaseModel
    from moto.s3.models import S3Backend

    assert "cls.instances_tracked: ClassVar[list[BaseModel]] = []" in inspect.getsource(
        base_backend.InstanceTrackerMeta.__new__
    )
    new = inspect.getsource(moto_original(BaseModel, "__new__"))
    assert "instance = super().__new__(cls)" in new and "cls.instances_tracked.append(instance)" in new
    assert "model.instances_tracked = []" in inspect.getsource(model_instances.reset_model_data)
    assert "for instance in model.instances_tracked:" in inspect.getsource(dashboard)
    reset = inspect.getsource(S3Backend.reset)
    assert "for key in FakeKey.instances_tracked:" in reset and "for mp in FakeMultipart.instances_tracked:" in reset


def test_stream_shards_as_the_retention_trims_them(stock_moto: None) -> None:
    """`localcloud.delivery.retention` drops a prefix of `StreamShard.items` and moves `starting_sequence_number` on
    by as many: moto numbers a record `len(items) + starting_sequence_number`, reads `items[start - starting:]`
    (patch 18 refuses a start before it), and starts a TRIM_HORIZON iterator at it and a LATEST one after it."""
    from moto.dynamodb.models.table import StreamShard
    from moto.dynamodbstreams.models import ShardIterator

    add = inspect.getsource(moto_original(StreamShard, "add"))
    assert "seq = len(self.items) + self.starting_sequence_number" in add
    get = inspect.getsource(moto_original(StreamShard, "get"))
    assert "start -= self.starting_sequence_number" in get and "self.items[start:end]" in get
    iterator = inspect.getsource(ShardIterator.__init__)
    assert "self.sequence_number = stream_shard.starting_sequence_number\n" in iterator
    assert "stream_shard.starting_sequence_number + len(\n                stream_shard.items\n            )" in iterator
    assert "items = self.stream_shard.get(self.sequence_number, limit)" in inspect.getsource(ShardIterator.get)


def test_moto_lacks_start_sync_execution_and_has_the_sync_execution_parts_patch_19_runs() -> None:
    """Patch 19 adds the action (moto has none: an upgrade that adds one must be looked at), builds moto's
    `SyncExecution` and runs its worker's `_execution_logic` on a thread while the caller serves its tasks."""
    from moto.stepfunctions import urls
    from moto.stepfunctions.parser.backend.execution import (
        Execution,
        SyncExecution,
        SyncExecutionWorkerCommunication,
    )
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.responses import StepFunctionResponse

    from localcloud.moto_patches import sync_executions

    method = StepFunctionResponse.__dict__.get("start_sync_execution")
    assert method is None or method is sync_executions.respond
    assert [base for base in urls.url_bases if base != sync_executions.SYNC_URL_BASE] == [
        r"https?://states\.(.+)\.amazonaws.com"
    ]
    pins: dict[str, tuple[Callable[..., Any], str]] = {
        "Execution.__init__": (Execution.__init__, "072ed5928123f13c"),
        "SyncExecution._get_start_execution_worker": (SyncExecution._get_start_execution_worker, "f8326da314d41bda"),
        "SyncExecution.to_start_sync_execution_output": (
            SyncExecution.to_start_sync_execution_output,
            "fe1efeaffdad0cc8",
        ),
        "SyncExecutionWorkerCommunication._reflect_execution_status": (
            SyncExecutionWorkerCommunication._reflect_execution_status,
            "94dff1b4d366383e",
        ),
        "ExecutionWorker._execution_logic": (ExecutionWorker._execution_logic, "baa3e2a48fd228d9"),
    }
    for name, (function, expected_digest) in pins.items():
        assert digest(function) == expected_digest, f"{name}: moto changed; re-check moto_patches/sync_executions.py"
