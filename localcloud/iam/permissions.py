"""Lambda resource policies: may a service principal invoke a function for a source (`AWS::Lambda::Permission`).

The statements are moto's (AddPermission's, with `Principal`, `SourceArn` as `ArnLike`, `SourceAccount` as
`StringEquals`), compiled once per policy revision (every AddPermission/RemovePermission makes a new one).
"""

from __future__ import annotations

import threading
from typing import Any

from localcloud.iam.evaluator import Decision, evaluate
from localcloud.iam.policy import Statement, compile_document


class FunctionPolicies:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[str, tuple[str, tuple[Statement, ...]]] = {}

    def _statements(self, function: Any) -> tuple[str, tuple[Statement, ...]]:
        policy = getattr(function, "policy", None)
        revision = str(getattr(policy, "revision", ""))
        arn = str(function.function_arn)
        cached = self._compiled.get(arn)
        if cached is not None and cached[0] == revision:
            return cached
        raw = list(getattr(policy, "statements", []) or [])
        compiled = (revision, compile_document({"Statement": raw}, resource_policy=True))
        with self._lock:
            self._compiled[arn] = compiled
        return compiled

    def allows(self, function_arn: str, service: str, source_arn: str | None, source_account: str | None) -> bool:
        """True when a statement of the function's policy lets `service` invoke it for that source."""
        from moto.awslambda.models import lambda_backends

        parts = function_arn.split(":")
        try:
            function = lambda_backends[parts[4]][parts[3]].get_function(function_arn)
        except Exception:
            return False
        _, statements = self._statements(function)
        context = {"aws:securetransport": "true"}
        if source_arn:
            context["aws:sourcearn"] = source_arn
        if source_account:
            context["aws:sourceaccount"] = source_account
        resource = str(function.function_arn)
        decision = evaluate(statements, "lambda:InvokeFunction", resource, context, ("Service", service))
        return decision is Decision.ALLOW

    def statement_count(self, function_arns: list[str]) -> int:
        from moto.awslambda.models import lambda_backends

        count = 0
        for arn in function_arns:
            parts = arn.split(":")
            count += len(self._statements(lambda_backends[parts[4]][parts[3]].get_function(arn))[1])
        return count
