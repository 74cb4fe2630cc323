"""Where requests are checked: botocore's `BaseClient._make_api_call`, the one method every client call goes
through (whatever session or client made it, in whichever module), with the operation and its parameters
before any are serialized.

While an `Enforcer` is active (`activate`) and the thread has a caller (`localcloud.iam.caller`), the
request is checked first; a refusal raises the service's own error class (`client.exceptions.from_code`,
as botocore raises it from a response) with the service's code, status and IAM's message, and the request
never reaches moto. Calls without a caller (the local cloud's, the AWS endpoint's) pass unchecked.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any, Final

from localcloud.iam.caller import CALLER
from localcloud.iam.enforcer import Enforcer

logger = logging.getLogger("localcloud.iam")

# Services whose signing name is not their IAM prefix.
IAM_PREFIXES: Final = {"monitoring": "cloudwatch"}

_lock = threading.Lock()
_original: Any = None


class _Active:
    enforcer: Enforcer | None = None


def activate(enforcer: Enforcer | None) -> None:
    """Checks requests against `enforcer` from now on (None: no checks)."""
    install()
    _Active.enforcer = enforcer


def active() -> Enforcer | None:
    return _Active.enforcer


def iam_prefix(service_model: Any) -> str:
    name = str(service_model.signing_name or service_model.endpoint_prefix)
    return IAM_PREFIXES.get(name, name)


def install() -> None:
    """Wraps `_make_api_call` once per process."""
    global _original
    from botocore.client import BaseClient

    with _lock:
        if _original is not None:
            return
        _original = BaseClient._make_api_call
        BaseClient._make_api_call = _make_api_call


def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
    enforcer = _Active.enforcer
    if enforcer is not None:
        caller = CALLER.get()
        if caller is not None:
            model = self.meta.service_model
            prefix = iam_prefix(model)
            refusal = enforcer.check(caller, prefix, operation_name, api_params, self.meta.region_name)
            if refusal is not None:
                code, status = refusal.error(prefix)
                logger.info("localcloud IAM: %s: %s", code, refusal.message)
                parsed = {
                    "Error": {"Code": code, "Message": refusal.message},
                    "message": refusal.message,
                    "ResponseMetadata": {
                        "RequestId": str(uuid.uuid4()),
                        "HTTPStatusCode": status,
                        "HTTPHeaders": {},
                        "RetryAttempts": 0,
                    },
                }
                raise self.exceptions.from_code(code)(parsed, operation_name)
    return _original(self, operation_name, api_params)
