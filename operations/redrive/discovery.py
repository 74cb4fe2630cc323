"""The stage's queues (every queue named with its prefix is a dead-letter or on-failure queue) and what sends to
each, read from the services' own configuration:

- EventBridge: the targets of the stage's rules (on its buses and the default bus) with a `DeadLetterConfig`;
- SNS: the subscriptions of the stage's topics with a `RedrivePolicy`;
- Lambda: the stage's functions' asynchronous invocation configs with an `OnFailure` destination, and the
  event source mappings with one.

The local cloud keeps its stream mappings out of moto's Lambda, so there the stream's queue has no known
source; its messages still say what they are (`parked`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from operations.redrive.stage import Clients, Stage

DEFAULT_BUS: Final = "default"


@dataclass(frozen=True, kw_only=True)
class RuleTarget:
    """A rule's target whose undeliverable events go to the queue."""

    rule_arn: str
    rule_name: str
    bus_name: str
    target_id: str
    target_arn: str
    input: str | None = None
    input_path: str | None = None
    input_transformer: bool = False

    def describe(self) -> str:
        return f"rule {self.rule_name} → {self.target_arn.rsplit(':', 1)[-1]}"


@dataclass(frozen=True, kw_only=True)
class Subscription:
    """An SNS subscription whose undeliverable messages go to the queue."""

    arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    raw: bool = False

    def describe(self) -> str:
        return f"subscription of {self.endpoint.rsplit(':', 1)[-1]} to {self.topic_arn.rsplit(':', 1)[-1]}"


@dataclass(frozen=True, kw_only=True)
class AsyncDestination:
    """A function whose failed asynchronous invocations are recorded in the queue."""

    function_arn: str

    def describe(self) -> str:
        return f"on-failure of {self.function_arn.rsplit(':', 1)[-1]}"


@dataclass(frozen=True, kw_only=True)
class StreamMapping:
    """An event source mapping whose skipped batches are recorded in the queue."""

    uuid: str
    function_arn: str
    source_arn: str
    filters: tuple[str, ...] = ()
    """The `FilterCriteria` patterns, as JSON text."""
    batch_size: int = 100

    def describe(self) -> str:
        return f"stream mapping of {self.function_arn.rsplit(':', 1)[-1]}"


Source = RuleTarget | Subscription | AsyncDestination | StreamMapping

KINDS: Final[dict[type, str]] = {
    RuleTarget: "EventBridge rule",
    Subscription: "SNS subscription",
    AsyncDestination: "Lambda on-failure",
    StreamMapping: "stream on-failure",
}


@dataclass(frozen=True, kw_only=True)
class DeadLetterQueue:
    name: str
    url: str
    arn: str
    waiting: int
    """`ApproximateNumberOfMessages` when discovered."""
    in_flight: int
    sources: tuple[Source, ...] = field(default=())

    @property
    def kind(self) -> str:
        kinds = sorted({KINDS[type(source)] for source in self.sources})
        return " + ".join(kinds) if kinds else "nothing listed sends to it"

    def sources_of(self, kind: type) -> list[Any]:
        return [source for source in self.sources if isinstance(source, kind)]


def discover(clients: Clients, stage: Stage, selected: tuple[str, ...] = ()) -> list[DeadLetterQueue]:
    """The stage's queues, sorted by name; with `selected`, only those whose name contains one of them."""
    queues = [
        queue
        for queue in _queues(clients.sqs, stage.prefix)
        if not selected or any(part in queue[0] for part in selected)
    ]
    if not queues:
        return []
    sources: dict[str, list[Source]] = {}
    for arn, source in _sources(clients, stage.prefix):
        sources.setdefault(arn, []).append(source)
    found = []
    for name, url in queues:
        attributes = clients.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        arn = attributes["QueueArn"]
        found.append(
            DeadLetterQueue(
                name=name,
                url=url,
                arn=arn,
                waiting=int(attributes.get("ApproximateNumberOfMessages", 0)),
                in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                sources=tuple(sources.get(arn, ())),
            )
        )
    return sorted(found, key=lambda queue: queue.name)


def _queues(sqs: Any, prefix: str) -> Iterator[tuple[str, str]]:
    for page in _pages(sqs.list_queues, "NextToken", QueueNamePrefix=prefix, MaxResults=1000):
        for url in page.get("QueueUrls", []):
            yield url.rsplit("/", 1)[-1], url


def _sources(clients: Clients, prefix: str) -> Iterator[tuple[str, Source]]:
    """(queue ARN, what sends to it) for every configured dead-letter or on-failure destination."""
    yield from _rule_targets(clients.events, prefix)
    yield from _subscriptions(clients.sns, prefix)
    functions = list(_functions(clients.lambda_, prefix))
    yield from _async_destinations(clients.lambda_, functions)
    yield from _stream_mappings(clients.lambda_, set(functions))


def _rule_targets(events: Any, prefix: str) -> Iterator[tuple[str, RuleTarget]]:
    buses = [DEFAULT_BUS]
    for page in _pages(events.list_event_buses, "NextToken", NamePrefix=prefix):
        buses.extend(bus["Name"] for bus in page.get("EventBuses", []) if bus["Name"] != DEFAULT_BUS)
    for bus in buses:
        for page in _pages(events.list_rules, "NextToken", EventBusName=bus, NamePrefix=prefix):
            for rule in page.get("Rules", []):
                for target_page in _pages(
                    events.list_targets_by_rule, "NextToken", Rule=rule["Name"], EventBusName=bus
                ):
                    for target in target_page.get("Targets", []):
                        queue = (target.get("DeadLetterConfig") or {}).get("Arn")
                        if queue:
                            yield queue, rule_target(rule, bus, target)


def rule_target(rule: dict[str, Any], bus: str, target: dict[str, Any]) -> RuleTarget:
    return RuleTarget(
        rule_arn=rule["Arn"],
        rule_name=rule["Name"],
        bus_name=bus,
        target_id=target["Id"],
        target_arn=target["Arn"],
        input=target.get("Input"),
        input_path=target.get("InputPath"),
        input_transformer=bool(target.get("InputTransformer")),
    )


def _subscriptions(sns: Any, prefix: str) -> Iterator[tuple[str, Subscription]]:
    for page in _pages(sns.list_topics, "NextToken"):
        for topic in page.get("Topics", []):
            topic_arn = topic["TopicArn"]
            if not topic_arn.rsplit(":", 1)[-1].startswith(prefix):
                continue
            for sub_page in _pages(sns.list_subscriptions_by_topic, "NextToken", TopicArn=topic_arn):
                for listed in sub_page.get("Subscriptions", []):
                    arn = listed["SubscriptionArn"]
                    if not arn.startswith("arn:"):  # PendingConfirmation
                        continue
                    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
                    redrive = attributes.get("RedrivePolicy")
                    queue = json.loads(redrive).get("deadLetterTargetArn") if redrive else None
                    if queue:
                        yield (
                            queue,
                            Subscription(
                                arn=arn,
                                topic_arn=topic_arn,
                                protocol=listed["Protocol"],
                                endpoint=listed["Endpoint"],
                                raw=attributes.get("RawMessageDelivery") == "true",
                            ),
                        )


def _functions(lambda_: Any, prefix: str) -> Iterator[str]:
    for page in _pages(lambda_.list_functions, "Marker", marker_out="NextMarker"):
        for function in page.get("Functions", []):
            if function["FunctionName"].startswith(prefix):
                yield function["FunctionArn"]


def _async_destinations(lambda_: Any, functions: list[str]) -> Iterator[tuple[str, AsyncDestination]]:
    for function_arn in functions:
        listed = lambda_.list_function_event_invoke_configs(FunctionName=function_arn)
        for config in listed.get("FunctionEventInvokeConfigs", []):
            queue = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            if queue:
                yield queue, AsyncDestination(function_arn=unqualified(function_arn))


def _stream_mappings(lambda_: Any, functions: set[str]) -> Iterator[tuple[str, StreamMapping]]:
    for page in _pages(lambda_.list_event_source_mappings, "Marker", marker_out="NextMarker"):
        for mapping in page.get("EventSourceMappings", []):
            function_arn = unqualified(mapping.get("FunctionArn", ""))
            queue = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            if queue and function_arn in functions:
                yield queue, stream_mapping(mapping)


def stream_mapping(mapping: dict[str, Any]) -> StreamMapping:
    filters = (mapping.get("FilterCriteria") or {}).get("Filters") or []
    return StreamMapping(
        uuid=mapping["UUID"],
        function_arn=unqualified(mapping["FunctionArn"]),
        source_arn=mapping.get("EventSourceArn", ""),
        filters=tuple(entry["Pattern"] for entry in filters if entry.get("Pattern")),
        batch_size=int(mapping.get("BatchSize") or 100),
    )


def unqualified(function_arn: str) -> str:
    """`arn:aws:lambda:<region>:<account>:function:<name>` without a version or alias."""
    parts = function_arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else function_arn


def _pages(call: Any, token: str, *, marker_out: str | None = None, **arguments: Any) -> Iterator[dict[str, Any]]:
    """Every page of a list call whose continuation is `token` in the request (and `marker_out`, else `token`,
    in the response)."""
    while True:
        page = call(**arguments)
        yield page
        following = page.get(marker_out or token)
        if not following:
            return
        arguments[token] = following
