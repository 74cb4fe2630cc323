"""The granted-but-never-used report: `python -m tests.iam_mutations.unused <usage file>` (`make iam-unused`).

The usage file is what the e2e suite recorded with `LOCALCLOUD_IAM_USAGE` set (`localcloud.iam.usage`; the e2e
conftest writes it when it stops its cloud, with the grants as `tests.iam_mutations.grants` reads them). For
each role, each statement: the (action, resource) pairs the suite used and those it never used, resource by
resource; the logs:/xray: actions apart (never requested locally: the functions' logs go to a file and there is
no X-Ray daemon, so "unused" says nothing there); then the Lambda permissions no delivery went through, and a
summary of the statements that grant more than was used. With several runs in the file (several clouds), a
pair is unused when no run used it.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.iam.usage import ActionUse, PermissionUse, actions_of, load, permissions_of
from tests.iam_mutations.grants import Grants, Permission, Statement, not_emulated
from tests.iam_mutations.mutations import short_function, shorten
from tests.iam_mutations.runner import holder


@dataclass
class Pair:
    """One action on one resource pattern of one statement, and whether any run used it."""

    statement: Statement
    action: str
    resource: str
    used: bool = False


@dataclass
class Report:
    pairs: dict[tuple[str, str, int, str, str], Pair] = field(default_factory=dict)
    permissions: dict[tuple[str, str], tuple[Permission, bool]] = field(default_factory=dict)
    holders: dict[str, str] = field(default_factory=dict)  # role name → who assumes it
    uses: int = 0
    runs: int = 0


def _collect(
    report: Report, grants: Grants, actions: frozenset[ActionUse], permissions: frozenset[PermissionUse]
) -> None:
    by_role: dict[str, list[ActionUse]] = defaultdict(list)
    for use in actions:
        by_role[use.role_arn].append(use)
    for statement in grants.statements:
        report.holders.setdefault(statement.role_name, holder(grants, statement.role_arn))
        if statement.effect != "Allow" or statement.negated:
            continue
        uses = by_role.get(statement.role_arn, [])
        for action in statement.actions:
            for resource in statement.resources:
                key = (statement.role_name, statement.policy, statement.index, action, resource)
                pair = report.pairs.setdefault(key, Pair(statement, action, resource))
                single = Statement(**{**vars(statement), "resources": (resource,)})
                pair.used = pair.used or any(single.covers(action, use) for use in uses)
    for permission in grants.permissions:
        used = any(permission.covers(use) for use in permissions)
        sid = (permission.function_name, permission.sid)
        _, before = report.permissions.get(sid, (permission, False))
        report.permissions[sid] = (permission, before or used)


def build(runs: Sequence[dict[str, Any]]) -> Report:
    report = Report(runs=len(runs))
    for run in runs:
        actions = actions_of(run)
        report.uses += len(actions)
        _collect(report, Grants.from_json(run.get("grants", {})), actions, permissions_of(run))
    return report


def _names(actions: Iterable[str]) -> str:
    return ", ".join(sorted(set(actions)))


def render(report: Report) -> str:
    lines: list[str] = []
    say = lines.append
    pairs = list(report.pairs.values())
    emulated = [pair for pair in pairs if not not_emulated(pair.action)]
    unused = [pair for pair in emulated if not pair.used]
    say(f"granted but never used: {report.runs} run(s) of the e2e suite, {report.uses} distinct (role, action, "
        f"resource) uses recorded")  # fmt: skip
    say(f"(action, resource) pairs granted: {len(emulated)} (logs:/xray: apart: {len(pairs) - len(emulated)}); "
        f"never used: {len(unused)}")  # fmt: skip
    say("note: the in-process functions share one Powertools parameter cache (on AWS each function has its own),")
    say("      so an ssm: parameter another function read first within the cache's age may show as never used")

    by_role: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        by_role[pair.statement.role_name].append(pair)
    broad: list[tuple[str, Statement, int, int]] = []
    for role in sorted(by_role, key=lambda name: report.holders.get(name, name)):
        role_pairs = by_role[role]
        say("")
        say(f"{report.holders.get(role, role)}  ({role})")
        by_statement: dict[tuple[str, int], list[Pair]] = defaultdict(list)
        for pair in role_pairs:
            by_statement[(pair.statement.policy, pair.statement.index)].append(pair)
        apart: list[Pair] = []
        for (policy, index), statement_pairs in sorted(by_statement.items()):
            checked = [pair for pair in statement_pairs if not not_emulated(pair.action)]
            apart += [pair for pair in statement_pairs if not_emulated(pair.action)]
            if not checked:
                continue
            statement = checked[0].statement
            actions = sorted({pair.action for pair in checked})
            used_actions = {pair.action for pair in checked if pair.used}
            say(f"  statement {index} of {policy}: {len(actions)} action(s)")
            for resource in statement.resources:
                on = [pair for pair in checked if pair.resource == resource]
                used = [pair.action for pair in on if pair.used]
                never = [pair.action for pair in on if not pair.used]
                if not never:
                    say(f"    {shorten(resource)}: all used ({_names(used)})")
                elif not used:
                    say(f"    {shorten(resource)}: NONE used of {_names(never)}")
                else:
                    say(f"    {shorten(resource)}: used {_names(used)}; never: {_names(never)}")
            if len(used_actions) < len(actions):
                broad.append((report.holders.get(role, role), statement, len(used_actions), len(actions)))
        if apart:
            patterns = sorted({shorten(pair.resource) for pair in apart})
            say(f"  logs/xray (never requested locally): {_names(p.action for p in apart)} on {', '.join(patterns)}")

    idle = [permission for permission, used in report.permissions.values() if not used]
    say("")
    say(f"Lambda permissions: {len(report.permissions)}; never used: {len(idle)}")
    for permission in sorted(idle, key=lambda p: (p.function_name, p.sid)):
        source = shorten(permission.source_arn or "any source")
        say(
            f"  {short_function(permission.function_name)}: {permission.principal} for {source}  (Sid {permission.sid})"
        )

    say("")
    say("statements granting actions never used (used / granted):")
    for who, statement, used_count, granted in sorted(broad, key=lambda item: (item[0], item[1].index)):
        listed = ", ".join(shorten(resource) for resource in statement.resources)
        say(f"  {who}: statement {statement.index}: {used_count}/{granted} on {listed}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_file():
        print("usage: python -m tests.iam_mutations.unused <usage file written with LOCALCLOUD_IAM_USAGE>")
        return 2
    print(render(build(load(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
