"""S3's transient errors on a function's request to a bucket, answered in S3's XML as S3 answers them.

The target is the bucket (virtual-hosted or path-style URL). `s3-slowdown` is decided first: 503 `SlowDown`
("Please reduce your request rate."), a throttling code to botocore; then `s3-500`: 500 `InternalError`.
The standard retry mode retries both, with backoff, until the client's `max_attempts`; nothing is done.
"""

from __future__ import annotations

import re
import uuid
from typing import Final
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSResponse

from localcloud import faults
from localcloud.faults.injector import Fault
from localcloud.faults.wire import SdkCall, xml_response

_VIRTUAL_HOST: Final = re.compile(r"(?P<bucket>.+?)\.s3([.-][a-z0-9-]+)*\.amazonaws\.com")
ERRORS: Final = {
    "s3-slowdown": (503, "SlowDown", "Please reduce your request rate."),
    "s3-500": (500, "InternalError", "We encountered an internal error. Please try again."),
}


def bucket_of(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    match = _VIRTUAL_HOST.fullmatch(host)
    if match:
        return match.group("bucket")
    segment = unquote(parts.path.lstrip("/").split("/", 1)[0])
    return segment or None


def respond(call: SdkCall) -> AWSResponse | None:
    bucket = bucket_of(call.request.url)
    if bucket is None:
        return None
    for kind in ERRORS:
        if fault := faults.decide(kind, bucket):
            return _error(call, fault, bucket)
    return None


def _error(call: SdkCall, fault: Fault, bucket: str) -> AWSResponse:
    status, code, message = ERRORS[fault.kind]
    faults.record(fault, f"{call.describe()}: {status} {code}")
    request_id = uuid.uuid4().hex[:16].upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message><BucketName>{escape(bucket)}</BucketName>"
        f"<RequestId>{request_id}</RequestId><HostId>{uuid.uuid4().hex}</HostId></Error>"
    )
    return xml_response(call, status, body)
