"""Patches 1-2: moto's Lambda functions run in the local runtime.

1. `awslambda.models.LambdaFunction._invoke_lambda(self, event=None) -> (str, bool, str)`: runs the
   handler in-process through `runtime.invoke`, for every synchronous path (Invoke API, Step Functions
   tasks, SQS sources); a function moto has but the runtime does not is ResourceNotFoundException, and an
   invocation Lambda failed before the handler (`localcloud.faults`' `invoke-before`) its 500 ServiceException.
2. `awslambda.models.LambdaFunction.invoke(self, body, request_headers, response_headers)`:
   `InvocationType=Event` is queued with `runtime.invoke_async` (202), `DryRun` runs nothing, an error
   is `X-Amz-Function-Error: Unhandled`. A payload over Lambda's limits (the Invoke API reference: 6 MB
   synchronous, 1 MB asynchronous) is refused with its 413 `RequestEntityTooLargeException`, unrun.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from localcloud.aws_sizes import MAX_ASYNCHRONOUS_PAYLOAD, MAX_SYNCHRONOUS_PAYLOAD
from localcloud.faults.invocations import is_service_fault
from localcloud.lambda_runtime.function_spec import FunctionNotFound
from localcloud.moto_patches.patching import active_runtime, original, replace


def install() -> None:
    from moto.awslambda.models import LambdaFunction

    replace(LambdaFunction, "_invoke_lambda", _invoke_lambda)
    replace(LambdaFunction, "invoke", _lambda_function_invoke)


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
    if is_service_fault(payload):
        raise _service_error(str(payload["errorMessage"]))
    return json.dumps(payload), errored, ""


def _service_error(message: str) -> Exception:
    from moto.awslambda.exceptions import LambdaClientError

    exception = LambdaClientError("ServiceException", message)
    exception.code = 500
    return exception


def _too_large(message: str) -> Exception:
    from moto.awslambda.exceptions import LambdaClientError

    exception = LambdaClientError("RequestEntityTooLargeException", message)
    exception.code = 413
    return exception


def check_payload(body: Any, invocation_type: str) -> None:
    size = len(body.encode() if isinstance(body, str) else body or b"")
    if invocation_type == "Event" and size > MAX_ASYNCHRONOUS_PAYLOAD:
        raise _too_large(
            f"{size} byte payload is too large for the Event invocation type (limit {MAX_ASYNCHRONOUS_PAYLOAD} bytes)"
        )
    if size > MAX_SYNCHRONOUS_PAYLOAD:
        raise _too_large(
            f"Request must be smaller than {MAX_SYNCHRONOUS_PAYLOAD} bytes for the InvokeFunction operation"
        )


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
    check_payload(body, invocation_type)
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
