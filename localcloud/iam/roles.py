"""A role's identity policies as they are now in moto's IAM: inline and attached, compiled, cached per version.

The cache is keyed by the IAM write counter (`localcloud.iam.versions`): after any IAM write the next
request compiles the role's policies again from moto's state, so a change through the AWS endpoint applies
to the next request and nothing stale is ever used. A role that does not exist has no policies (everything
is an implicit deny, as for a deleted role). Permissions boundaries are not evaluated (`boundary_of` says
which role has one, so the local cloud can refuse to start on it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from localcloud.iam import versions
from localcloud.iam.policy import PolicyError, Statement, compile_document


@dataclass(frozen=True)
class RolePolicies:
    version: int
    statements: tuple[Statement, ...]
    policies: int  # how many documents (inline and attached)


def parse_role_arn(arn: str) -> tuple[str, str, str]:
    """(partition, account, role name) of `arn:<p>:iam::<account>:role/<path/>name`."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        raise ValueError(f"not a role ARN: {arn}")
    return parts[1], parts[4], parts[5].rsplit("/", 1)[-1]


def _documents(role_arn: str) -> list[tuple[str, str]] | None:
    """(where, document text) of every policy of the role; None when there is no such role."""
    from moto.iam.models import iam_backends

    partition, account, name = parse_role_arn(role_arn)
    backend = iam_backends[account][partition]
    role = next((role for role in backend.roles.values() if role.name == name), None)
    if role is None:
        return None
    found = [(f"{name} inline policy {policy}", document) for policy, document in role.policies.items()]
    for arn, policy in role.managed_policies.items():
        version = next(item for item in policy.versions if item.version_id == policy.default_version_id)
        found.append((f"{name} managed policy {arn}", version.document))
    return found


class RoleCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._roles: dict[str, RolePolicies] = {}

    def policies(self, role_arn: str) -> RolePolicies:
        version = versions.current()
        cached = self._roles.get(role_arn)
        if cached is not None and cached.version == version:
            return cached
        documents = _documents(role_arn) or []
        statements: list[Statement] = []
        for where, document in documents:
            try:
                statements.extend(compile_document(document))
            except ValueError as error:
                raise PolicyError(f"{where}: {error}") from error
        compiled = RolePolicies(version, tuple(statements), len(documents))
        with self._lock:
            self._roles[role_arn] = compiled
        return compiled


def boundary_of(role_arn: str) -> str | None:
    from moto.iam.models import iam_backends

    partition, account, name = parse_role_arn(role_arn)
    role = next((role for role in iam_backends[account][partition].roles.values() if role.name == name), None)
    return None if role is None else role.permissions_boundary_arn


def all_role_arns(account: str, partition: str = "aws") -> list[str]:
    from moto.iam.models import iam_backends

    return sorted(role.arn for role in iam_backends[account][partition].roles.values())
