"""Queue policies: may a service send to a dead-letter queue for its source, as on AWS.

EventBridge sends an event its target could not take to the target's `DeadLetterConfig` queue, SNS a message
its subscription could not deliver to the subscription's `RedrivePolicy` queue, each as its service principal
(`events.amazonaws.com`, `sns.amazonaws.com`) for its source (`aws:SourceArn` the rule or the topic,
`aws:SourceAccount` its account). A service has no identity policy: the queue's resource policy (moto's
`Policy` attribute: `SetQueueAttributes`, `AWS::SQS::QueuePolicy`) must have a statement allowing that
principal `sqs:SendMessage` on the queue whose conditions that context satisfies, and none denying it (IAM's
decision: `localcloud.iam.permissions.service_decision`). Else the message is lost, as on AWS (EventBridge
counts it in `InvocationsFailedToBeSentToDlq`), and `dead_letter_allowed` logs one line. Judged only while IAM
is enforced (`localcloud.iam.hook.active()`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Final

from localcloud.iam import hook
from localcloud.iam.evaluator import Decision
from localcloud.iam.permissions import service_decision
from localcloud.iam.policy import PolicyError, Statement, compile_document
from localcloud.iam.sources import Source

logger = logging.getLogger("localcloud.iam")

SEND: Final = "sqs:SendMessage"


def _queue(queue_arn: str) -> Any:
    """moto's queue (None: no such queue, or not an SQS ARN)."""
    from moto.sqs.models import sqs_backends

    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        return None
    return sqs_backends[parts[4]][parts[3]].queues.get(parts[5])


def statements(policy: str | None) -> tuple[Statement, ...]:
    """A queue's policy compiled (once per distinct text); raises `PolicyError`, `UnsupportedCondition`."""
    return compile_document(policy, resource_policy=True) if policy else ()


def queue_refusal(queue_arn: str, service: str, source_arn: str, source_account: str | None) -> str | None:
    """Why the queue's policy does not let `service` send to it for `source_arn` (None: it does, or IAM is not
    enforced, or there is no such queue: the send then fails as it would without IAM)."""
    if hook.active() is None:
        return None
    queue = _queue(queue_arn)
    if queue is None:
        return None
    policy = queue.policy  # moto's JSON text, None when the queue has no statement
    if not policy:
        return f"the queue has no policy: nothing allows {service} {SEND}"
    try:
        compiled = statements(policy)
    except ValueError as error:  # PolicyError, UnsupportedCondition
        return f"the queue policy cannot be evaluated: {error}"
    decision = service_decision(compiled, SEND, queue_arn, service, source_arn, source_account)
    if decision is Decision.ALLOW:
        return None
    if decision is Decision.EXPLICIT_DENY:
        return f"a statement of the queue policy denies {service} {SEND} (source {source_arn})"
    return f"the queue policy does not allow {service} {SEND} for source {source_arn}"


def dead_letter_allowed(queue_arn: str, source: Source) -> bool:
    """True when `source`'s service may send to its dead-letter queue; a refusal is logged: the message is lost."""
    reason = queue_refusal(queue_arn, source.service, source.source_arn, source.source_account)
    if reason is None:
        return True
    logger.warning("localcloud IAM: not sent to its dead-letter queue: %s → %s: %s", source.what, queue_arn, reason)
    return False


def _queues(account: str) -> Iterator[Any]:
    from moto.sqs.models import sqs_backends

    for backend in list(sqs_backends[account].values()):
        yield from list(backend.queues.values())


def statement_count(account: str) -> int:
    """The statements of the account's queue policies; compiling them raises on what cannot be evaluated,
    naming the queue."""
    count = 0
    for queue in _queues(account):
        try:
            count += len(statements(queue.policy))
        except ValueError as error:
            raise PolicyError(f"the policy of queue {queue.queue_arn}: {error}") from error
    return count
