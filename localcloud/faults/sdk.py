"""The SDK faults' entry: a function's request, before moto handles it (patch 16, `moto_patches.sdk_faults`).

Only a function's requests are faulted (the thread's `localcloud.iam.caller` is a function: set while a handler
runs); the local cloud's own requests, an API Gateway integration's, the AWS endpoint's and moto's internal
ones never are. One module per service decides and answers: `dynamodb`, `s3`, `put_events`, `publish_batch`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from localcloud import faults
from localcloud.faults import dynamodb, publish_batch, put_events, s3
from localcloud.faults.wire import SdkCall, Send
from localcloud.iam.caller import CALLER

SERVICES: Final[dict[str, Callable[[SdkCall], AWSResponse | None]]] = {
    "dynamodb": dynamodb.respond,
    "s3": s3.respond,
    "eventbridge": put_events.respond,
    "sns": publish_batch.respond,
}


def respond(event_name: str, request: AWSPreparedRequest, send: Send) -> AWSResponse | None:
    """The faulted answer to this request (botocore's `before-send.<service>.<operation>`), or None: moto's."""
    if faults.active() is None:
        return None
    caller = CALLER.get()
    if caller is None or caller.function_arn is None:
        return None
    _, _, name = event_name.partition(".")
    service, _, operation = name.partition(".")
    handler = SERVICES.get(service)
    call = SdkCall(service, operation, request, caller.session, send)
    if call.attempt > 1:
        faults.retried("SDK request")
    if handler is None or not operation:
        return None
    return handler(call)
