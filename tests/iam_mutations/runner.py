"""The mutation suite: every grant a scenario exercises and every Lambda permission, removed one at a time.

1. Each scenario runs once unchanged (its baseline): it must pass, and what the policies allowed while it ran
   (`localcloud.iam.usage`) says which scenarios exercise which grant.
2. The mutations: one per action of each Allow statement of the roles' inline policies that a baseline
   exercised, and one per Lambda permission. Grants no baseline exercises are not mutated (removing one
   changes nothing a scenario does): they are listed, and `make iam-unused` reports them per role. So are
   the AWS-managed policies (they cannot be edited) and the logs:/xray: actions (never requested locally).
3. Each mutation runs the scenarios that exercise it, fastest first, until one catches it (`mutations.judge`).
4. Afterwards every scenario a mutation ran runs again unchanged, and passes: each grant was put back.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from tests.e2e.conftest import Client
from tests.iam_mutations.grants import GrantAction, Grants, not_emulated, read
from tests.iam_mutations.mutations import (
    Mutation,
    Observed,
    Outcome,
    RemoveAction,
    RemovePermission,
    observe,
    short_function,
    shorten,
    try_mutation,
)
from tests.iam_mutations.scenarios import SCENARIOS, Scenario


def holder(grants: Grants, role_arn: str) -> str:
    """Who assumes the role, shortly: the function, state machine, rule target or API integration."""
    users = grants.users.get(role_arn, [])
    if not users:
        return role_arn.rsplit("/", 1)[-1]
    kind, _, name = users[0].partition(" ")
    return short_function(name) if kind == "function" else short_function(users[0])


@dataclass
class Plan:
    mutations: list[tuple[Mutation, list[Scenario]]] = field(default_factory=list)
    unexercised: list[GrantAction] = field(default_factory=list)  # granted, requested by no scenario
    not_emulated: list[GrantAction] = field(default_factory=list)  # logs:, xray:
    managed: list[GrantAction] = field(default_factory=list)  # in AWS-managed policies: not editable


def plan(grants: Grants, baselines: dict[str, Observed]) -> Plan:
    fastest = sorted(baselines.values(), key=lambda observed: observed.seconds)

    def exercising(mutation: Mutation) -> list[Scenario]:
        return [SCENARIOS[observed.scenario] for observed in fastest if mutation.exercised_by(observed)]

    planned = Plan()
    for grant in grants.actions():
        if not_emulated(grant.action):
            planned.not_emulated.append(grant)
        elif grant.statement.managed:
            planned.managed.append(grant)
        else:
            mutation = RemoveAction(grant, holder(grants, grant.statement.role_arn))
            scenarios = exercising(mutation)
            if scenarios:
                planned.mutations.append((mutation, scenarios))
            else:
                planned.unexercised.append(grant)
    for permission in grants.permissions:
        removal = RemovePermission(permission)
        planned.mutations.append((removal, exercising(removal)))
    return planned


def find_action(grants: Grants, function: str, action: str, resource: str = "") -> RemoveAction:
    """The mutation removing `action` from the statement of `function`'s role (or a state machine's, ...: any
    holder whose description contains `function`) whose resources mention `resource`."""
    found = [
        RemoveAction(grant, holder(grants, grant.statement.role_arn))
        for grant in grants.actions()
        if grant.action == action
        and any(function in user for user in grants.users.get(grant.statement.role_arn, []))
        and any(resource in r for r in grant.statement.resources)
        and not grant.statement.managed
    ]
    if len(found) != 1:
        raise LookupError(f"{len(found)} statements of {function} grant {action} on {resource or 'anything'}")
    return found[0]


def find_permission(grants: Grants, function: str, principal: str, source: str = "") -> RemovePermission:
    found = [
        RemovePermission(permission)
        for permission in grants.permissions
        if permission.function_name.endswith(function)
        and permission.principal == principal
        and source in (permission.source_arn or "")
    ]
    if len(found) != 1:
        raise LookupError(f"{len(found)} permissions of {function} for {principal} from {source or 'anywhere'}")
    return found[0]


def matches(only: str, mutation: Mutation, scenarios: Iterable[Scenario]) -> bool:
    text = " ".join([mutation.key, mutation.label, *(scenario.name for scenario in scenarios)]).lower()
    return only.lower() in text


def _line(outcome: Outcome) -> str:
    verdict = "CAUGHT" if outcome.caught else "NOT CAUGHT"
    return f"{verdict:<10}  {outcome.mutation.label}\n            → {outcome.scenario or '-'}: {outcome.seen}"


def run(client: Client, *, only: str = "", out: TextIO = sys.stdout) -> int:
    """Runs the suite on a started cloud; prints the table and totals. 0 unless a baseline or a restore failed."""

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    started = time.monotonic()
    grants = read(client.aws)
    roles = len({statement.role_arn for statement in grants.statements})
    say(f"grants: {len(grants.actions())} actions in {len(grants.statements)} statements of {roles} roles, "
        f"{len(grants.permissions)} Lambda permissions")  # fmt: skip
    baselines: dict[str, Observed] = {}
    for scenario in SCENARIOS.values():
        observed = observe(client, scenario)
        baselines[scenario.name] = observed
        if not observed.passed:
            say(f"baseline {scenario.name} FAILED: {observed.error}")
            for refusal in observed.refusals[:5]:
                say(f"  refusal: {shorten(refusal)}")
            return 2
        say(f"baseline {scenario.name}: passed in {observed.seconds:.1f} s ({scenario.summary})")
    planned = plan(grants, baselines)
    chosen = [(m, s) for m, s in planned.mutations if matches(only, m, s)] if only else planned.mutations
    say(f"\n{len(chosen)} mutations" + (f" matching ONLY={only}" if only else "") + "\n")

    outcomes: list[Outcome] = []
    ran: set[str] = set()
    for index, (mutation, scenarios) in enumerate(chosen, 1):
        if not scenarios:
            outcome = Outcome(mutation, False, "", "no scenario exercises it (no baseline went through it)")
        else:
            tried = time.monotonic()
            outcome = try_mutation(client, mutation, scenarios, grants, on_observed=lambda o: ran.add(o.scenario))
            outcome.seconds = time.monotonic() - tried
        outcomes.append(outcome)
        say(f"[{index:>3}/{len(chosen)}] {_line(outcome)}")

    failures = _final_check(client, [name for name in SCENARIOS if name in ran], say)
    _summary(grants, planned, outcomes, say)
    say(f"\ntime: {time.monotonic() - started:.0f} s")
    return 1 if failures else 0


def _final_check(client: Client, names: Sequence[str], say: Callable[[str], None]) -> list[str]:
    """Every scenario a mutation ran passes again once every grant is back."""
    failed = []
    for name in names:
        observed = observe(client, SCENARIOS[name])
        if not observed.passed:
            failed.append(name)
            say(f"after the mutations, {name} FAILED: {observed.error}")
    if names and not failed:
        say(f"\nevery grant put back: the {len(names)} scenarios the mutations ran pass again")
    return failed


def _summary(grants: Grants, planned: Plan, outcomes: Sequence[Outcome], say: Callable[[str], None]) -> None:
    caught = [o for o in outcomes if o.caught]
    missed = [o for o in outcomes if not o.caught]
    removed = [o for o in outcomes if o.mutation.kind == "grant"]
    permissions = [o for o in outcomes if o.mutation.kind == "permission"]
    say("\n=== totals")
    say(f"mutations: {len(outcomes)} ({len(removed)} grant actions, {len(permissions)} Lambda permissions): "
        f"{len(caught)} caught, {len(missed)} not caught")  # fmt: skip
    say(f"  grant actions caught: {sum(o.caught for o in removed)}/{len(removed)}; "
        f"Lambda permissions caught: {sum(o.caught for o in permissions)}/{len(permissions)}")  # fmt: skip
    if missed:
        say("\n=== NOT CAUGHT")
        for outcome in missed:
            say(f"- {outcome.mutation.label}\n    {outcome.scenario or '-'}: {outcome.seen}")
    say("\n=== not mutated")
    say(f"granted, but no scenario requests it: {len(planned.unexercised)} actions "
        f"(per role: make iam-unused)")  # fmt: skip
    by_holder: dict[str, list[str]] = {}
    for grant in planned.unexercised:
        by_holder.setdefault(holder(grants, grant.statement.role_arn), []).append(grant.action)
    for who, actions in sorted(by_holder.items()):
        say(f"  {who}: {len(actions)}: {', '.join(sorted(set(actions)))}")
    say(f"logs:/xray: actions (never requested locally): {len(planned.not_emulated)}")
    say(f"actions of AWS-managed policies (not editable): {len(planned.managed)}")
