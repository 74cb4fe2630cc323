"""Patch 8: every moto request is atomic, as each AWS API call is.

`core.botocore_stubber.BotocoreStubber.process_request(self, request)` and
`core.utils.convert_to_flask_response.__call__(self, args=None, **kwargs)`: every moto request (in-process,
or over moto's HTTP server) holds `localcloud.moto_lock.MOTO_LOCK` (moto has no locking; concurrent
requests can corrupt or crash it).
"""

from __future__ import annotations

from typing import Any

from localcloud.moto_lock import MOTO_LOCK
from localcloud.moto_patches.patching import original, replace


def install() -> None:
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.core.utils import convert_to_flask_response

    replace(BotocoreStubber, "process_request", process_request)
    replace(convert_to_flask_response, "__call__", flask_call)


def process_request(self: Any, request: Any) -> Any:
    from moto.core.botocore_stubber import BotocoreStubber

    with MOTO_LOCK:
        return original(BotocoreStubber, "process_request")(self, request)


def flask_call(self: Any, args: Any = None, **kwargs: Any) -> Any:
    from moto.core.utils import convert_to_flask_response

    with MOTO_LOCK:
        return original(convert_to_flask_response, "__call__")(self, args, **kwargs)
