"""Answering CloudFormation: a custom resource's response document PUT to its pre-signed `ResponseURL`."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Final

HTTP_TIMEOUT_SECONDS: Final = 10

# Sends a response document to the pre-signed `ResponseURL`.
Sender = Callable[[str, bytes], None]


def http_put(url: str, body: bytes) -> None:
    """PUT to the pre-signed S3 URL; its signature expects an empty Content-Type."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"ResponseURL must be an http(s) URL, got {url[:40]!r}")
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
        response.read()
