"""What the local cloud frees that moto would keep for as long as the process runs (`make soak` found it):
the model instances moto registers (patch 17)."""

from __future__ import annotations

import gc
from typing import Any

from localcloud.moto_lock import MOTO_LOCK
from localcloud.moto_patches.model_registry import WeakInstances
from tests.localcloud.support import ACCOUNT, REGION, Cloud, create_table, local_cloud

KEY = {"PK": {"S": "CUST#1"}, "SK": {"S": "FUNDS"}}


def shard(table: str = "trades") -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][REGION].tables[table].stream_shard


def item_registry() -> Any:
    """moto's registry of DynamoDB items (`instances_tracked`, which moto's metaclass gives each model class)."""
    from moto.dynamodb.models.dynamo_type import Item

    return Item.instances_tracked  # type: ignore[attr-defined]


def update(cloud: Cloud, times: int) -> None:
    ddb = cloud.client("dynamodb")
    for n in range(times):
        ddb.update_item(
            TableName="trades",
            Key=KEY,
            UpdateExpression="SET Qty = :q",
            ExpressionAttributeValues={":q": {"N": str(n)}},
        )


# -- patch 17: the registry of model instances


def test_a_registered_model_instance_is_freed_once_moto_drops_it() -> None:
    with local_cloud() as cloud:  # the patches applied
        create_table(cloud)
        update(cloud, 5)
        gc.collect()
        before = len(item_registry())
        update(cloud, 200)  # each update copies the item (its old image, its validation)
        gc.collect()
        after = len(item_registry())
        with MOTO_LOCK:
            (current,) = next(iter(shard().table.items.values())).values()
        assert after - before < 10, f"{after - before} item copies kept alive by moto's registry"
        assert isinstance(item_registry(), WeakInstances)
        assert any(instance is current for instance in item_registry())  # what is alive is still listed


def test_the_weak_registry_iterates_and_counts_like_the_list() -> None:
    class Model:
        pass

    kept = [Model() for _ in range(3)]
    registry = WeakInstances(kept)
    registry.append(dropped := Model())
    assert list(registry) == [*kept, dropped] and len(registry) == 4
    del dropped
    gc.collect()
    assert list(registry) == kept and len(registry) == 3
    registry.append(1)  # not weakly referenceable: held as moto held everything
    assert list(registry) == [*kept, 1]
