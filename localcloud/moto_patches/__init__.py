"""Patches of moto 5.2.5's internals so every trigger reaches the local Lambda runtime as on AWS.

`apply(runtime, delivery)` is idempotent: it checks `moto.__version__` (exactly `EXPECTED_MOTO_VERSION`),
installs the patches once per process and makes `runtime`/`delivery` the active ones (a later call
replaces them). The routing patches (1-6, 9), the SSM check (11) and the limits (15) fall back to moto's own
code while no runtime is active or after `runtime.close()`, so other moto users in the same process are
unaffected; 7-8, 10, 12-14 and 17-19 stay installed (same semantics as moto's, only faster, atomic or
leaner; 19 adds what moto lacks); 16 is moto's own code while no faults are active (`localcloud.faults`, off
by default). Every replaced internal is pinned by `tests/localcloud/test_moto_contract.py` (names,
signatures, source digests, and the behaviour relied on).

One module per service, each with its `install()` and the patches' details:

1-2. `awslambda`: `LambdaFunction._invoke_lambda` and `.invoke` run the handler through the runtime.
3. `events`: `Rule.send_to_targets` delivers to Lambda, Step Functions, SNS and SQS targets as EventBridge.
4. `sns`: `Subscription.publish` to `lambda` subscriptions invokes asynchronously with Lambda's SNS record.
5-6. `dynamodb_streams`: `StreamShard.add` and `DynamoDBBackend.update_item` write the stream records that
   `localcloud.delivery` polls.
7. `dynamodb_transactions`: `DynamoDBBackend.transact_write_items` rolls back without copying whole tables.
8. `atomic_requests`: every moto request holds `localcloud.moto_lock.MOTO_LOCK`.
9. `s3`: `s3.notifications._invoke_awslambda` invokes asynchronously with S3's full record.
10. `stepfunctions`: `StepFunctionsParserBackend.start_execution` names unnamed executions; also the
   `step_functions_busy` probe (not a patch) through which `wait_idle` waits for executions.
11. `ssm`: `SimpleSystemManagerBackend.put_parameter` refuses a value that does not match the parameter's
   `AllowedPattern` (the one given, else the current version's) with ParameterPatternMismatchException.
12. `dynamodb_expressions`: update expressions parsed once per distinct expression, their validation copy
   and dispatch tables cheaper (moto's semantics, less work).
13. `serialization`: `ResponseSerializer.get_value` looks up a dict member's possible keys once per shape.
14. `dispatch`: `core.responses.method_names_from_class` lists a handler class's methods once, not per request.
15. `limits`: BatchWriteItem's 25 requests, TransactWriteItems' 4 MB, PutEvents' and PublishBatch's 256 KB,
   which moto does not enforce, refused with AWS's errors (`DynamoHandler.batch_write_item`,
   `.transact_write_items`, `EventsHandler.put_events`, `SNSResponse.publish_batch`).
16. `sdk_faults`: `BotocoreStubber.__call__` (moto's in-process `before-send` stub) lets `localcloud.faults.sdk`
   answer a function's request with an injected fault (or a partial batch) first.
17. `model_registry`: `BaseModel.__new__` registers each model instance weakly (moto's `instances_tracked` lists
   kept every item copy, stream record and S3 key alive until a reset).
18. `dynamodb_streams`: `StreamShard.get` answers a read from before a trimmed shard's oldest record with
   TrimmedDataAccessException (`localcloud.delivery.retention` trims what every mapping has read).

`patching` holds what they share: moto's originals (`original`) and the active runtime and delivery.
"""

from __future__ import annotations

import threading
from typing import Final

import moto

from localcloud.delivery.streams import Delivery
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.moto_patches import (
    atomic_requests,
    awslambda,
    caller_thread,
    dispatch,
    dynamodb_expressions,
    dynamodb_streams,
    dynamodb_transactions,
    events,
    limits,
    model_registry,
    s3,
    sdk_faults,
    serialization,
    sns,
    ssm,
    stepfunctions,
    sync_executions,
)
from localcloud.moto_patches.patching import activate

EXPECTED_MOTO_VERSION: Final = "5.2.5"

_install_lock = threading.Lock()


def check_version() -> None:
    if moto.__version__ != EXPECTED_MOTO_VERSION:
        raise RuntimeError(
            f"localcloud patches moto's internals and is pinned to moto {EXPECTED_MOTO_VERSION}, but moto "
            f"{moto.__version__} is installed: install moto=={EXPECTED_MOTO_VERSION}, or port "
            "localcloud/moto_patches/ and run tests/localcloud/test_moto_contract.py"
        )


def apply(runtime: LambdaRuntime, delivery: Delivery) -> None:
    """Installs the patches (once) and routes moto's triggers to `runtime` and `delivery`."""
    check_version()
    with _install_lock:
        for module in (
            awslambda,
            events,
            sns,
            dynamodb_streams,
            dynamodb_transactions,
            dynamodb_expressions,
            serialization,
            dispatch,
            atomic_requests,
            s3,
            stepfunctions,
            ssm,
            limits,
            sdk_faults,
            model_registry,
            sync_executions,
            caller_thread,
        ):
            module.install()
        activate(runtime, delivery)
    runtime.activity.add_probe(stepfunctions.step_functions_busy)


def patch_transactions() -> None:
    """Patch 7 alone (benchmarks)."""
    check_version()
    with _install_lock:
        dynamodb_transactions.install()
