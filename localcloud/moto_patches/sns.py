"""Patch 4: SNS delivers to Lambda subscriptions as SNS does.

`sns.models.Subscription.publish(...)`, `lambda` subscriptions: moto's filter policy, then `invoke_async`
with Lambda's SNS record holding the real `MessageAttributes` (`{"Type", "Value"}`), `TopicArn`,
`MessageId`, `Subject`, `Timestamp`, `EventSubscriptionArn`. If the function cannot be invoked the message
goes to the subscription's `RedrivePolicy` dead-letter queue (while IAM is enforced, only if the queue's
policy lets `sns.amazonaws.com` send to it for the topic: `localcloud.iam.queue_policies`; else the message
is lost, as on AWS, and one line is logged); function errors follow the function's own async retries and
destination, as on AWS.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
from typing import Any

from localcloud.aws_formats import iso_now
from localcloud.destinations import send_to_sqs
from localcloud.iam.queue_policies import dead_letter_allowed
from localcloud.iam.sources import subscription_source
from localcloud.lambda_runtime.function_spec import FunctionNotFound
from localcloud.moto_patches.patching import active_runtime, original, replace

logger = logging.getLogger("localcloud.moto_patches")


def install() -> None:
    from moto.sns.models import Subscription

    replace(Subscription, "publish", subscription_publish)


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
        if dead_letter_allowed(queue, subscription_source(self)):  # the queue policy must let SNS send to it
            send_to_sqs(queue, json.dumps(record["Sns"]))
    return None
