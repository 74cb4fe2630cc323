"""What a message of a dead-letter or on-failure queue is, read from its body and attributes (the shapes AWS
writes; tests/operations/recorded.py holds recorded ones):

- an EventBridge rule's event: the body is the event, the attributes `RULE_ARN`, `TARGET_ARN`, `ERROR_CODE`,
  `ERROR_MESSAGE` (and on AWS `EXHAUSTED_RETRY_CONDITION`, `RETRY_ATTEMPTS`);
- an SNS message a subscription could not deliver: the body is SNS's JSON envelope (`Type: Notification`,
  `MessageId`, `TopicArn`, `Message`, `MessageAttributes`, …), or the message itself for a raw subscription;
- an asynchronous invocation's record: `requestContext.functionArn`, `requestPayload`, `responsePayload`;
- a stream batch's failure record: `requestContext.functionArn` and `DDBStreamBatchInfo` (stream, shard, first
  and last sequence numbers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

RULE_ATTRIBUTES: Final = ("RULE_ARN", "TARGET_ARN", "ERROR_CODE", "ERROR_MESSAGE")


ERROR_SHOWN: Final = 100


def _short(arn: str) -> str:
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def _clipped(text: str) -> str:
    return text if len(text) <= ERROR_SHOWN else text[: ERROR_SHOWN - 1] + "…"


@dataclass(frozen=True, kw_only=True)
class RuleEvent:
    rule_arn: str
    target_arn: str
    error: str
    event: Any

    def describe(self) -> str:
        kind = self.event.get("detail-type") if isinstance(self.event, dict) else None
        event_id = self.event.get("id") if isinstance(self.event, dict) else None
        noun = kind if isinstance(kind, str) and kind.lower().endswith("event") else f"{kind} event"
        what = f"{noun} {event_id}" if kind else "event"
        return f"{what} of rule {_short(self.rule_arn)} for {_short(self.target_arn)} ({_clipped(self.error)})"


@dataclass(frozen=True, kw_only=True)
class SnsMessage:
    message_id: str
    topic_arn: str
    message: str
    subject: str | None = None
    timestamp: str = ""
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    """`{name: {"Type", "Value"}}`, as SNS gives them to Lambda."""
    envelope: dict[str, Any] = field(default_factory=dict)
    """The other fields of the envelope (signature, URLs), kept for the replayed record."""

    def describe(self) -> str:
        topic = f" of topic {_short(self.topic_arn)}" if self.topic_arn else ""
        return f"SNS message {self.message_id}{topic}"


@dataclass(frozen=True, kw_only=True)
class AsyncFailure:
    function_arn: str
    request_id: str
    condition: str
    payload: Any
    error: str

    def describe(self) -> str:
        failed = _clipped(f"{self.condition}: {self.error}" if self.condition else self.error)
        return f"invocation {self.request_id} of {_short(self.function_arn.removesuffix(':$LATEST'))} ({failed})"


@dataclass(frozen=True, kw_only=True)
class StreamBatch:
    function_arn: str
    stream_arn: str
    shard_id: str
    start: str
    end: str
    batch_size: int
    condition: str

    def describe(self) -> str:
        return (
            f"stream batch of {self.batch_size} for {_short(self.function_arn)}, shard {self.shard_id} "
            f"{self.start}..{self.end} ({self.condition})"
        )


@dataclass(frozen=True, kw_only=True)
class Unreadable:
    reason: str

    def describe(self) -> str:
        return f"unreadable: {self.reason}"


Parked = RuleEvent | SnsMessage | AsyncFailure | StreamBatch | Unreadable


def string_attributes(message: dict[str, Any]) -> dict[str, str]:
    """An SQS message's `MessageAttributes` as text (`StringValue`; binary ones are left out)."""
    return {
        name: str(value["StringValue"])
        for name, value in (message.get("MessageAttributes") or {}).items()
        if "StringValue" in value
    }


def parse(message: dict[str, Any]) -> Parked:
    """What the SQS message (as ReceiveMessage gives it, with `MessageAttributeNames=["All"]`) holds."""
    attributes = string_attributes(message)
    body = message.get("Body", "")
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if "RULE_ARN" in attributes and "TARGET_ARN" in attributes:
        return rule_event(attributes, document if document is not None else body)
    if not isinstance(document, dict):
        return Unreadable(reason="neither a rule's event, an SNS envelope nor a Lambda record")
    if isinstance(document.get("DDBStreamBatchInfo"), dict):
        return stream_batch(document)
    if isinstance(document.get("requestContext"), dict):
        return async_failure(document)
    if document.get("Type") == "Notification" and "TopicArn" in document and "Message" in document:
        return sns_envelope(document)
    return Unreadable(reason="a JSON object of no known shape")


def rule_event(attributes: dict[str, str], event: Any) -> RuleEvent:
    code, text = attributes.get("ERROR_CODE", "?"), attributes.get("ERROR_MESSAGE", "")
    return RuleEvent(
        rule_arn=attributes["RULE_ARN"],
        target_arn=attributes["TARGET_ARN"],
        error=f"{code}: {text}" if text else code,
        event=event,
    )


ENVELOPE_FIELDS: Final = ("MessageId", "TopicArn", "Message", "Subject", "Timestamp", "MessageAttributes", "Type")


def sns_envelope(document: dict[str, Any]) -> SnsMessage:
    return SnsMessage(
        message_id=str(document.get("MessageId", "")),
        topic_arn=str(document["TopicArn"]),
        message=str(document["Message"]),
        subject=document.get("Subject"),
        timestamp=str(document.get("Timestamp", "")),
        attributes={
            name: {"Type": str(value.get("Type", "String")), "Value": str(value.get("Value", ""))}
            for name, value in (document.get("MessageAttributes") or {}).items()
            if isinstance(value, dict)
        },
        envelope={key: value for key, value in document.items() if key not in ENVELOPE_FIELDS},
    )


def raw_sns_message(message: dict[str, Any], topic_arn: str) -> SnsMessage:
    """A raw subscription's undelivered message: the body is the message, its attributes the SQS ones."""
    return SnsMessage(
        message_id=str(message.get("MessageId", "")),
        topic_arn=topic_arn,
        message=str(message.get("Body", "")),
        attributes={
            name: {"Type": str(value.get("DataType", "String")), "Value": str(value["StringValue"])}
            for name, value in (message.get("MessageAttributes") or {}).items()
            if "StringValue" in value
        },
    )


def async_failure(document: dict[str, Any]) -> Parked:
    context = document["requestContext"]
    if not context.get("functionArn"):
        return Unreadable(reason="a Lambda record without requestContext.functionArn")
    if "requestPayload" not in document:
        return Unreadable(reason=f"the record of {context['functionArn']} holds no requestPayload")
    return AsyncFailure(
        function_arn=str(context["functionArn"]),
        request_id=str(context.get("requestId", "")),
        condition=str(context.get("condition", "")),
        payload=document["requestPayload"],
        error=error_of(document.get("responseContext") or {}, document.get("responsePayload")),
    )


def error_of(response_context: dict[str, Any], response: Any) -> str:
    """`errorType: errorMessage` of the function's answer, else what the response context says."""
    if isinstance(response, dict) and (response.get("errorType") or response.get("errorMessage")):
        return f"{response.get('errorType', 'Error')}: {response.get('errorMessage', '')}".rstrip(": ")
    return str(response_context.get("functionError") or f"status {response_context.get('statusCode', '?')}")


def stream_batch(document: dict[str, Any]) -> Parked:
    info = document["DDBStreamBatchInfo"]
    context = document.get("requestContext") or {}
    missing = [key for key in ("streamArn", "shardId", "startSequenceNumber", "endSequenceNumber") if not info.get(key)]
    if missing or not context.get("functionArn"):
        return Unreadable(reason=f"a stream failure record without {', '.join(missing) or 'functionArn'}")
    return StreamBatch(
        function_arn=str(context["functionArn"]),
        stream_arn=str(info["streamArn"]),
        shard_id=str(info["shardId"]),
        start=str(info["startSequenceNumber"]),
        end=str(info["endSequenceNumber"]),
        batch_size=int(info.get("batchSize") or 0),
        condition=str(context.get("condition", "")),
    )
