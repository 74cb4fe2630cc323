"""Patch 14: moto finds a request's handler method without listing the handler class's members each time.

`core.responses.method_names_from_class(clazz)`, which `BaseResponse.call_action` calls on every request to
check that the action is one of the handler's methods, runs `inspect.getmembers` over the whole class (the
DynamoDB handler has about 80 members). The names are kept per class; a class whose functions change
(a method added or removed, as a patch or a test might) is listed again, as it is identified by its
functions, not only its name.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from localcloud.moto_patches.patching import original, replace

_names: weakref.WeakKeyDictionary[type, tuple[tuple[str, ...], list[str]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_list: Any = None  # moto's `method_names_from_class` (set by `install`)


def install() -> None:
    from moto.core import responses

    replace(responses, "method_names_from_class", method_names_from_class)
    global _list
    _list = original(responses, "method_names_from_class")


def _functions(clazz: type) -> tuple[str, ...]:
    """What `inspect.getmembers(clazz, isfunction)` depends on: the names in the class and its bases."""
    return tuple(name for klass in clazz.__mro__ for name in vars(klass))


def method_names_from_class(clazz: Any) -> list[str]:
    if not isinstance(clazz, type):
        return list(_list(clazz))
    signature = _functions(clazz)
    kept = _names.get(clazz)
    if kept is None or kept[0] != signature:
        kept = (signature, list(_list(clazz)))
        with _lock:
            _names[clazz] = kept
    return list(kept[1])
