"""SQS (prefix `sqs`): a queue's calls on its ARN, from `QueueUrl` (`…/<account>/<name>`) or `QueueName`.

The batch operations are their single actions (`SendMessageBatch` is `sqs:SendMessage`); `ListQueues`
has no resource.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlparse

from localcloud.iam.requests.call import Authorization, Call

RENAMED: Final = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
NO_RESOURCE: Final = frozenset({"ListQueues"})


def _queue(call: Call, account: str, name: str) -> str:
    return f"arn:{call.partition}:sqs:{call.region}:{account}:{name}"


def authorizations(call: Call) -> list[Authorization]:
    params, operation = call.params, call.operation
    action = call.action(RENAMED.get(operation))
    if operation in NO_RESOURCE:
        return [call.authorization(action, "*")]
    url = params.get("QueueUrl")
    if url:
        parts = urlparse(str(url)).path.strip("/").split("/")
        account, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (call.account, parts[-1])
        return [call.authorization(action, _queue(call, account, name))]
    if params.get("QueueName"):
        account = str(params.get("QueueOwnerAWSAccountId") or call.account)
        return [call.authorization(action, _queue(call, account, str(params["QueueName"])))]
    return []
