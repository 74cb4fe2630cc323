"""One grant removed, a scenario run, the grant put back: does the scenario fail, with a refusal naming it?

- `RemoveAction`: one action taken out of one statement of a role's inline policy (`iam.put_role_policy`
  through the AWS endpoint; a statement left without actions goes, a policy left without statements is
  deleted), and the document put back as it was.
- `RemovePermission`: one statement of a function's resource policy removed (`lambda.remove_permission`),
  and added back with its principal, source ARN and account (`lambda.add_permission`).

`observe(client, scenario)` runs a scenario as the runner and the tests need it: once the cloud is idle,
every function cold (`LambdaRuntime.cold_start`) and the Powertools parameter cache empty, so nothing a
warm function kept hides a refusal; with the `localcloud.iam` log (refusals: INFO for a request, WARNING for
a delivery) and the functions' errors (`localcloud.runtime`) captured, and what the policies allowed
recorded (`localcloud.iam.usage`). A scenario passes when it raised nothing and no function failed.

`judge(mutation, observed)`: CAUGHT when the scenario failed and a refusal names the removed action for that
role (or the invocation of that function by that principal); otherwise NOT CAUGHT with the reason: the
request was still allowed by another statement (the grant is redundant), refused but tolerated, not
requested at all, or the scenario failed for another reason.
"""

from __future__ import annotations

import json
import logging
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from localcloud.iam import usage
from localcloud.iam.patterns import arn_like
from localcloud.iam.usage import ActionUse, PermissionUse
from tests.e2e.conftest import Client
from tests.iam_mutations.grants import Aws, GrantAction, Grants, Permission
from tests.iam_mutations.scenarios import Scenario, new_run

IAM_LOGGER: Final = "localcloud.iam"
RUNTIME_LOGGER: Final = "localcloud.runtime"
_ASSUMED: Final = re.compile(r"User: arn:aws:sts::\d+:assumed-role/(?P<role>[^/]+)/\S+ is not authorized to perform: ")


def short_function(name: str) -> str:
    return re.sub(r"^trading-system-[a-z]+-", "", name)


def shorten(message: str) -> str:
    """A refusal as one readable line: the role named once, the account and region left out of ARNs."""
    message = message.removeprefix("localcloud IAM: ")
    message = _ASSUMED.sub(lambda m: f"{m['role'][:40]}… may not ", message)
    message = re.sub(r"arn:aws:([a-z0-9-]+):[a-z0-9-]*:\d*:", r"\1:", message)
    return re.sub(r"trading-system-[a-z]+-", "", message)


@dataclass
class Observed:
    scenario: str
    passed: bool
    error: str
    refusals: list[str]
    function_errors: list[str]
    actions: frozenset[ActionUse] = frozenset()
    permissions: frozenset[PermissionUse] = frozenset()
    seconds: float = 0.0


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.refusals: list[str] = []
        self.function_errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name == IAM_LOGGER and record.levelno >= logging.INFO:
            self.refusals.append(message)
        elif record.name == RUNTIME_LOGGER and "[ERROR]" in message:
            self.function_errors.append(message.split("\n", 1)[0])


@contextmanager
def _captured() -> Iterator[_Capture]:
    capture = _Capture()
    loggers = [logging.getLogger(IAM_LOGGER), logging.getLogger(RUNTIME_LOGGER)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(min(logger.getEffectiveLevel(), logging.INFO))
    try:
        yield capture
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(capture)
            logger.setLevel(level)


def settle(client: Client) -> None:
    """Idle, every function cold, the parameter cache empty."""
    from aws_lambda_powertools.utilities.parameters.base import clear_caches

    client.idle()
    client.cloud.runtime.cold_start()
    clear_caches()


def observe(client: Client, scenario: Scenario, capture: _Capture | None = None) -> Observed:
    """One run of the scenario. With `capture` (opened by `try_mutation` before the grant was removed), its
    refusals are every one since: a poller refused while the cloud settled logs it then, and only once."""
    if capture is None:
        with _captured() as own:
            return observe(client, scenario, own)
    settle(client)
    errors_before = len(capture.function_errors)
    started = time.monotonic()
    error = ""
    with usage.recording() as recorder:
        try:
            scenario.run(new_run(client))
        except Exception as raised:
            error = f"{type(raised).__name__}: {raised}"
        try:
            client.idle()
        except Exception as raised:
            error = error or f"did not settle: {raised}"
    function_errors = capture.function_errors[errors_before:]
    if not error and function_errors:
        error = f"a function failed: {function_errors[0]}"
    seconds = time.monotonic() - started
    return Observed(
        scenario.name, not error, error, list(capture.refusals), function_errors,
        recorder.actions(), recorder.permissions(), seconds,
    )  # fmt: skip


class Mutation(ABC):
    kind: str

    @property
    @abstractmethod
    def key(self) -> str: ...

    @property
    @abstractmethod
    def label(self) -> str:
        """The grant removed, for the table: who holds it and what."""

    @abstractmethod
    def apply(self, aws: Aws) -> None: ...

    @abstractmethod
    def restore(self, aws: Aws) -> None: ...

    @abstractmethod
    def named_in(self, message: str) -> bool:
        """The refusal names what was removed (the action for the role; the invocation of the function)."""

    @abstractmethod
    def exercised_by(self, observed: Observed) -> bool:
        """The run made a request this grant allows."""

    @abstractmethod
    def still_allowed(self, observed: Observed, grants: Grants) -> list[str]:
        """What else allowed the requests this grant covers, in a run made without it."""


@dataclass
class RemoveAction(Mutation):
    grant: GrantAction
    holder: str  # who assumes the role (for the label)
    _original: Any = field(default=None, repr=False)
    kind: str = "grant"

    @property
    def key(self) -> str:
        return self.grant.key

    @property
    def label(self) -> str:
        resources = ", ".join(shorten(resource) for resource in self.grant.statement.resources)
        return f"{self.holder}: {self.grant.action} on {resources} [statement {self.grant.statement.index}]"

    def apply(self, aws: Aws) -> None:
        iam, statement = aws("iam"), self.grant.statement
        document = iam.get_role_policy(RoleName=statement.role_name, PolicyName=statement.policy)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        self._original = json.dumps(document)
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        target = statements[statement.index]
        actions = target["Action"] if isinstance(target["Action"], list) else [target["Action"]]
        if self.grant.action not in actions:
            raise RuntimeError(f"{self.key}: the statement no longer grants {self.grant.action}: {target}")
        kept = [action for action in actions if action != self.grant.action]
        if kept:
            statements[statement.index] = {**target, "Action": kept}
        else:
            del statements[statement.index]
        if statements:
            iam.put_role_policy(
                RoleName=statement.role_name,
                PolicyName=statement.policy,
                PolicyDocument=json.dumps({**document, "Statement": statements}),
            )
        else:
            iam.delete_role_policy(RoleName=statement.role_name, PolicyName=statement.policy)

    def restore(self, aws: Aws) -> None:
        if self._original is None:
            return
        statement = self.grant.statement
        aws("iam").put_role_policy(
            RoleName=statement.role_name, PolicyName=statement.policy, PolicyDocument=self._original
        )
        self._original = None

    def named_in(self, message: str) -> bool:
        role = self.grant.statement.role_name
        return f"assumed-role/{role}/" in message and f"perform: {self.grant.action.lower()} on" in message.lower()

    def _covered(self, observed: Observed) -> list[ActionUse]:
        return [use for use in observed.actions if self.grant.covers(use)]

    def exercised_by(self, observed: Observed) -> bool:
        return bool(self._covered(observed))

    def still_allowed(self, observed: Observed, grants: Grants) -> list[str]:
        others = set()
        mutated = self.grant.statement
        for use in self._covered(observed):
            for statement in grants.role_statements(mutated.role_arn):
                if statement == mutated or statement.effect != "Allow":
                    continue
                for action in statement.actions:
                    if statement.covers(action, use):
                        others.add(f"{statement.where} ({action} on {', '.join(statement.resources)})")
        return sorted(others)


@dataclass
class RemovePermission(Mutation):
    permission: Permission
    kind: str = "permission"

    @property
    def key(self) -> str:
        return self.permission.key

    @property
    def label(self) -> str:
        permission = self.permission
        source = shorten(permission.source_arn or "any source")
        function = short_function(permission.function_name)
        return f"{function}: lambda:InvokeFunction by {permission.principal} for {source}"

    def apply(self, aws: Aws) -> None:
        aws("lambda").remove_permission(FunctionName=self.permission.function_name, StatementId=self.permission.sid)

    def restore(self, aws: Aws) -> None:
        permission = self.permission
        extra = {
            name: value
            for name, value in (("SourceArn", permission.source_arn), ("SourceAccount", permission.source_account))
            if value
        }
        aws("lambda").add_permission(
            FunctionName=permission.function_name,
            StatementId=permission.sid,
            Action="lambda:InvokeFunction",
            Principal=permission.principal,
            **extra,
        )

    def named_in(self, message: str) -> bool:
        permission = self.permission
        return (
            "lambda:InvokeFunction" in message
            and permission.function_arn in message
            and permission.principal in message
        )

    def _matches(self, use: PermissionUse) -> bool:
        permission = self.permission
        return (
            use.function_arn == permission.function_arn
            and use.principal == permission.principal
            and (permission.source_arn is None or arn_like(permission.source_arn)(use.source_arn))
        )

    def exercised_by(self, observed: Observed) -> bool:
        return any(self.permission.covers(use) for use in observed.permissions)

    def still_allowed(self, observed: Observed, grants: Grants) -> list[str]:
        return sorted({sid for use in observed.permissions if self._matches(use) for sid in use.statement_ids})


@dataclass
class Outcome:
    mutation: Mutation
    caught: bool
    scenario: str  # the scenario run (the last one tried), "" when none could be
    seen: str  # the refusal that names it (CAUGHT), else why it is not caught
    error: str = ""  # how the scenario failed
    seconds: float = 0.0


def judge(mutation: Mutation, observed: Observed, grants: Grants) -> Outcome:
    named = [message for message in observed.refusals if mutation.named_in(message)]
    seconds = observed.seconds
    if not observed.passed and named:
        return Outcome(mutation, True, observed.scenario, shorten(named[0]), observed.error, seconds)
    if not observed.passed:
        other = f"; refusals seen: {shorten(observed.refusals[0])}" if observed.refusals else ""
        reason = f"the scenario failed without a refusal naming it: {observed.error[:200]}{other}"
        return Outcome(mutation, False, observed.scenario, reason, observed.error, seconds)
    if named:
        reason = f"refused, yet the scenario passed (the refusal is tolerated): {shorten(named[0])}"
        return Outcome(mutation, False, observed.scenario, reason, "", seconds)
    others = mutation.still_allowed(observed, grants)
    if others:
        reason = f"still allowed without it, by {'; '.join(others)}"
        return Outcome(mutation, False, observed.scenario, reason, "", seconds)
    return Outcome(mutation, False, observed.scenario, "not requested when the scenario ran without it", "", seconds)


def try_mutation(
    client: Client, mutation: Mutation, scenarios: Sequence[Scenario], grants: Grants,
    *, on_observed: Callable[[Observed], None] | None = None,
) -> Outcome:  # fmt: skip
    """Removes the grant, runs the scenarios in turn until one catches it, puts the grant back."""
    outcome = Outcome(mutation, False, "", "no scenario exercises it")
    client.idle()
    with _captured() as capture:
        mutation.apply(client.aws)
        try:
            for scenario in scenarios:
                observed = observe(client, scenario, capture)
                if on_observed is not None:
                    on_observed(observed)
                outcome = judge(mutation, observed, grants)
                if outcome.caught:
                    break
        finally:
            mutation.restore(client.aws)
    return outcome
