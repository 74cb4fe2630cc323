"""AWS-managed policies, their documents pinned in `managed/<name>.json` (moto does not load AWS's by default).

`install(arn, account)` adds a pinned policy to moto's IAM so a role can attach it and the evaluator reads it
from moto as any other; a policy without a pinned document is refused (`UnpinnedPolicy`): pin it here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

PINNED: Final = Path(__file__).with_name("managed")


class UnpinnedPolicy(LookupError):
    """An AWS-managed policy whose document the local cloud does not have."""


def pinned_names() -> list[str]:
    return sorted(path.stem for path in PINNED.glob("*.json"))


def pinned(arn: str) -> dict[str, Any]:
    name = arn.rsplit("/", 1)[-1]
    path = PINNED / f"{name}.json"
    if ":iam::aws:policy/" not in arn or not path.is_file():
        raise UnpinnedPolicy(
            f"AWS-managed policy {arn} has no pinned document: add it as localcloud/iam/managed/{name}.json "
            f"(pinned: {', '.join(pinned_names())})"
        )
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def install(arn: str, account: str, partition: str = "aws") -> None:
    """Adds the pinned policy to moto's IAM of `account` (nothing if it is there already)."""
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend = iam_backends[account][partition]
    if arn in backend.managed_policies:
        return
    data = pinned(arn)
    name = arn.rsplit("/", 1)[-1]
    policy = AWSManagedPolicy.from_data(name, account, "us-east-1", data)
    if policy.arn != arn:
        raise UnpinnedPolicy(f"pinned policy {name} has the ARN {policy.arn}, not {arn} (check its Path)")
    backend.managed_policies[arn] = policy
