"""A queue is drained once per run: what is replayed is deleted, what still fails is back in its queue, visible,
when the run ends, and nothing is handled twice in one run."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from operations.redrive.discovery import DeadLetterQueue
from operations.redrive.drain import VISIBILITY_SECONDS, Handled, drain
from operations.redrive.invoke import Outcome
from operations.redrive.parked import Unreadable
from tests.operations.fakes import FakeQueue

QUEUE = DeadLetterQueue(name="trading-system-dev-x-dlq", url="https://sqs/x", arn="arn:x", waiting=0, in_flight=0)


def replaying_even(handled: list[int]) -> Any:
    """A handler that replays even numbers and fails odd ones."""

    def handle(message: dict[str, Any]) -> Handled:
        number = json.loads(message["Body"])["n"]
        handled.append(number)
        return Handled(Unreadable(reason=str(number)), Outcome(number % 2 == 0, "ok" if number % 2 == 0 else "no"))

    return handle


def test_replayed_messages_are_deleted_and_failing_ones_are_visible_again_after_the_run() -> None:
    queue = FakeQueue()
    for number in range(23):
        queue.add(f"m{number}", {"n": number})
    handled: list[int] = []

    run = drain(queue, QUEUE, replaying_even(handled))

    assert sorted(handled) == list(range(23))  # each once, though the failing ones were in the queue all along
    assert (run.waiting, run.replayed, run.still_failing) == (23, 12, 11)
    assert sorted(json.loads(body)["n"] for body in queue.bodies.values()) == list(range(1, 23, 2))
    assert queue.hidden == set()  # visible again at once
    assert set(queue.timeouts) == {VISIBILITY_SECONDS}


def test_a_listing_keeps_every_message_and_makes_them_visible_again() -> None:
    queue = FakeQueue()
    for number in range(3):
        queue.add(f"m{number}", {"n": number})
    handled: list[int] = []

    run = drain(queue, QUEUE, replaying_even(handled), keep=True)

    assert run.waiting == 3 and len(queue.bodies) == 3 and queue.hidden == set()


def test_a_message_received_again_within_the_run_is_not_handled_twice() -> None:
    queue = FakeQueue()
    queue.add("m1", {"n": 1})
    queue.add("m3", {"n": 3})
    handled: list[int] = []

    def slow(message: dict[str, Any]) -> Handled:
        result = replaying_even(handled)(message)
        queue.expire()  # the visibility timeout ran out while this replay took long
        return result

    run = drain(queue, QUEUE, slow)

    assert handled == [1, 3] and run.still_failing == 2
    assert queue.hidden == set()  # released with the latest receipt handles


def test_a_handler_that_raises_still_gives_back_the_failing_messages_it_held() -> None:
    queue = FakeQueue()
    queue.add("m1", {"n": 1})
    queue.add("m2", {"n": 2})
    handled: list[int] = []

    def breaks_on_two(message: dict[str, Any]) -> Handled:
        if json.loads(message["Body"])["n"] == 2:
            raise KeyboardInterrupt
        return replaying_even(handled)(message)

    with contextlib.suppress(KeyboardInterrupt):
        drain(queue, QUEUE, breaks_on_two)
    assert queue.hidden == {"m2"}  # the message being replayed comes back when its timeout ends
    assert "m1" in queue.bodies and "m1" not in queue.hidden
