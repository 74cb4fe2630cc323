"""SNS (prefix `sns`): a topic's calls on the topic ARN; `Publish` to a phone number or without a target on `*`.

`PublishBatch` is `sns:Publish` on the topic, as on AWS.
"""

from __future__ import annotations

from typing import Final

from localcloud.iam.requests.call import Authorization, Call

RENAMED: Final = {"PublishBatch": "Publish"}


def authorizations(call: Call) -> list[Authorization]:
    params = call.params
    target = params.get("TopicArn") or params.get("TargetArn") or params.get("ResourceArn")
    if target is None and "SubscriptionArn" in params:
        target = str(params["SubscriptionArn"]).rsplit(":", 1)[0]
    return [call.authorization(call.action(RENAMED.get(call.operation)), str(target or "*"))]
