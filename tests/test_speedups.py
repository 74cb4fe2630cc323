"""tests/speedups.py changes how fast the emulated AWS is, never what it answers."""

from __future__ import annotations

import botocore.session
from moto.dynamodb.models import DynamoDBBackend

from localcloud.moto_patches import dynamodb_transactions


def test_every_botocore_session_shares_one_loader() -> None:
    first, second = botocore.session.Session(), botocore.session.Session()
    assert first.get_component("data_loader") is second.get_component("data_loader")


def test_every_test_has_the_local_clouds_transaction_patch() -> None:
    assert DynamoDBBackend.transact_write_items is dynamodb_transactions.transact_write_items
