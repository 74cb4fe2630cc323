"""Turning enforcement on and off for a local cloud, and what `make run` says about it."""

from __future__ import annotations

from collections.abc import Iterable

from localcloud.iam import event_targets, hook, queue_policies, sources, state_machines, usage, versions
from localcloud.iam.enforcer import Enforcer
from localcloud.records import DeployError


def start() -> Enforcer:
    """Installs the hooks (once per process; after `localcloud.moto_patches.apply`) and enforces from now on;
    records what is allowed when `LOCALCLOUD_IAM_USAGE` is set (`localcloud.iam.usage`)."""
    versions.install()
    sources.install()
    state_machines.install()
    event_targets.install()
    usage.from_environment()
    enforcer = Enforcer()
    hook.activate(enforcer)
    return enforcer


def stop() -> None:
    hook.activate(None)


def configure(*, enforce: bool) -> Enforcer | None:
    """A local cloud's setting: enforcing (the default) or not (`--no-iam`, to debug)."""
    if enforce:
        return start()
    stop()
    return None


def announcement(enforcer: Enforcer | None, account: str, function_arns: Iterable[str]) -> str:
    """One line for the run log; compiling every policy here (roles', Lambda permissions', queues') stops the
    start (`DeployError`) on what cannot be evaluated (a condition operator, a permissions boundary), naming it."""
    if enforcer is None:
        return "localcloud: IAM NOT enforced (--no-iam): every request is allowed"
    try:
        roles, statements = enforcer.summary(account)
        permissions = enforcer.functions.statement_count(list(function_arns))
        queue_statements = queue_policies.statement_count(account)
    except ValueError as error:
        raise DeployError(f"IAM: {error}") from error
    return (
        f"localcloud: IAM enforced: {roles} roles, {statements} identity-policy statements, "
        f"{permissions} Lambda permission statements, {queue_statements} queue-policy statements "
        "(--no-iam turns it off)"
    )
