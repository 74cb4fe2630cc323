"""A refusal as each service answers it: its error code and HTTP status, and IAM's message naming the
principal, the action and the resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from localcloud.iam.evaluator import Decision

# IAM prefix → (error code, HTTP status) of the service's access-denied answer.
SERVICE_ERRORS: Final = {
    "dynamodb": ("AccessDeniedException", 400),
    "s3": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "sqs": ("AccessDenied", 403),
    "events": ("AccessDeniedException", 400),
    "ssm": ("AccessDeniedException", 400),
    "states": ("AccessDeniedException", 400),
    "lambda": ("AccessDeniedException", 403),
    "logs": ("AccessDeniedException", 400),
    "xray": ("AccessDeniedException", 403),
    "sts": ("AccessDenied", 403),
}
DEFAULT_ERROR: Final = ("AccessDeniedException", 403)


@dataclass(frozen=True)
class Refusal:
    principal: str  # arn:aws:sts::<account>:assumed-role/<role>/<session>
    action: str
    resource: str
    decision: Decision
    reason: str = ""  # set instead of IAM's wording when the local cloud could not evaluate the policy

    @property
    def message(self) -> str:
        head = f"User: {self.principal} is not authorized to perform: {self.action} on resource: {self.resource}"
        if self.reason:
            return f"{head} because {self.reason}"
        if self.decision is Decision.EXPLICIT_DENY:
            return f"{head} with an explicit deny in an identity-based policy"
        return f"{head} because no identity-based policy allows the {self.action} action"

    def error(self, prefix: str) -> tuple[str, int]:
        return SERVICE_ERRORS.get(prefix, DEFAULT_ERROR)
