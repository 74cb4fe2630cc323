"""Lambda resource policies: may a service principal invoke a function for a source (`AWS::Lambda::Permission`).

The statements are moto's (AddPermission's, with `Principal`, `SourceArn` as `ArnLike`, `SourceAccount` as
`StringEquals`), compiled once per state of the policy: its revision (AddPermission makes a new one) and the
statements it holds (RemovePermission removes one without a new revision), compared by identity.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from localcloud.iam import usage
from localcloud.iam.evaluator import Decision, evaluate
from localcloud.iam.policy import Statement, compile_document

INVOKE = "lambda:InvokeFunction"


def service_decision(
    statements: Iterable[Statement],
    action: str,
    resource: str,
    service: str,
    source_arn: str | None,
    source_account: str | None,
) -> Decision:
    """A resource policy's decision on a service principal acting for a source: the request comes over TLS,
    with `aws:SourceArn` and `aws:SourceAccount` (when known) in its context. Lambda permissions and queue
    policies (`localcloud.iam.queue_policies`) are judged by it."""
    return evaluate(statements, action, resource, service_context(source_arn, source_account), ("Service", service))


def service_context(source_arn: str | None, source_account: str | None) -> dict[str, str]:
    context = {"aws:securetransport": "true"}
    if source_arn:
        context["aws:sourcearn"] = source_arn
    if source_account:
        context["aws:sourceaccount"] = source_account
    return context


def _same(kept: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    return len(kept) == len(now) and all(a is b for a, b in zip(kept, now, strict=True))


class FunctionPolicies:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[str, tuple[str, tuple[Any, ...], tuple[Statement, ...]]] = {}

    def _statements(self, function: Any) -> tuple[Statement, ...]:
        policy = getattr(function, "policy", None)
        revision = str(getattr(policy, "revision", ""))
        raw = tuple(getattr(policy, "statements", []) or [])
        arn = str(function.function_arn)
        cached = self._compiled.get(arn)
        if cached is not None and cached[0] == revision and _same(cached[1], raw):
            return cached[2]
        # the raw statements are kept, so an identity compared later is never a freed object's
        compiled = (revision, raw, compile_document({"Statement": list(raw)}, resource_policy=True))
        with self._lock:
            self._compiled[arn] = compiled
        return compiled[2]

    def allows(self, function_arn: str, service: str, source_arn: str | None, source_account: str | None) -> bool:
        """True when a statement of the function's policy lets `service` invoke it for that source."""
        from moto.awslambda.models import lambda_backends

        parts = function_arn.split(":")
        try:
            function = lambda_backends[parts[4]][parts[3]].get_function(function_arn)
        except Exception:
            return False
        statements = self._statements(function)
        resource = str(function.function_arn)
        decision = service_decision(statements, INVOKE, resource, service, source_arn, source_account)
        recorder = usage.active()
        if recorder is not None and decision is Decision.ALLOW:
            context = service_context(source_arn, source_account)
            principal = ("Service", service)
            allowing = [s.sid for s in statements if not s.deny and s.applies(INVOKE, resource, context, principal)]
            recorder.invoked(resource, service, source_arn, allowing)
        return decision is Decision.ALLOW

    def statement_count(self, function_arns: list[str]) -> int:
        from moto.awslambda.models import lambda_backends

        count = 0
        for arn in function_arns:
            parts = arn.split(":")
            count += len(self._statements(lambda_backends[parts[4]][parts[3]].get_function(arn)))
        return count
