"""The ARN and timestamp formats AWS writes, shared by the runtime, the stream pollers and the patches."""

from __future__ import annotations

import datetime as dt


def iso_now(milliseconds: bool = True) -> str:
    """Now in UTC as AWS's event records write it: `2024-01-02T03:04:05.678Z` (or without milliseconds)."""
    now = dt.datetime.now(dt.UTC)
    if milliseconds:
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_arn(arn: str) -> tuple[str, str, str, str]:
    """(service, region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return parts[2], parts[3], parts[4], parts[5]
