"""SQS: queues (the on-failure destinations and dead-letter queues) and their policies."""

import json
from typing import Any, Required, TypedDict

from localcloud.records import DeployedResource
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, flag_text, json_text, tag_map

QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedrivePolicy",
    "RedriveAllowPolicy",
)


class QueueProperties(TypedDict, total=False):
    QueueName: str
    Tags: Tags
    DelaySeconds: int
    MaximumMessageSize: int
    MessageRetentionPeriod: int
    ReceiveMessageWaitTimeSeconds: int
    VisibilityTimeout: int
    KmsMasterKeyId: str
    KmsDataKeyReusePeriodSeconds: int
    SqsManagedSseEnabled: bool
    FifoQueue: bool
    ContentBasedDeduplication: bool
    DeduplicationScope: str
    FifoThroughputLimit: str
    RedrivePolicy: dict[str, Any] | str
    RedriveAllowPolicy: dict[str, Any] | str


class Queue(ResourceProvider[QueueProperties]):
    TYPE = "AWS::SQS::Queue"
    SUMMARY = "CreateQueue with its attributes and tags"

    def create(self, request: ResourceRequest[QueueProperties]) -> DeployedResource:
        props = request.properties
        fifo = bool(props.get("FifoQueue", False))
        name = props.get("QueueName") or request.physical_name(max_length=75 if fifo else 80)
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        attributes = {}
        for key in QUEUE_ATTRIBUTES:
            value = props.get(key)
            if value is not None:
                attributes[key] = json.dumps(value) if isinstance(value, dict) else flag_text(value)
        call: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
        if props.get("Tags"):
            call["tags"] = tag_map(props.get("Tags"))
        url = request.client("sqs").create_queue(**call)["QueueUrl"]
        return request.resource(url, {"Arn": request.arn("sqs", name), "QueueName": name, "QueueUrl": url})


class QueuePolicyProperties(TypedDict, total=False):
    PolicyDocument: Required[dict[str, Any] | str]
    Queues: Required[list[str]]


class QueuePolicy(ResourceProvider[QueuePolicyProperties]):
    TYPE = "AWS::SQS::QueuePolicy"
    SUMMARY = "SetQueueAttributes Policy"

    def create(self, request: ResourceRequest[QueuePolicyProperties]) -> DeployedResource:
        sqs = request.client("sqs")
        document = json_text(request.properties["PolicyDocument"])
        for url in request.properties["Queues"]:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
        return request.resource(request.physical_name())


PROVIDERS = (Queue, QueuePolicy)
