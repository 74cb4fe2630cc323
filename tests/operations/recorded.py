"""Messages as ReceiveMessage gives them from each kind of queue, recorded: from the local cloud (its shapes
follow AWS's, `localcloud/moto_patches/events.py`, `sns.py`, `lambda_runtime/async_invocations.py`,
`delivery/stream_records.py`) and after the AWS documentation's examples (EventBridge's dead-letter attributes,
SNS's envelope to a queue, Lambda's invocation records)."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = "123456789012"
RULE_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/trading-system-dev-bus/trading-system-dev-CreditCheckOrders"
FUNDS_RAISER = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:trading-system-dev-funds-raiser"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:trading-system-dev-orders"
STREAM = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/trading-system-dev-trades/stream/2026-12-03T08:10:01.000"
DETAIL = {
    "invalidOrders": "CreditCheck",
    "orders": [{"orderId": "654c4c9d-84e1-4e2d-bbf9-34503b6ffa00", "customerId": "RD-1", "shortfall": "14900.14"}],
}


def attributes(**values: str) -> dict[str, dict[str, str]]:
    return {name: {"StringValue": value, "DataType": "String"} for name, value in values.items()}


def sqs_message(body: Any, message_attributes: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "MessageId": "0c5b0a4e-4f3d-4a4b-9a5e-5f9d1c2b3a41",
        "ReceiptHandle": "receipt-1",
        "MD5OfBody": "-",
        "Body": body if isinstance(body, str) else json.dumps(body),
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1796285821000"},
    }
    if message_attributes:
        message["MessageAttributes"] = message_attributes
    return message


RULE_EVENT = {
    "version": "0",
    "id": "72b97e6e-06b8-4f07-9ab3-7c87c1659a39",
    "detail-type": "Orders",
    "source": "SmartOrderRouter",
    "account": ACCOUNT,
    "time": "2026-12-03T08:30:12Z",
    "region": "us-east-1",
    "resources": [],
    "detail": DETAIL,
}
RULE_DEAD_LETTER = sqs_message(
    RULE_EVENT,
    attributes(
        RULE_ARN=RULE_ARN,
        TARGET_ARN=FUNDS_RAISER,
        ERROR_CODE="NO_PERMISSIONS",
        ERROR_MESSAGE="Function does not have permissions to be invoked by this rule",
        EXHAUSTED_RETRY_CONDITION="MaximumRetryAttempts",
        RETRY_ATTEMPTS="4",
    ),
)
"""EventBridge's dead-letter message: the event as the body, the failure in the attributes."""

SNS_ENVELOPE = {
    "Type": "Notification",
    "MessageId": "178035ab-1afd-4c21-9932-6c9288750f3f",
    "TopicArn": TOPIC,
    "Message": json.dumps(DETAIL),
    "Timestamp": "2026-12-03T08:38:13.304Z",
    "SignatureVersion": "1",
    "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bk=",
    "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
    "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={TOPIC}:8dc37713",
    "MessageAttributes": {
        "source": {"Type": "String", "Value": "SmartOrderRouter"},
        "detail-type": {"Type": "String", "Value": "Orders"},
        "invalidOrders": {"Type": "String", "Value": "CreditCheck"},
    },
}
SNS_DEAD_LETTER = sqs_message(SNS_ENVELOPE)
"""SNS's dead-letter message of a subscription without raw delivery: its JSON envelope (`...URL` spellings)."""

LOCAL_SNS_DEAD_LETTER = sqs_message(
    {
        "SignatureVersion": "1",
        "Timestamp": "2026-12-03T08:38:13.304Z",
        "Signature": "bG9jYWxjbG91ZDogbm90IHNpZ25lZA==",
        "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-localcloud.pem",
        "MessageId": "178035ab-1afd-4c21-9932-6c9288750f3f",
        "Message": json.dumps(DETAIL),
        "MessageAttributes": SNS_ENVELOPE["MessageAttributes"],
        "Type": "Notification",
        "UnsubscribeUrl": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={TOPIC}:8dc37713",
        "TopicArn": TOPIC,
        "Subject": None,
    }
)
"""The local cloud's: the `Sns` part of the record Lambda would have got (`...Url` spellings)."""

ASYNC_RECORD = {
    "version": "1.0",
    "timestamp": "2026-12-03T08:40:02.568Z",
    "requestContext": {
        "requestId": "170202e7-47f8-46f3-ab89-1ad163858117",
        "functionArn": f"{FUNDS_RAISER}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    },
    "requestPayload": DETAIL,
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "responsePayload": {
        "errorMessage": "An error occurred (AccessDeniedException) when calling the TransactWriteItems operation",
        "errorType": "ClientError",
        "requestId": "170202e7-47f8-46f3-ab89-1ad163858117",
        "stackTrace": ['  File "/var/task/handler.py", line 52, in lambda_handler\n'],
    },
}
ASYNC_DEAD_LETTER = sqs_message(ASYNC_RECORD)
"""Lambda's on-failure record of an asynchronous invocation (the Lambda developer guide's shape)."""

STREAM_RECORD = {
    "requestContext": {
        "requestId": "316aa6d0-8154-4e11-9af7-85d5f4a6bc81",
        "functionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:trading-system-dev-aggregator",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 6,
    },
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "version": "1.0",
    "timestamp": "2026-12-03T08:41:49.717Z",
    "DDBStreamBatchInfo": {
        "shardId": "shardId-00000001541626099285-f35f62ef",
        "startSequenceNumber": "1100000000017454423056",
        "endSequenceNumber": "1100000000017454423071",
        "approximateArrivalOfFirstRecord": "2026-12-03T08:41:19Z",
        "approximateArrivalOfLastRecord": "2026-12-03T08:41:19Z",
        "batchSize": 2,
        "streamArn": STREAM,
    },
}
STREAM_DEAD_LETTER = sqs_message(STREAM_RECORD)
"""Lambda's on-failure record of a stream batch: where the records are, not the records."""
