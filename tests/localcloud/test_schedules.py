"""EventBridge schedules in the local cloud: rate expressions, the Scheduled Event, the timer thread,
its stop, `fire`, and delivery through the patched rule (targets, input, only the schedule's events)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud.delivery.schedules import Scheduler, UnsupportedSchedule, period_seconds, scheduled_event
from tests.localcloud.fixtures import sink
from tests.localcloud.support import ACCOUNT, REGION, Cloud, function_arn, local_cloud

AT = dt.datetime(2026, 3, 2, 14, 30, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
        ("rate(3 days)", 259200),
    ],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert period_seconds(expression) == seconds


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("cron(0 12 * * ? *)", "cron schedules are not supported"),
        ("rate(1 minutes)", "singular unit for 1"),
        ("rate(5 minute)", "singular unit for 1"),
        ("rate(0 minutes)", "positive whole number"),
        ("rate(1 week)", r"is not rate\("),
        ("every minute", r"is not rate\("),
    ],
)
def test_unsupported_expressions_are_refused_saying_why(expression: str, says: str) -> None:
    with pytest.raises(UnsupportedSchedule, match=says):
        period_seconds(expression)


def test_the_scheduled_event_is_eventbridge_s() -> None:
    event = scheduled_event(account=ACCOUNT, region=REGION, rule_arn="arn:rule", at=AT)
    assert {key: value for key, value in event.items() if key != "id"} == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-03-02T14:30:05Z",
        "region": REGION,
        "resources": ["arn:rule"],
        "detail": {},
    }


class FakeRule:
    def __init__(self, name: str) -> None:
        self.name = name
        self.arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"


def test_the_timer_fires_each_rule_every_period_and_stops_on_close() -> None:
    clock = [1000.0]
    delivered: list[tuple[str, dict[str, Any]]] = []
    fired = threading.Event()

    def deliver(rule: Any, event: dict[str, Any]) -> None:
        delivered.append((rule.name, event))
        fired.set()

    scheduler = Scheduler(
        monotonic=lambda: clock[0],
        wall_clock=lambda: AT,
        deliver=deliver,
        find_rule=lambda account, region, name: FakeRule(name),
    )
    scheduler.add(name="every-minute", account=ACCOUNT, region=REGION, expression="rate(1 minute)")
    time.sleep(0.05)
    assert delivered == []  # the first event is one period after the rule was added

    clock[0] += 60
    scheduler._wake.set()
    assert fired.wait(5)
    scheduler.close()
    assert [name for name, _ in delivered] == ["every-minute"]
    assert delivered[0][1]["resources"] == [FakeRule("every-minute").arn]
    assert scheduler.fired == {"every-minute": 1}
    with pytest.raises(RuntimeError, match="closed"):
        scheduler.add(name="late", account=ACCOUNT, region=REGION, expression="rate(1 minute)")


def test_fire_delivers_at_once_and_names_unknown_rules() -> None:
    delivered: list[str] = []
    scheduler = Scheduler(
        deliver=lambda rule, event: delivered.append(rule.name), find_rule=lambda a, r, n: FakeRule(n)
    )
    scheduler.add(name="book", account=ACCOUNT, region=REGION, expression="rate(1 hour)")
    scheduler.fire("book")
    assert delivered == ["book"]
    with pytest.raises(KeyError, match="no scheduled rule other"):
        scheduler.fire("other")
    scheduler.close()


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def test_a_scheduled_rule_reaches_its_target_only_with_its_schedule(cloud: Cloud) -> None:
    """Through the patched rule: the whole Scheduled Event (or its `$.detail`) to each target; an event
    put on the default bus does not reach a rule that has only a schedule."""
    cloud.function("whole")
    cloud.function("detail")
    events = cloud.client("events")
    arn = events.put_rule(Name="book", ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(
        Rule="book",
        Targets=[
            {"Id": "1", "Arn": function_arn("whole")},
            {"Id": "2", "Arn": function_arn("detail"), "InputPath": "$.detail"},
        ],
    )
    scheduler = Scheduler(cloud.runtime)
    scheduler.add(name="book", account=ACCOUNT, region=REGION, expression="rate(1 minute)")
    entry = {"Source": "someone", "DetailType": "Other", "Detail": json.dumps({"x": 1})}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    cloud.runtime.wait_idle(10)
    assert sink.calls("whole") == []

    scheduler.fire("book")
    cloud.runtime.wait_idle(10)

    (whole,) = sink.calls("whole")
    assert (whole["source"], whole["detail-type"], whole["resources"], whole["detail"]) == (
        "aws.events",
        "Scheduled Event",
        [arn],
        {},
    )
    assert sink.calls("detail") == [{}]
    events.disable_rule(Name="book")
    scheduler.fire("book")
    cloud.runtime.wait_idle(10)
    assert len(sink.calls("whole")) == 1  # a disabled rule delivers nothing


def test_the_runtime_closes_the_scheduler(cloud: Cloud) -> None:
    scheduler = Scheduler(cloud.runtime)
    scheduler.add(name="book", account=ACCOUNT, region=REGION, expression="rate(1 minute)")
    thread = scheduler._thread
    assert thread is not None and thread.is_alive()
    cloud.runtime.close()
    thread.join(5)
    assert not thread.is_alive()
