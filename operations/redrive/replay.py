"""Which replayer takes a message: by what it is (`parked`), with what the queue's configuration says about
where it came from (`discovery`). A replay that raises counts as still failing, so one message never stops
the run."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from operations.redrive import async_failures, rule_events, sns_messages, stream_batches
from operations.redrive.discovery import DeadLetterQueue, RuleTarget, StreamMapping, Subscription
from operations.redrive.drain import Handled, Handler
from operations.redrive.invoke import Outcome, refusal, still_failing
from operations.redrive.parked import (
    AsyncFailure,
    Parked,
    RuleEvent,
    SnsMessage,
    StreamBatch,
    Unreadable,
    parse,
    raw_sns_message,
)
from operations.redrive.stage import Clients

LISTED = Outcome(False, "listed")


def read(message: dict[str, Any], queue: DeadLetterQueue) -> Parked:
    """The message parsed. A body of no known shape in the queue of one subscription is that subscription's
    message as it was published, its attributes the SQS message's (what a raw subscription parks)."""
    parked = parse(message)
    subscriptions = queue.sources_of(Subscription)
    if isinstance(parked, Unreadable) and len(subscriptions) == 1:
        return raw_sns_message(message, subscriptions[0].topic_arn)
    return parked


def replay(parked: Parked, queue: DeadLetterQueue, clients: Clients, region: str) -> Outcome:
    if isinstance(parked, RuleEvent):
        return rule_events.replay(parked, queue.sources_of(RuleTarget), clients)
    if isinstance(parked, SnsMessage):
        return sns_messages.replay(parked, queue.sources_of(Subscription), clients)
    if isinstance(parked, AsyncFailure):
        return async_failures.replay(parked, clients)
    if isinstance(parked, StreamBatch):
        return stream_batches.replay(parked, queue.sources_of(StreamMapping), clients, region)
    return still_failing(f"not replayed: {parked.reason}")


def handler(queue: DeadLetterQueue, clients: Clients, region: str, *, listing: bool) -> Handler:
    def handle(message: dict[str, Any]) -> Handled:
        parked = read(message, queue)
        if listing:
            return Handled(parked, LISTED)
        try:
            outcome = replay(parked, queue, clients, region)
        except (ClientError, BotoCoreError) as error:
            outcome = still_failing(f"replay failed: {refusal(error)}")
        except Exception as error:  # a message of a shape nobody foresaw: counted, the run goes on
            outcome = still_failing(f"replay failed: {type(error).__name__}: {error}")
        return Handled(parked, outcome)

    return handle
