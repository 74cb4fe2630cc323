"""Patch 13: moto's response serializer looks up each member's possible keys once, not once per value.

`core.serialize.ResponseSerializer.get_value(self, value, key, shape)`: for every member of every value it
serializes (each attribute of each item of a Query or BatchGetItem), moto builds a context and asks six
alias providers which keys the member may have on the object, then tries them in order. For a plain `dict`
value and moto's `XFormedAttributePicker` those keys depend only on the providers, the member's shape and
its parent (a dict has no `Meta` and its class name is `dict`), so they are kept per (providers, shape,
parent, key); the shape and parent are held with the entry, so an id is never reused for another one.
Other values and pickers, and the response transformers (by key path), go through moto's code as before.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from localcloud.moto_patches.patching import original, replace

KEPT_MEMBERS: Final = 4096  # (shape, parent, key) entries; a bigger model is looked up as before past this

_keys: dict[tuple[Any, ...], tuple[Any, Any, tuple[str, ...]]] = {}
_lock = threading.Lock()


class _Moto:
    """moto's names the hot path uses, bound once by `install` (an import per value costs as much as the rest)."""

    context: Any = None
    picker: Any = None
    missing: Any = None
    pick: Any = None
    get_value: Any = None


def install() -> None:
    from moto.core.serialize import AttributePickerContext, ResponseSerializer, XFormedAttributePicker
    from moto.core.utils import MISSING
    from moto.core.utils import get_value as pick

    replace(ResponseSerializer, "get_value", get_value)
    _Moto.context, _Moto.picker, _Moto.missing, _Moto.pick = (
        AttributePickerContext,
        XFormedAttributePicker,
        MISSING,
        pick,
    )
    _Moto.get_value = original(ResponseSerializer, "get_value")


def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
    picker = self._value_picker
    if type(value) is not dict or type(picker) is not _Moto.picker or picker.response_transformers:
        return _Moto.get_value(self, value, key, shape)
    parent = getattr(shape, "parent", None)
    providers = tuple(picker.alias_providers)
    entry_key = (providers, id(shape), id(parent), key)
    entry = _keys.get(entry_key)
    if entry is None or entry[0] is not shape or entry[1] is not parent:
        context = _Moto.context(
            obj=value,
            key=key,
            shape=shape,
            operation_model=self.operation_model,
            service_model=self.operation_model.service_model,
            key_path=".".join(self.path),
        )
        entry = (shape, parent, tuple(picker.get_possible_keys(context)))
        with _lock:
            if len(_keys) < KEPT_MEMBERS:
                _keys[entry_key] = entry
    missing = _Moto.missing
    for possible_key in entry[2]:
        # moto's `get_value` on a dict: a dotted key is a path, any other an item (missing: `missing`)
        found = (
            value.get(possible_key, missing) if "." not in possible_key else _Moto.pick(value, possible_key, missing)
        )
        if found is not missing:
            return found
    return None
