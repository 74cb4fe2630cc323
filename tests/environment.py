"""The process environment every test run and test tool sets first (`apply`): fake credentials (never a real
account: the clouds are moto in this process), the region, and Powertools without X-Ray; and without the CDK
CLI's account and region, so every synthesis in a test is environment-agnostic, as the snapshots are."""

from __future__ import annotations

import os
from typing import Final

TEST_ENVIRONMENT: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_NAMESPACE": "TradingSystem",
    "POWERTOOLS_DEV": "0",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}

UNSET: Final = ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION")


def apply() -> None:
    os.environ.update(TEST_ENVIRONMENT)
    for name in UNSET:
        os.environ.pop(name, None)
