"""The identity-policy check of one request: the caller's role, the request's actions and resources, the
decision (memoized per role version, action, resource and region: the same request costs a dict lookup).

The caller's role is read from moto's Lambda state at each request (a function's `Role` as it is now: moto's
store of functions is found once per account and region, the function in it at each request), its
policies from moto's IAM (`localcloud.iam.roles`, compiled once per IAM version). Requests are also made in
a condition context: `aws:SecureTransport` is true (the SDKs use TLS), `aws:PrincipalArn`,
`aws:PrincipalAccount` and `aws:RequestedRegion` are the caller's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any, Final

from localcloud.iam import usage
from localcloud.iam.caller import Caller
from localcloud.iam.errors import Refusal
from localcloud.iam.evaluator import Decision, evaluate
from localcloud.iam.permissions import FunctionPolicies
from localcloud.iam.policy import PolicyError
from localcloud.iam.requests import Call, authorizations
from localcloud.iam.roles import RoleCache, all_role_arns, boundary_of, parse_role_arn

logger = logging.getLogger("localcloud.iam")

MEMO_LIMIT: Final = 100_000


class Enforcer:
    def __init__(self) -> None:
        self.roles = RoleCache()
        self.functions = FunctionPolicies()  # the functions' resource policies (Lambda permissions)
        self._memo: dict[tuple[str, int, str, str, str], Decision] = {}
        self._stores: dict[tuple[str, str], Any] = {}  # (account, region) → moto's functions by name
        self._lock = threading.Lock()

    def role_of(self, caller: Caller) -> str | None:
        if caller.role_arn is not None:
            return caller.role_arn
        if caller.function_arn is None:
            return None
        function = self._function(caller.function_arn)
        return None if function is None else str(function.role)

    def _function(self, arn: str) -> Any:
        """moto's function (its `Role` read at each request), found once per function and region's store."""
        parts = arn.split(":")
        key = (parts[4], parts[3])
        store = self._stores.get(key)
        if store is None:
            from moto.awslambda.models import lambda_backends

            store = self._stores[key] = lambda_backends[parts[4]][parts[3]]._lambdas._functions
        entry = store.get(parts[6])
        return None if entry is None else entry["latest"]  # None: registered with the runtime only

    def check(
        self, caller: Caller, prefix: str, operation: str, params: Mapping[str, Any], region: str
    ) -> Refusal | None:
        """None when every action of the request is allowed, else the first refusal."""
        role_arn = self.role_of(caller)
        if role_arn is None:
            return None
        partition, account, role_name = parse_role_arn(role_arn)
        principal = f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{caller.session}"
        call = Call(prefix, operation, params, region, account, partition)
        wanted = authorizations(call)
        if not wanted:
            return None
        try:
            policies = self.roles.policies(role_arn)
        except (PolicyError, ValueError) as error:
            first = wanted[0]
            return Refusal(principal, first.action, first.resource, Decision.IMPLICIT_DENY, reason=str(error))
        context = {
            "aws:securetransport": "true",
            "aws:principalarn": role_arn,
            "aws:principalaccount": account,
            "aws:requestedregion": region,
        }
        for action, resource in wanted:
            key = (role_arn, policies.version, action, resource, region)
            decision = self._memo.get(key)
            if decision is None:
                decision = evaluate(policies.statements, action, resource, context)
                with self._lock:
                    if len(self._memo) >= MEMO_LIMIT:
                        self._memo.clear()
                    self._memo[key] = decision
            if decision is not Decision.ALLOW:
                return Refusal(principal, action, resource, decision)
        recorder = usage.active()
        if recorder is not None:
            recorder.allowed(role_arn, wanted)
        return None

    def summary(self, account: str, partition: str = "aws") -> tuple[int, int]:
        """(roles, statements) the enforcer evaluates now; compiling them raises on what it cannot evaluate."""
        roles = all_role_arns(account, partition)
        statements = 0
        for arn in roles:
            if boundary_of(arn):
                raise PolicyError(f"role {arn} has a permissions boundary, which the local cloud does not evaluate")
            statements += len(self.roles.policies(arn).statements)
        return len(roles), statements
