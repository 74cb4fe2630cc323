"""Which service is delivering to a function right now, and for which source (rule, topic, bucket).

A context variable set around the local cloud's delivery points, so the runtime can ask the function's
resource policy (`localcloud.iam.permissions`) whether that principal may invoke it for that source:
EventBridge rules (moto's `Rule.send_to_targets`; the scheduler sets it itself), SNS subscriptions
(`Subscription.publish`), S3 notifications (`s3.notifications._invoke_awslambda`). `install()` wraps them
once, over whatever moto's class holds (the routing patches of `localcloud.moto_patches`, applied first).
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

_MARK: Final = "_localcloud_iam_source"
_lock = threading.Lock()


@dataclass(frozen=True)
class Source:
    service: str  # the principal: events.amazonaws.com, sns.amazonaws.com, s3.amazonaws.com, ...
    source_arn: str
    source_account: str
    what: str  # for the log line: "EventBridge rule <arn>"
    target_roles: tuple[tuple[str, str | None], ...] = ()  # an EventBridge rule's (target ARN, RoleArn)

    def role_for(self, target_arn: str) -> str | None:
        return next((role for arn, role in self.target_roles if arn == target_arn), None)


SOURCE: contextvars.ContextVar[Source | None] = contextvars.ContextVar("localcloud_iam_source", default=None)


@contextmanager
def delivering(source: Source) -> Iterator[None]:
    token = SOURCE.set(source)
    try:
        yield
    finally:
        SOURCE.reset(token)


def rule_source(rule: Any) -> Source:
    roles = tuple((str(target["Arn"]), target.get("RoleArn")) for target in rule.targets)
    return Source("events.amazonaws.com", str(rule.arn), str(rule.account_id), f"EventBridge rule {rule.arn}", roles)


def _wrap(owner: Any, name: str, source_of: Callable[..., Source | None]) -> None:
    current = getattr(owner, name)
    if getattr(current, _MARK, False):
        return

    @functools.wraps(current)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        source = source_of(*args, **kwargs)
        if source is None:
            return current(*args, **kwargs)
        with delivering(source):
            return current(*args, **kwargs)

    setattr(wrapper, _MARK, True)
    setattr(owner, name, wrapper)


def subscription_source(subscription: Any) -> Source:
    """SNS delivering for the subscription's topic (to its endpoint, or to its dead-letter queue)."""
    topic = str(subscription.topic.arn)
    return Source("sns.amazonaws.com", topic, str(subscription.account_id), f"SNS topic {topic}")


def _subscription_source(subscription: Any, *args: Any, **kwargs: Any) -> Source | None:
    return subscription_source(subscription) if subscription.protocol == "lambda" else None


def _s3_source(account_id: str, event_body: Any, *args: Any, **kwargs: Any) -> Source | None:
    records = event_body.get("Records") if isinstance(event_body, dict) else None
    bucket = ((records or [{}])[0].get("s3") or {}).get("bucket") or {}
    arn = bucket.get("arn") or (f"arn:aws:s3:::{bucket['name']}" if bucket.get("name") else None)
    return Source("s3.amazonaws.com", str(arn), str(account_id), f"S3 bucket {arn}") if arn else None


def install() -> None:
    import moto.s3.notifications as s3_notifications
    from moto.events.models import Rule
    from moto.sns.models import Subscription

    with _lock:
        _wrap(Rule, "send_to_targets", lambda rule, *args, **kwargs: rule_source(rule))
        _wrap(Subscription, "publish", _subscription_source)
        _wrap(s3_notifications, "_invoke_awslambda", _s3_source)
