"""One queue's messages, each handled once per run.

Messages are received with a visibility timeout that covers their replays (`VISIBILITY_SECONDS`). One that is
replayed is deleted. One that still fails stays invisible until the queue is done, so the run does not receive
it again, and is then made visible at once (ChangeMessageVisibility 0): it waits in its queue as before (its
receive count one higher). A listing (`keep`) handles every message that way. A message received again in the
same run (its visibility ran out during a long replay) is not handled twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from operations.redrive.discovery import DeadLetterQueue
from operations.redrive.invoke import Outcome
from operations.redrive.parked import Parked

VISIBILITY_SECONDS: Final = 960
"""Ten replays of a function at Lambda's longest timeout would not outlast it."""
BATCH: Final = 10


@dataclass(frozen=True)
class Handled:
    parked: Parked
    outcome: Outcome


@dataclass
class QueueRun:
    queue: DeadLetterQueue
    handled: list[Handled] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return len(self.handled)

    @property
    def replayed(self) -> int:
        return sum(1 for handled in self.handled if handled.outcome.replayed)

    @property
    def still_failing(self) -> int:
        return self.waiting - self.replayed


Handler = Callable[[dict[str, Any]], Handled]


def drain(
    sqs: Any,
    queue: DeadLetterQueue,
    handle: Handler,
    *,
    keep: bool = False,
    wait_seconds: int = 0,
    shown: Callable[[Handled], None] = lambda _: None,
) -> QueueRun:
    """Receives every message of the queue, hands each to `handle`, deletes those it replayed (none if `keep`)."""
    run = QueueRun(queue)
    held: dict[str, str] = {}  # message id → its latest receipt handle, made visible again at the end
    seen: set[str] = set()
    try:
        while True:
            messages = sqs.receive_message(
                QueueUrl=queue.url,
                MaxNumberOfMessages=BATCH,
                WaitTimeSeconds=wait_seconds,
                VisibilityTimeout=VISIBILITY_SECONDS,
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
            ).get("Messages", [])
            fresh = [message for message in messages if message["MessageId"] not in seen]
            for message in messages:
                if message["MessageId"] in held:
                    held[message["MessageId"]] = message["ReceiptHandle"]
            if not fresh:
                return run
            for message in fresh:
                seen.add(message["MessageId"])
                handled = handle(message)
                run.handled.append(handled)
                shown(handled)
                if handled.outcome.replayed and not keep:
                    sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
                else:
                    held[message["MessageId"]] = message["ReceiptHandle"]
    finally:
        release(sqs, queue.url, list(held.values()))


def release(sqs: Any, url: str, receipts: list[str]) -> None:
    """Makes the messages visible again now (a receipt that expired meanwhile is visible already)."""
    for start in range(0, len(receipts), BATCH):
        entries = [
            {"Id": str(index), "ReceiptHandle": receipt, "VisibilityTimeout": 0}
            for index, receipt in enumerate(receipts[start : start + BATCH])
        ]
        try:
            sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
        except (ClientError, BotoCoreError):
            continue  # they come back when their visibility timeout ends
