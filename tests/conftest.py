"""Every test runs with fake AWS credentials and no way to reach a real AWS endpoint."""

from __future__ import annotations

import os

import hypothesis

from tests import speedups

os.environ.update(
    {
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
)

speedups.install()

# Hypothesis' per-example deadline is a timing assertion: on this 2-core machine, busy with the other xdist
# worker and mypy, a 20 ms example can take 300 ms. Speed is measured by `make bench`, never by a test.
hypothesis.settings.register_profile("project", deadline=None)
hypothesis.settings.load_profile("project")
