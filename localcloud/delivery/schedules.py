"""EventBridge schedules: rules with a `ScheduleExpression` fire while the local cloud runs.

Interface:

    scheduler = Scheduler(runtime)                     # closed with the runtime
    scheduler.add(name=..., account=..., region=..., expression="rate(1 minute)")
    scheduler.fire(name)                               # at once (tests, `python -m localcloud` users)

Each rule's first event is one period after it was added, then every period, on one timer thread
(daemon, started with the first rule, stopped by `close()`). An event is EventBridge's Scheduled
Event (`source: aws.events`, `detail-type: Scheduled Event`, `detail: {}`, `resources: [rule arn]`)
delivered to the rule's targets by `moto_patches.events.deliver_scheduled` (so input paths, retries
and dead-letter queues apply as for any rule). `rate(N minute|minutes|hour|hours|day|days)` is
supported (singular for 1, plural otherwise, as EventBridge requires); `cron(...)` is refused when the
rule is deployed, naming the rule: the local cloud has no cron calendar.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from localcloud.iam.sources import delivering, rule_source

logger = logging.getLogger("localcloud.schedules")

_RATE: Final = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS: Final = {"minute": 60, "hour": 3600, "day": 86400}


class UnsupportedSchedule(ValueError):
    """A schedule expression the local cloud cannot run (the message says why)."""


def period_seconds(expression: str) -> float:
    """The period of a `rate(...)` expression, in seconds."""
    text = expression.strip()
    if text.startswith("cron("):
        raise UnsupportedSchedule(f"{expression!r}: cron schedules are not supported by the local cloud; use rate(...)")
    match = _RATE.match(text)
    if not match:
        raise UnsupportedSchedule(f"{expression!r} is not rate(N minute|minutes|hour|hours|day|days)")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise UnsupportedSchedule(f"{expression!r}: the rate must be a positive whole number")
    if (value == 1) != (not unit.endswith("s")):
        raise UnsupportedSchedule(f"{expression!r}: EventBridge wants the singular unit for 1, the plural otherwise")
    return float(value * _UNIT_SECONDS[unit.rstrip("s")])


def scheduled_event(*, account: str, region: str, rule_arn: str, at: dt.datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


@dataclass
class _Schedule:
    name: str
    account: str
    region: str
    period: float
    due: float


def _moto_rule(account: str, region: str, name: str) -> Any:
    from moto.events.models import events_backends

    return events_backends[account][region].describe_rule(name, None)


def _deliver(rule: Any, event: dict[str, Any]) -> None:
    """As the rule delivers (`localcloud.iam` checks its targets' Lambda permissions for the rule)."""
    from localcloud.moto_patches.events import deliver_scheduled

    with delivering(rule_source(rule)):
        deliver_scheduled(rule, event)


class Scheduler:
    """The schedules of the default event bus (the only bus EventBridge allows them on)."""

    def __init__(
        self,
        runtime: Any = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        deliver: Callable[[Any, dict[str, Any]], None] = _deliver,
        find_rule: Callable[[str, str, str], Any] = _moto_rule,
    ) -> None:
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._deliver = deliver
        self._find_rule = find_rule
        self._schedules: dict[str, _Schedule] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.fired: dict[str, int] = {}
        if runtime is not None and hasattr(runtime, "add_closer"):
            runtime.add_closer(self.close)

    @property
    def names(self) -> list[str]:
        return sorted(self._schedules)

    def add(self, *, name: str, account: str, region: str, expression: str) -> None:
        """Schedules the rule `name` (raises `UnsupportedSchedule` for what it cannot run)."""
        period = period_seconds(expression)
        with self._lock:
            if self._closed:
                raise RuntimeError("the scheduler is closed")
            self._schedules[name] = _Schedule(name, account, region, period, self._monotonic() + period)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="localcloud-schedules", daemon=True)
                self._thread.start()
        self._wake.set()

    def fire(self, name: str) -> None:
        """Delivers the rule's Scheduled Event now (its timer is not moved)."""
        schedule = self._schedules.get(name)
        if schedule is None:
            raise KeyError(f"no scheduled rule {name} (scheduled: {', '.join(self.names) or 'none'})")
        self._fire(schedule)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)

    def _fire(self, schedule: _Schedule) -> None:
        try:
            rule = self._find_rule(schedule.account, schedule.region, schedule.name)
            event = scheduled_event(
                account=schedule.account, region=schedule.region, rule_arn=rule.arn, at=self._wall_clock()
            )
            self._deliver(rule, event)
            self.fired[schedule.name] = self.fired.get(schedule.name, 0) + 1
        except Exception:
            logger.exception("scheduled rule %s: could not deliver its event", schedule.name)

    def _run(self) -> None:
        while True:
            self._wake.clear()  # before reading the schedules: an `add` after this wakes the wait below
            with self._lock:
                if self._closed:
                    return
                now = self._monotonic()
                due = [s for s in self._schedules.values() if s.due <= now]
                for schedule in due:
                    schedule.due = now + schedule.period
                wait = min((s.due for s in self._schedules.values()), default=now + 60.0) - now
            for schedule in due:
                self._fire(schedule)
            self._wake.wait(timeout=max(wait, 0.0))
