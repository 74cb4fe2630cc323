"""One normalised snapshot per stack: reviews see every template change as a diff.

Asset hashes (file contents) and the API Gateway Deployment id suffix (a hash of the API) are
normalised so that editing a handler does not churn the snapshot.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.infrastructure.conftest import Synthesized

ASSET_HASH = re.compile(r"[0-9a-f]{64}")
DEPLOYMENT_ID = re.compile(r"(Deployment[0-9A-F]{8})[0-9a-f]{32}")


def normalise(template: dict[str, Any]) -> Any:
    text = json.dumps(template, sort_keys=True)
    text = ASSET_HASH.sub("<asset-hash>", text)
    text = DEPLOYMENT_ID.sub(r"\1<api-hash>", text)
    return json.loads(text)


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_normalise_is_stable(dev: Synthesized) -> None:
    normalised = json.dumps(normalise(dev.service))
    assert not ASSET_HASH.search(normalised)
    assert "Deployment" in normalised and "<api-hash>" in normalised


def test_data_stack_snapshot(dev: Synthesized, json_snapshot: SnapshotAssertion) -> None:
    assert normalise(dev.data) == json_snapshot


def test_service_stack_snapshot(dev: Synthesized, json_snapshot: SnapshotAssertion) -> None:
    assert normalise(dev.service) == json_snapshot


def test_account_stack_snapshot(dev: Synthesized, json_snapshot: SnapshotAssertion) -> None:
    assert normalise(dev.account) == json_snapshot
