"""Patch 9: S3 event notifications invoke Lambda as S3 does.

`s3.notifications._invoke_awslambda(account_id, event_body, fn_arn, region_name)`: `invoke_async` (S3
invokes asynchronously), with the record's missing fields (`userIdentity`, `requestParameters`,
`responseElements`, bucket owner, `sequencer`) and the key URL-encoded as S3 does (`quote_plus` keeping
`/`; moto encodes `/` too).
"""

from __future__ import annotations

import base64
import itertools
import logging
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from localcloud.lambda_runtime.function_spec import FunctionNotFound
from localcloud.moto_patches.patching import active_runtime, original, replace

logger = logging.getLogger("localcloud.moto_patches")

_sequencer = itertools.count(1)


def install() -> None:
    import moto.s3.notifications as s3_notifications

    replace(s3_notifications, "_invoke_awslambda", invoke_awslambda_from_s3)


def enrich_s3_record(record: dict[str, Any], account_id: str) -> None:
    s3 = record.get("s3", {})
    obj = s3.get("object", {})
    if "key" in obj:
        obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
    obj.setdefault("sequencer", f"{next(_sequencer):018X}")
    s3.get("bucket", {}).setdefault("ownerIdentity", {"principalId": account_id})
    record.setdefault("userIdentity", {"principalId": f"AWS:{account_id}"})
    record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    record.setdefault(
        "responseElements",
        {"x-amz-request-id": f"{next(_sequencer):016X}", "x-amz-id-2": base64.b64encode(b"localcloud").decode()},
    )


def invoke_awslambda_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    import moto.s3.notifications as s3_notifications

    runtime = active_runtime()
    if runtime is None:
        return original(s3_notifications, "_invoke_awslambda")(account_id, event_body, fn_arn, region_name)
    for record in event_body.get("Records", []):
        enrich_s3_record(record, account_id)
    try:
        runtime.invoke_async(fn_arn, event_body)
    except FunctionNotFound as error:  # S3 drops it too (AWS would have refused the configuration)
        logger.warning("S3 notification to %s dropped: %s", fn_arn, error)
    return None
