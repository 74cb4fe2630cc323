"""Turning enforcement on and off for a local cloud, and what `make run` says about it."""

from __future__ import annotations

from collections.abc import Iterable

from localcloud.iam import event_targets, hook, sources, state_machines, versions
from localcloud.iam.enforcer import Enforcer


def start() -> Enforcer:
    """Installs the hooks (once per process; after `localcloud.moto_patches.apply`) and enforces from now on."""
    versions.install()
    sources.install()
    state_machines.install()
    event_targets.install()
    enforcer = Enforcer()
    hook.activate(enforcer)
    return enforcer


def stop() -> None:
    hook.activate(None)


def announcement(enforcer: Enforcer, account: str, function_arns: Iterable[str]) -> str:
    """One line for the run log; compiling every policy here raises on what cannot be evaluated."""
    roles, statements = enforcer.summary(account)
    permissions = enforcer.functions.statement_count(list(function_arns))
    return (
        f"localcloud: IAM enforced: {roles} roles, {statements} identity-policy statements, "
        f"{permissions} Lambda permission statements (--no-iam turns it off)"
    )
