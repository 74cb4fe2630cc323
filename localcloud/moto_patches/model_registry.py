"""Patch 17: moto's registry of model instances holds them weakly, so what moto no longer uses is freed.

`core.common_models.BaseModel.__new__` appends every instance of every model class to the class's
`instances_tracked` list, which only `reset` empties (moto keeps it for its dashboard, `/moto-api/data.json`,
and for S3's reset, which disposes of the keys' files). Nothing else reads it, yet it keeps every instance
alive: each copy of a DynamoDB item (an UpdateItem copies the item, a transaction its rollback state), each
stream record, S3 key and SQS message, for as long as the process runs. In a soak that was a third of the
memory kept per order (docs/architecture.md §9, "Soak").

The patched `__new__` registers the instance in a `WeakInstances` instead, which iterates and counts like the
list (the instances still alive, in creation order), so the dashboard and S3's reset see what they saw of the
live instances. A registry `reset` replaced with `[]` is wrapped again on the next instance.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from localcloud.moto_patches.patching import original, replace


class WeakInstances:
    """A model class's instances, held weakly, in creation order: `append`, iteration and `len` as moto's list."""

    def __init__(self, instances: Iterable[Any] = ()) -> None:
        self._instances: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        self._strong: list[Any] = []  # instances that cannot be weakly referenced (none of moto's models)
        self._order = itertools.count()
        self._lock = threading.Lock()
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        with self._lock:
            try:
                self._instances[next(self._order)] = instance
            except TypeError:
                self._strong.append(instance)

    def __iter__(self) -> Iterator[Any]:
        with self._lock:
            return iter([*self._instances.values(), *self._strong])

    def __len__(self) -> int:
        return len(self._instances) + len(self._strong)


def install() -> None:
    from moto.core.common_models import BaseModel

    replace(BaseModel, "__new__", staticmethod(base_model_new))


_wrap_lock = threading.Lock()


def base_model_new(cls: Any, *args: Any, **kwargs: Any) -> Any:
    from moto.core.common_models import BaseModel

    tracked = cls.__dict__.get("instances_tracked")
    if tracked is None:  # not a class moto's metaclass made: moto's own code
        return original(BaseModel, "__new__")(cls, *args, **kwargs)
    if not isinstance(tracked, WeakInstances):
        with _wrap_lock:
            tracked = cls.__dict__["instances_tracked"]
            if not isinstance(tracked, WeakInstances):
                tracked = WeakInstances(tracked)
                cls.instances_tracked = tracked
    instance = super(BaseModel, cls).__new__(cls)  # what moto's `__new__` creates
    tracked.append(instance)
    return instance
