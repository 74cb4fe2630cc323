"""A function's request as the SDK faults see it, and the HTTP answers they give in its service's protocol.

The answer is a botocore `AWSResponse`, what a `before-send` handler returns in place of sending: botocore
parses it as it parses the service's own, then its retry handler decides (the standard mode retries a
throttling code or a 5xx, with backoff, up to the client's `max_attempts`).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

# moto's in-process answer to a request: (status, headers, body), None when moto does not serve it.
Send = Callable[[AWSPreparedRequest], "tuple[int, Mapping[str, str], bytes | str] | None"]


class _Raw(io.BytesIO):
    """The raw body botocore reads (`stream()`, as urllib3's response offers it)."""

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        while chunk := self.read(65536):
            yield chunk


@dataclass(frozen=True)
class SdkCall:
    service: str  # botocore's hyphenated service id: dynamodb, s3, eventbridge, sns
    operation: str
    request: AWSPreparedRequest
    function: str  # the function making it
    send: Send

    def text(self) -> str:
        body = self.request.body
        if isinstance(body, bytes | bytearray):
            return bytes(body).decode("utf-8")
        return body if isinstance(body, str) else ""

    def json(self) -> dict[str, Any]:
        try:
            document = json.loads(self.text() or "{}")
        except ValueError:
            return {}
        return document if isinstance(document, dict) else {}

    @property
    def attempt(self) -> int:
        context = self.request.context or {}
        return int((context.get("retries") or {}).get("attempt", 1))

    def describe(self) -> str:
        return f"{self.operation} by {self.function} (attempt {self.attempt})"

    def resend(self, body: bytes) -> tuple[int, Mapping[str, str], bytes] | None:
        """moto's answer to this request with another body (the entries a partial fault lets through)."""
        headers = HTTPHeaders()
        for name, value in self.request.headers.items():
            if name.lower() != "content-length":
                headers[name] = value
        headers["Content-Length"] = str(len(body))
        request = self.request
        copy = AWSPreparedRequest(
            request.method, request.url, headers, body, request.stream_output, context=request.context
        )
        answer = self.send(copy)
        if answer is None:
            return None
        status, answer_headers, answer_body = answer
        return status, answer_headers, answer_body.encode() if isinstance(answer_body, str) else answer_body


def response(call: SdkCall, status: int, headers: Mapping[str, str], body: bytes) -> AWSResponse:
    headers = {name: value for name, value in headers.items() if name.lower() != "content-length"}
    headers["Content-Length"] = str(len(body))
    return AWSResponse(call.request.url, status, headers, _Raw(body))


def json_response(call: SdkCall, status: int, document: Mapping[str, Any], content_type: str) -> AWSResponse:
    headers = {"Content-Type": content_type, "x-amzn-RequestId": str(uuid.uuid4())}
    return response(call, status, headers, json.dumps(document).encode())


def xml_response(call: SdkCall, status: int, body: str) -> AWSResponse:
    headers = {"Content-Type": "application/xml", "x-amz-request-id": uuid.uuid4().hex[:16].upper()}
    return response(call, status, headers, body.encode())
