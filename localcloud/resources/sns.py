"""SNS: topics, their policies and (filtered) subscriptions."""

from typing import Any, Required, TypedDict

from localcloud.records import DeployedResource
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, flag_text, json_text, tags

TOPIC_ATTRIBUTES = (
    "DisplayName",
    "KmsMasterKeyId",
    "FifoTopic",
    "ContentBasedDeduplication",
    "TracingConfig",
    "SignatureVersion",
)


class TopicProperties(TypedDict, total=False):
    TopicName: str
    DisplayName: str
    KmsMasterKeyId: str
    FifoTopic: bool
    ContentBasedDeduplication: bool
    TracingConfig: str
    SignatureVersion: str
    Tags: Tags
    Subscription: list[dict[str, Any]]
    ArchivePolicy: dict[str, Any]  # no local equivalent
    DataProtectionPolicy: dict[str, Any]  # no local equivalent
    DeliveryStatusLogging: list[dict[str, Any]]  # no local equivalent


class Topic(ResourceProvider[TopicProperties]):
    TYPE = "AWS::SNS::Topic"
    SUMMARY = "CreateTopic with attributes, tags and inline subscriptions"

    def create(self, request: ResourceRequest[TopicProperties]) -> DeployedResource:
        props = request.properties
        sns = request.client("sns")
        fifo = bool(props.get("FifoTopic", False))
        name = props.get("TopicName") or request.physical_name(max_length=251 if fifo else 256)
        attributes = {}
        for key in TOPIC_ATTRIBUTES:
            value = props.get(key)
            if value is not None:
                attributes[key] = flag_text(value)
        call: dict[str, Any] = {"Name": name, "Attributes": attributes}
        if props.get("Tags"):
            call["Tags"] = tags(props.get("Tags"))
        arn = sns.create_topic(**call)["TopicArn"]
        for subscription in props.get("Subscription") or []:
            sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
        return request.resource(arn, {"TopicArn": arn, "TopicName": name})


class TopicPolicyProperties(TypedDict, total=False):
    PolicyDocument: Required[dict[str, Any] | str]
    Topics: Required[list[str]]


class TopicPolicy(ResourceProvider[TopicPolicyProperties]):
    TYPE = "AWS::SNS::TopicPolicy"
    SUMMARY = "SetTopicAttributes Policy"

    def create(self, request: ResourceRequest[TopicPolicyProperties]) -> DeployedResource:
        sns = request.client("sns")
        document = json_text(request.properties["PolicyDocument"])
        for topic in request.properties["Topics"]:
            sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=document)
        return request.resource(request.physical_name())


class SubscriptionProperties(TypedDict, total=False):
    TopicArn: Required[str]
    Protocol: Required[str]
    Endpoint: Required[str]
    FilterPolicy: dict[str, Any] | str
    RedrivePolicy: dict[str, Any] | str
    DeliveryPolicy: dict[str, Any] | str
    FilterPolicyScope: str
    RawMessageDelivery: bool
    SubscriptionRoleArn: str
    Region: str  # the topic's; one region locally


class Subscription(ResourceProvider[SubscriptionProperties]):
    TYPE = "AWS::SNS::Subscription"
    SUMMARY = "Subscribe with FilterPolicy, FilterPolicyScope, RedrivePolicy, RawMessageDelivery"

    def create(self, request: ResourceRequest[SubscriptionProperties]) -> DeployedResource:
        props = request.properties
        attributes = {}
        for key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
            value = props.get(key)
            if value is not None:
                attributes[key] = json_text(value)
        for key in ("FilterPolicyScope", "RawMessageDelivery", "SubscriptionRoleArn"):
            value = props.get(key)
            if value is not None:
                attributes[key] = flag_text(value)
        arn = request.client("sns").subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return request.resource(arn, {"Arn": arn})


PROVIDERS = (Topic, TopicPolicy, Subscription)
