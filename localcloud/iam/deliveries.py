"""A service invoking a function must be allowed by the function's resource policy, as on AWS.

`check_delivery(function_arn)` is asked by the runtime before it queues an asynchronous invocation: when
a service is delivering (`localcloud.iam.sources`) and no statement lets it invoke the function for its
source, it logs one line and raises `DeliveryRefused`, which the delivery points treat as AWS treats an
unreachable function (EventBridge: straight to the target's dead-letter queue with `ERROR_CODE`
NO_PERMISSIONS, no retry; SNS: the subscription's dead-letter queue, else dropped; S3: dropped).
`api_gateway_allows` is the same question for API Gateway's proxy integrations.
"""

from __future__ import annotations

import logging

from localcloud.iam import hook
from localcloud.iam.sources import SOURCE
from localcloud.lambda_runtime.function_spec import FunctionNotFound

logger = logging.getLogger("localcloud.iam")


class DeliveryRefused(FunctionNotFound):
    """The function's resource policy does not let the delivering service invoke it."""

    error_type = "NO_PERMISSIONS"


def check_delivery(function_arn: str) -> None:
    enforcer = hook.active()
    source = SOURCE.get()
    if enforcer is None or source is None:
        return
    if enforcer.functions.allows(function_arn, source.service, source.source_arn, source.source_account):
        return
    message = (
        f"{source.what} may not invoke {function_arn}: no statement of the function's resource-based policy "
        f"allows {source.service} to perform lambda:InvokeFunction for source {source.source_arn}"
    )
    logger.warning("localcloud IAM: delivery refused: %s", message)
    raise DeliveryRefused(message)


def api_gateway_allows(
    function_arn: str, *, region: str, account: str, api_id: str, stage: str, method: str, path: str
) -> bool:
    """True when `apigateway.amazonaws.com` may invoke the function for `<api>/<stage>/<METHOD>/<path>`
    (always, while IAM is not enforced); a refusal is logged."""
    enforcer = hook.active()
    if enforcer is None:
        return True
    source_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path.lstrip('/')}"
    if enforcer.functions.allows(function_arn, "apigateway.amazonaws.com", source_arn, account):
        return True
    logger.warning(
        "localcloud IAM: delivery refused: API Gateway may not invoke %s for %s: no statement of the function's "
        "resource-based policy allows apigateway.amazonaws.com to perform lambda:InvokeFunction for that source "
        "(Execution failed due to configuration error: Invalid permissions on Lambda function)",
        function_arn,
        source_arn,
    )
    return False


STREAM_READ_ACTIONS = ("DescribeStream", "GetShardIterator", "GetRecords")


def stream_read_refusal(function_arn: str, stream_arn: str) -> str | None:
    """Why the event source mapping may not read the stream with the function's role (None: it may, or IAM is
    not enforced): Lambda polls with the execution role, which needs the stream reads and ListStreams."""
    from localcloud.iam.caller import function_caller

    enforcer = hook.active()
    if enforcer is None:
        return None
    caller = function_caller(function_arn.split(":")[6], function_arn)
    region = stream_arn.split(":")[3]
    for operation in (*STREAM_READ_ACTIONS, "ListStreams"):
        params = {} if operation == "ListStreams" else {"StreamArn": stream_arn}
        refusal = enforcer.check(caller, "dynamodb", operation, params, region)
        if refusal is not None:
            return refusal.message
    return None


def destination_allowed(function_arn: str, queue_arn: str, what: str) -> bool:
    """Lambda sends a failure record to an on-failure queue with the function's role, which needs
    `sqs:SendMessage` on it (always True while IAM is not enforced); a refusal is logged: the record is lost."""
    from localcloud.iam.caller import function_caller

    enforcer = hook.active()
    parts = function_arn.split(":")
    if enforcer is None or len(parts) < 7:
        return True
    queue = queue_arn.split(":")
    params = {"QueueName": queue[-1], "QueueOwnerAWSAccountId": queue[4]}
    refusal = enforcer.check(function_caller(parts[6], function_arn), "sqs", "SendMessage", params, queue[3])
    if refusal is None:
        return True
    logger.warning("localcloud IAM: %s not sent to %s: %s", what, queue_arn, refusal.message)
    return False
