"""Patches of moto 5.2.5's internals so every trigger reaches the local Lambda runtime as on AWS.

`apply(runtime, delivery)` is idempotent: it checks `moto.__version__` (exactly `EXPECTED_MOTO_VERSION`),
installs the patches once per process and makes `runtime`/`delivery` the active ones (a later call
replaces them). The routing patches (1-6, 9) fall back to moto's own code while no runtime is active or
after `runtime.close()`, so other moto users in the same process are unaffected; 7-8 and 10 stay installed
(same semantics as moto's, only faster or atomic). Every replaced internal is pinned by
`tests/localcloud/test_moto_contract.py` (names, signatures, source digests, and the behaviour relied on).

Patches (the moto internal replaced, then what happens instead):

1. `awslambda.models.LambdaFunction._invoke_lambda(self, event=None) -> (str, bool, str)`: runs the
   handler in-process through `runtime.invoke`, for every synchronous path (Invoke API, Step Functions
   tasks, SQS sources); a function moto has but the runtime does not is ResourceNotFoundException.
2. `awslambda.models.LambdaFunction.invoke(self, body, request_headers, response_headers)`:
   `InvocationType=Event` is queued with `runtime.invoke_async` (202), `DryRun` runs nothing, an error
   is `X-Amz-Function-Error: Unhandled`.
3. `events.models.Rule.send_to_targets(self, original_event, transform_input=True)`: a rule that is not
   ENABLED delivers nothing (moto delivers anyway); each target gets its input (`Input`, `InputPath`
   JSONPath, `InputTransformer`, else the event with an ISO `time` and without moto's `ingestion-time`).
   Lambda targets go through `invoke_async` (EventBridge invokes asynchronously; the function's own
   retries and on-failure destination then apply), Step Functions targets start an execution, SNS
   targets publish, SQS targets with an input receive it; other targets (SQS without input, logs,
   archives, buses) are moto's. Pattern matching is moto's. A delivery that fails (function, state
   machine or queue missing) goes at once to the target's `DeadLetterConfig` queue with EventBridge's
   message attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE): locally such failures are not
   transient, so the target's RetryPolicy could not change the outcome.
4. `sns.models.Subscription.publish(...)`, `lambda` subscriptions: moto's filter policy, then
   `invoke_async` with Lambda's SNS record holding the real `MessageAttributes` (`{"Type", "Value"}`),
   `TopicArn`, `MessageId`, `Subject`, `Timestamp`, `EventSubscriptionArn`. If the function cannot be
   invoked the message goes to the subscription's `RedrivePolicy` dead-letter queue; function errors
   follow the function's own async retries and destination, as on AWS.
5. `dynamodb.models.table.StreamShard.add(self, old, new)`: only appends the record (with the table's
   region) and wakes the pollers of `localcloud.delivery.streams`; a write that changes nothing appends no
   record, as in DynamoDB Streams. moto's synchronous one-record delivery to Lambda is gone.
6. `dynamodb.models.DynamoDBBackend.update_item(...)`: one stream record per UpdateItem (when the
   update creates the item moto also records its keys-only put first: two INSERTs).
7. `dynamodb.models.DynamoDBBackend.transact_write_items(self, transact_items)`: moto's code, but the
   rollback backs up only the items the transaction writes and each table's stream length, instead of
   deep-copying the whole table once per item (O(table) per item). Same cancellation reasons, ALL_OLD
   items, rollback of items and stream records; the Table objects are kept.
8. `core.botocore_stubber.BotocoreStubber.process_request(self, request)` and
   `core.utils.convert_to_flask_response.__call__(self, args=None, **kwargs)`: every moto request
   (in-process, or over moto's HTTP server) holds `localcloud.moto_lock.MOTO_LOCK`, so each API call is atomic as on
   AWS (moto has no locking; concurrent requests can corrupt or crash it).
9. `s3.notifications._invoke_awslambda(account_id, event_body, fn_arn, region_name)`: `invoke_async`
   (S3 invokes asynchronously), with the record's missing fields (`userIdentity`, `requestParameters`,
   `responseElements`, bucket owner, `sequencer`) and the key URL-encoded as S3 does (`quote_plus`
   keeping `/`; moto encodes `/` too).
10. `stepfunctions.parser.models.StepFunctionsParserBackend.start_execution(self, state_machine_arn, name=None,
   execution_input=None, trace_header=None)`: an execution started without a name gets a UUID, as Step
   Functions names it; moto's executing backend names it `None`, so every such execution had the same ARN
   and the second one after the first finished was refused with ExecutionAlreadyExists (EventBridge
   targets, API Gateway integrations and StartExecution calls without a name all start such executions).

Not a patch, a reader: `step_functions_busy()` is the activity probe (`runtime.activity.add_probe`, added by
`apply`) through which `wait_idle` waits for Step Functions executions. moto runs an execution (only with
`mock_aws(config={"stepfunctions": {"execute_state_machine": True}})`) in a thread of its own, with its
Lambda tasks calling the Invoke API (patches 1-2 run them in-process; while one runs, the runtime counts it).
The probe reports work while an execution of moto's executing backend (`stepfunctions_parser_backends`, any
account and region) is RUNNING, unless it is parked on a task token: an execution with a callback endpoint
(a `.waitForTaskToken` task, an activity task) that has not yet received its outcome counts as idle, or a
test that waits for the system to settle before sending the token would wait forever. Whatever sends the
token later (a function, the test) makes it busy again until it ends or parks anew. Limitation: a Parallel or
Map state with one branch parked counts as idle while its other branches are between Lambda tasks (in a
Pass, Choice or Wait state); their Lambda invocations themselves are counted. The backend moto's
CloudFormation and the non-executing configuration use is not probed (its executions stay RUNNING forever).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import itertools
import json
import logging
import threading
import uuid
from typing import Any, Final
from urllib.parse import quote_plus, unquote_plus

import moto

from localcloud.aws_formats import iso_now, parse_arn
from localcloud.delivery.streams import Delivery
from localcloud.destinations import send_to_sqs
from localcloud.lambda_runtime.function_spec import FunctionNotFound
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.moto_lock import MOTO_LOCK

logger = logging.getLogger("localcloud.moto_patches")

EXPECTED_MOTO_VERSION: Final = "5.2.5"
ENABLED_STATES: Final = ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")

ORIGINALS: dict[str, Any] = {}
_install_lock = threading.Lock()
_local = threading.local()


class _Active:
    runtime: LambdaRuntime | None = None
    delivery: Delivery | None = None


def check_version() -> None:
    if moto.__version__ != EXPECTED_MOTO_VERSION:
        raise RuntimeError(
            f"localcloud patches moto's internals and is pinned to moto {EXPECTED_MOTO_VERSION}, but moto "
            f"{moto.__version__} is installed: install moto=={EXPECTED_MOTO_VERSION}, or port "
            "localcloud/moto_patches.py and run tests/localcloud/test_moto_contract.py"
        )


def apply(runtime: LambdaRuntime, delivery: Delivery) -> None:
    """Installs the patches (once) and routes moto's triggers to `runtime` and `delivery`."""
    check_version()
    with _install_lock:
        _install()
        _Active.runtime = runtime
        _Active.delivery = delivery
    runtime.activity.add_probe(step_functions_busy)


def active_runtime() -> LambdaRuntime | None:
    runtime = _Active.runtime
    return None if runtime is None or runtime.closed else runtime


def active_delivery() -> Delivery | None:
    return _Active.delivery if active_runtime() is not None else None


def _replace(owner: Any, name: str, replacement: Any) -> None:
    key = f"{getattr(owner, '__module__', '')}.{getattr(owner, '__qualname__', owner.__name__)}.{name}"
    if key in ORIGINALS:
        return
    ORIGINALS[key] = getattr(owner, name)
    setattr(owner, name, replacement)


def original(owner: Any, name: str) -> Any:
    return ORIGINALS[f"{getattr(owner, '__module__', '')}.{getattr(owner, '__qualname__', owner.__name__)}.{name}"]


def patch_transactions() -> None:
    """Patch 7 alone (benchmarks)."""
    check_version()
    from moto.dynamodb.models import DynamoDBBackend

    with _install_lock:
        _replace(DynamoDBBackend, "transact_write_items", transact_write_items)


def _install() -> None:
    import moto.s3.notifications as s3_notifications
    from moto.awslambda.models import LambdaFunction
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.core.utils import convert_to_flask_response
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard
    from moto.events.models import Rule
    from moto.sns.models import Subscription
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    _replace(LambdaFunction, "_invoke_lambda", _invoke_lambda)
    _replace(LambdaFunction, "invoke", _lambda_function_invoke)
    _replace(Rule, "send_to_targets", send_to_targets)
    _replace(Subscription, "publish", subscription_publish)
    _replace(StreamShard, "add", stream_shard_add)
    _replace(DynamoDBBackend, "update_item", update_item)
    _replace(DynamoDBBackend, "transact_write_items", transact_write_items)
    _replace(BotocoreStubber, "process_request", process_request)
    _replace(convert_to_flask_response, "__call__", flask_call)
    _replace(s3_notifications, "_invoke_awslambda", invoke_awslambda_from_s3)
    _replace(StepFunctionsParserBackend, "start_execution", start_execution_named)


# ----------------------------------------------------------------------------- Step Functions probe


def start_execution_named(
    self: Any, state_machine_arn: str, name: Any = None, execution_input: Any = None, trace_header: Any = None
) -> Any:
    """Patch 10: a missing execution name becomes a UUID, as in Step Functions."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    start = original(StepFunctionsParserBackend, "start_execution")
    return start(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)


def parked_on_task_token(execution: Any) -> bool:
    """A RUNNING execution waiting for SendTaskSuccess/Failure: a callback endpoint with no outcome yet."""
    worker = getattr(execution, "exec_worker", None)
    env = getattr(worker, "env", None)
    pool = getattr(getattr(env, "callback_pool_manager", None), "_pool", None)
    if not pool:
        return False
    return any(not endpoint._notify_event.is_set() for endpoint in list(pool.values()))


def step_functions_busy() -> bool:
    """True while an execution of moto's executing backend runs and is not parked on a task token.

    moto registers a task token just before it invokes the task's Lambda, so an execution counts as
    parked (idle) for that short moment too: wait for the token's Lambda call itself when it matters.
    """
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    with MOTO_LOCK:
        for regions in list(dict.values(stepfunctions_parser_backends)):
            for backend in list(dict.values(regions)):
                for state_machine in list(backend.state_machines):
                    for execution in list(state_machine.executions):
                        # The executing backend's executions (moto types them as the base backend's).
                        if (
                            isinstance(execution, Execution)
                            and execution.exec_status == ExecutionStatus.RUNNING
                            and not parked_on_task_token(execution)
                        ):
                            return True
    return False


# ----------------------------------------------------------------------------- 8: atomic requests


def process_request(self: Any, request: Any) -> Any:
    from moto.core.botocore_stubber import BotocoreStubber

    with MOTO_LOCK:
        return original(BotocoreStubber, "process_request")(self, request)


def flask_call(self: Any, args: Any = None, **kwargs: Any) -> Any:
    from moto.core.utils import convert_to_flask_response

    with MOTO_LOCK:
        return original(convert_to_flask_response, "__call__")(self, args, **kwargs)


# ----------------------------------------------------------------------------- 1, 2: Lambda


def _not_registered(error: FunctionNotFound) -> Exception:
    from moto.awslambda.exceptions import LambdaClientError

    exception = LambdaClientError("ResourceNotFoundException", str(error))
    exception.code = 404
    return exception


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    from moto.awslambda.models import LambdaFunction

    runtime = active_runtime()
    if runtime is None:
        return original(LambdaFunction, "_invoke_lambda")(self, event=event)
    if event is None:
        event = {}
    elif isinstance(event, str | bytes):
        event = json.loads(event) if event else {}
    try:
        payload, errored = runtime.invoke(self.function_arn, event)
    except FunctionNotFound as error:
        raise _not_registered(error) from None
    return json.dumps(payload), errored, ""


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    return headers.get(name) or headers.get(name.lower())


def _lambda_function_invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> str | bytes:
    from moto.awslambda.models import LambdaFunction

    runtime = active_runtime()
    if runtime is None:
        return original(LambdaFunction, "invoke")(self, body, request_headers, response_headers)
    invocation_type = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
    event = json.loads(body) if body else {}
    if invocation_type == "Event":
        try:
            runtime.invoke_async(self.function_arn, event)
        except FunctionNotFound as error:
            raise _not_registered(error) from None
        return b""
    if invocation_type == "DryRun":
        return b""
    result, errored, logs = self._invoke_lambda(event=event)
    if errored:
        response_headers["x-amz-function-error"] = "Unhandled"
    response_headers["x-amz-log-result"] = base64.b64encode(logs.encode()).decode()
    response_headers["x-amz-executed-version"] = "$LATEST"
    return result.encode("utf-8")


# ----------------------------------------------------------------------------- 3: EventBridge

_MISSING: Final = object()


def aws_event(original_event: dict[str, Any]) -> dict[str, Any]:
    """moto's event message as EventBridge delivers it (ISO `time`, no `ingestion-time`)."""
    event = {key: value for key, value in original_event.items() if key != "ingestion-time"}
    when = event.get("time")
    if isinstance(when, int | float):
        event["time"] = dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    elif isinstance(when, dt.datetime):
        event["time"] = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


@functools.lru_cache(maxsize=256)
def _compiled_path(path: str) -> Any:
    from jsonpath_ng.ext import parse

    return parse(path)


def _json_path(path: str, document: Any) -> Any:
    matches = _compiled_path(path).find(document)
    return matches[0].value if matches else _MISSING


def target_input(target: dict[str, Any], event: dict[str, Any], rule: Any) -> Any:
    """What EventBridge sends to a target: `Input`, `InputPath`, `InputTransformer` or the event."""
    if target.get("Input") is not None:
        return json.loads(target["Input"])
    if target.get("InputPath"):
        value = _json_path(target["InputPath"], event)
        return None if value is _MISSING else value
    transformer = target.get("InputTransformer")
    if transformer:
        return transform_input(transformer, event, rule)
    return event


def transform_input(transformer: dict[str, Any], event: dict[str, Any], rule: Any) -> Any:
    """InputTransformer: `<name>` in InputTemplate becomes the InputPathsMap value (JSON outside quotes,
    the raw text inside quotes); a template that is not JSON after substitution is delivered as text."""
    values: dict[str, Any] = {
        "aws.events.rule-arn": rule.arn,
        "aws.events.rule-name": rule.name,
        "aws.events.event": event,
        "aws.events.event.json": event,
        "aws.events.event.ingestion-time": event.get("time"),
    }
    for name, path in (transformer.get("InputPathsMap") or {}).items():
        values[name] = _json_path(path, event)
    template = transformer.get("InputTemplate", "")
    out: list[str] = []
    in_string = False
    index = 0
    while index < len(template):
        char = template[index]
        if char == '"' and (index == 0 or template[index - 1] != "\\"):
            in_string = not in_string
        elif char == "<":
            end = template.find(">", index)
            name = template[index + 1 : end] if end != -1 else None
            if name in values:
                value = values[name]
                if in_string:
                    out.append("" if value is _MISSING else value if isinstance(value, str) else json.dumps(value))
                else:
                    out.append("null" if value is _MISSING else json.dumps(value))
                index = end + 1
                continue
        out.append(char)
        index += 1
    text = "".join(out)
    try:
        return json.loads(text)
    except ValueError:
        return text


def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
    from moto.events.models import Rule

    runtime = active_runtime()
    if runtime is None:
        return original(Rule, "send_to_targets")(self, original_event, transform_input)
    if self.state not in ENABLED_STATES:
        return None
    if not self.event_pattern.matches_event(original_event):
        return None
    event = aws_event(original_event)
    for target in self.targets:
        service = parse_arn(target["Arn"])[0]
        has_input = any(target.get(key) for key in ("Input", "InputPath", "InputTransformer"))
        if service in ("lambda", "states", "sns") or (service == "sqs" and has_input):
            _deliver_to_target(self, runtime, target, event)
        else:
            single = copy.copy(self)
            single.targets = [target]
            original(Rule, "send_to_targets")(single, original_event, transform_input)
    return None


def _deliver_to_target(rule: Any, runtime: LambdaRuntime, target: dict[str, Any], event: dict[str, Any]) -> None:
    arn = target["Arn"]
    service, region, account, resource = parse_arn(arn)
    try:
        payload = target_input(target, event, rule)
        text = payload if isinstance(payload, str) else json.dumps(payload)
        if service == "lambda":
            runtime.invoke_async(arn, payload)
        elif service == "states":
            from moto.stepfunctions.responses import get_backend

            # An unnamed execution, as EventBridge starts them: a uuid name.
            get_backend(account, region).start_execution(arn, str(uuid.uuid4()), text)
        elif service == "sns":
            from moto.sns.models import sns_backends

            sns_backends[account][region].publish(text, arn=arn)
        else:  # sqs, with an input
            from moto.sqs.models import sqs_backends

            group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
            sqs_backends[account][region].send_message(queue_name=resource, message_body=text, group_id=group_id)
    except Exception as error:
        code = getattr(error, "error_type", None) or type(error).__name__
        _dead_letter_event(rule, target, event, code, str(error))


def _dead_letter_event(rule: Any, target: dict[str, Any], event: dict[str, Any], code: str, message: str) -> None:
    queue = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue:
        logger.warning(
            "EventBridge rule %s: delivery to %s failed (%s: %s), dropped", rule.name, target["Arn"], code, message
        )
        return
    send_to_sqs(
        queue,
        json.dumps(event),
        {
            "RULE_ARN": rule.arn,
            "TARGET_ARN": target["Arn"],
            "ERROR_CODE": code,
            "ERROR_MESSAGE": message[:256],
        },
    )


# ----------------------------------------------------------------------------- 4: SNS


def sns_lambda_record(
    subscription: Any, message: str, message_id: str, subject: str | None, attributes: Any
) -> dict[str, Any]:
    region = subscription.topic.arn.split(":")[3]
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription.arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": iso_now(),
            "Signature": base64.b64encode(b"localcloud: not signed").decode(),
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-localcloud.pem",
            "MessageId": message_id,
            "Message": message,
            "MessageAttributes": copy.deepcopy(attributes or {}),
            "Type": "Notification",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription.arn}",
            "TopicArn": subscription.topic.arn,
            "Subject": subject,
        },
    }


def subscription_publish(
    self: Any,
    message: str,
    message_id: str,
    subject: str | None = None,
    message_attributes: dict[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    message_structure: str | None = None,
) -> None:
    from moto.sns.models import Subscription

    runtime = active_runtime()
    if runtime is None or self.protocol != "lambda":
        return original(Subscription, "publish")(
            self,
            message,
            message_id,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            message_structure=message_structure,
        )
    if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(message_attributes, message):
        return None
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    record = sns_lambda_record(self, message, message_id, subject, message_attributes)
    try:
        runtime.invoke_async(self.endpoint, {"Records": [record]})
    except FunctionNotFound as error:
        redrive = self.attributes.get("RedrivePolicy")
        queue = (json.loads(redrive) if isinstance(redrive, str) else redrive or {}).get("deadLetterTargetArn")
        if not queue:
            logger.warning("SNS subscription %s: %s; message %s dropped", self.arn, error, message_id)
            return None
        send_to_sqs(queue, json.dumps(record["Sns"]))
    return None


# ----------------------------------------------------------------------------- 5, 6: DynamoDB streams


def append_stream_record(shard: Any, old: Any, new: Any) -> None:
    from moto.dynamodb.models.table import StreamRecord

    if old is not None and new is not None and old.to_json() == new.to_json():
        return  # DynamoDB Streams writes no record for a write that changes nothing
    view_type = shard.table.stream_specification["StreamViewType"]
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    sequence = len(shard.items) + shard.starting_sequence_number
    record = StreamRecord(shard.table, view_type, event_name, old, new, sequence)
    record.record["awsRegion"] = shard.table.region_name
    shard.items.append(record)
    delivery = active_delivery()
    if delivery is not None:
        delivery.notify()


def stream_shard_add(self: Any, old: Any, new: Any) -> None:
    from moto.dynamodb.models.table import StreamShard

    if active_delivery() is None:
        return original(StreamShard, "add")(self, old, new)
    captured = getattr(_local, "update_records", None)
    if captured is not None:
        captured.append((self, old, new))
        return None
    append_stream_record(self, old, new)
    return None


def update_item(self: Any, *args: Any, **kwargs: Any) -> Any:
    from moto.dynamodb.models import DynamoDBBackend

    update = original(DynamoDBBackend, "update_item")
    if active_delivery() is None or getattr(_local, "update_records", None) is not None:
        return update(self, *args, **kwargs)
    captured: list[tuple[Any, Any, Any]] = []
    _local.update_records = captured
    try:
        result = update(self, *args, **kwargs)
    finally:
        _local.update_records = None
    if captured:
        shard, old, new = captured[-1]  # the update itself; before it, the keys-only put of a new item
        append_stream_record(shard, old, new)
    return result


# ----------------------------------------------------------------------------- 7: transactions


class _TransactionBackup:
    """What a transaction's rollback needs: the items it writes, as they were, and the stream lengths."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.items: dict[tuple[str, Any, Any], tuple[Any, bool, Any]] = {}
        self.streams: dict[str, tuple[Any, Any, int]] = {}
        self.whole_tables: dict[str, Any] = {}

    def table(self, table_name: str | None) -> None:
        if not table_name:
            return
        table = self.backend.tables.get(table_name)
        if table is not None and table_name not in self.streams:
            shard = table.stream_shard
            self.streams[table_name] = (table, shard, len(shard.items) if shard is not None else 0)

    def item(self, table_name: str, key: dict[str, Any]) -> None:
        table = self.backend.tables.get(table_name)
        if table is None or table_name in self.whole_tables:
            return
        try:
            hash_value, range_value = self.backend.get_keys_value(table, key)
            identity = (table_name, hash_value, range_value)
            if identity in self.items:
                return
            if range_value is not None:
                bucket = table.items.get(hash_value)
                existed = bucket is not None
                current = bucket.get(range_value) if bucket is not None else None
            else:
                existed = hash_value in table.items
                current = table.items.get(hash_value)
        except Exception:  # a key moto itself will reject; keep moto's whole-table backup for it
            self.whole_tables[table_name] = copy.deepcopy(table)
            return
        self.items[identity] = (table, existed, copy.deepcopy(current))

    def restore(self) -> None:
        for (table_name, hash_value, range_value), (table, existed, item) in reversed(list(self.items.items())):
            if table_name in self.whole_tables:
                continue
            if range_value is not None:
                if item is None:
                    bucket = table.items.get(hash_value)
                    if bucket is not None:
                        bucket.pop(range_value, None)
                        if not existed and not bucket:
                            del table.items[hash_value]
                else:
                    table.items[hash_value][range_value] = item
            elif item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        for table_name, (table, shard, length) in self.streams.items():
            if table_name not in self.whole_tables and shard is not None and table.stream_shard is shard:
                del shard.items[length:]
        for table_name, table in self.whole_tables.items():
            self.backend.tables[table_name] = table


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's `DynamoDBBackend.transact_write_items` with `_TransactionBackup` for the rollback."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    # Back up, in case any of the transactions fail, what the writes will change
    backup = _TransactionBackup(self)
    for item in transact_items:
        _, op = next(iter(item.items()))
        backup.table(op.get("TableName"))

    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException

        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")

            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            expression_attribute_names = op.get("ExpressionAttributeNames")
            expression_attribute_values = op.get("ExpressionAttributeValues")
            return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]

            check_unicity(table_name, key)
            if op_type != "ConditionCheck":
                backup.item(table_name, key)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(
                    condition_expression,
                    expression_attribute_names,
                    expression_attribute_values,
                )
                if not condition_op.expr(current):
                    if return_values_on_condition_check_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type == "Put":
                attrs = op["Item"]
                self.put_item(
                    table_name,
                    attrs,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            elif op_type == "Update":
                update_expression = op["UpdateExpression"]
                self.update_item(
                    table_name,
                    key,
                    update_expression=update_expression,
                    condition_expression=condition_expression,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            # Rollback to the original state, and reraise the error
            backup.restore()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:
            # For other exceptions, capture their details
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

    if any(code is not None for code, _, _ in errors):
        # Rollback to the original state, and reraise the errors
        backup.restore()
        raise TransactionCanceledException(errors)


# ----------------------------------------------------------------------------- 9: S3 notifications

_sequencer = itertools.count(1)


def enrich_s3_record(record: dict[str, Any], account_id: str) -> None:
    s3 = record.get("s3", {})
    obj = s3.get("object", {})
    if "key" in obj:
        obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
    obj.setdefault("sequencer", f"{next(_sequencer):018X}")
    s3.get("bucket", {}).setdefault("ownerIdentity", {"principalId": account_id})
    record.setdefault("userIdentity", {"principalId": f"AWS:{account_id}"})
    record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    record.setdefault(
        "responseElements",
        {"x-amz-request-id": f"{next(_sequencer):016X}", "x-amz-id-2": base64.b64encode(b"localcloud").decode()},
    )


def invoke_awslambda_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    import moto.s3.notifications as s3_notifications

    runtime = active_runtime()
    if runtime is None:
        return original(s3_notifications, "_invoke_awslambda")(account_id, event_body, fn_arn, region_name)
    for record in event_body.get("Records", []):
        enrich_s3_record(record, account_id)
    try:
        runtime.invoke_async(fn_arn, event_body)
    except FunctionNotFound as error:  # S3 drops it too (AWS would have refused the configuration)
        logger.warning("S3 notification to %s dropped: %s", fn_arn, error)
    return None
