"""An SNS message a subscription could not deliver, replayed to the subscribed function in the envelope Lambda
gets from SNS (`{"Records": [{"EventSource": "aws:sns", "EventSubscriptionArn", "Sns": {...}}]}`), invoked
synchronously. The message does not say which subscription failed: the queue's subscriptions to the message's
topic do; a queue shared by several subscriptions of one topic is left alone (replaying to all of them would
deliver again to those that had the message).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

from operations.redrive.discovery import Subscription
from operations.redrive.invoke import Outcome, function_outcome, invoke, still_failing
from operations.redrive.parked import SnsMessage
from operations.redrive.stage import Clients

LAMBDA_SPELLINGS: Final = {"SigningCertURL": "SigningCertUrl", "UnsubscribeURL": "UnsubscribeUrl"}
"""SNS's envelope to queues spells these two with `URL`, its record to Lambda with `Url`."""


def subscription_of(message: SnsMessage, subscriptions: Sequence[Subscription]) -> Subscription | str:
    """The one subscription the message was for, or why there is none."""
    matching = [s for s in subscriptions if not message.topic_arn or s.topic_arn == message.topic_arn]
    if not matching:
        return "no subscription of this queue is to the message's topic"
    if len(matching) > 1:
        names = ", ".join(s.endpoint.rsplit(":", 1)[-1] for s in matching)
        return f"several subscriptions of the topic share this queue ({names}): which one failed is unknown"
    return matching[0]


def lambda_event(message: SnsMessage, subscription: Subscription) -> dict[str, Any]:
    """The event SNS invokes a subscribed function with."""
    envelope = {LAMBDA_SPELLINGS.get(key, key): value for key, value in message.envelope.items()}
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription.arn,
                "Sns": {
                    "SignatureVersion": "1",
                    "Signature": "",
                    "SigningCertUrl": "",
                    "UnsubscribeUrl": "",
                    **envelope,
                    "Type": "Notification",
                    "MessageId": message.message_id,
                    "TopicArn": subscription.topic_arn,
                    "Subject": message.subject,
                    "Message": message.message,
                    "Timestamp": message.timestamp or _now(),
                    "MessageAttributes": message.attributes,
                },
            }
        ]
    }


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def replay(message: SnsMessage, subscriptions: Sequence[Subscription], clients: Clients) -> Outcome:
    subscription = subscription_of(message, subscriptions)
    if isinstance(subscription, str):
        return still_failing(subscription)
    if subscription.protocol != "lambda":
        return still_failing(f"a {subscription.protocol} subscription is not replayed")
    event = lambda_event(message, subscription)
    return function_outcome(subscription.endpoint, invoke(clients.lambda_, subscription.endpoint, event))
