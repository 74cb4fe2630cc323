"""Patch 16: a function's request may get an injected fault in place of moto's answer (`localcloud.faults`).

`core.botocore_stubber.BotocoreStubber.__call__(self, event_name, request, **kwargs)` is moto's in-process AWS:
`mock_aws` adds the one stub to botocore's `BUILTIN_HANDLERS` as a `before-send` handler (and to clients made
before, `patch_client`), and botocore uses the first response a `before-send` handler returns instead of
sending. A handler of our own would not do: botocore's `emit` calls every `before-send` handler, so moto's
would still carry the request out (a "throttled" PutItem would be written) whatever answer came first. So the
stub itself is wrapped: while faults are active, `localcloud.faults.sdk.respond` answers first (a fault, or a
partial batch whose entries let through it sends on to moto through `process_request`, patch 8's locked
one); else, and for every request it leaves alone, moto's stub answers as before. The answer is an
`AWSResponse`, which botocore parses and retries as it would the service's own.
"""

from __future__ import annotations

from typing import Any

from localcloud import faults
from localcloud.moto_patches.patching import original, replace


def install() -> None:
    from moto.core.botocore_stubber import BotocoreStubber

    replace(BotocoreStubber, "__call__", stubber_call)


def stubber_call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
    from moto.core.botocore_stubber import BotocoreStubber

    if self.enabled and faults.active() is not None:
        from localcloud.faults import sdk

        answer = sdk.respond(event_name, request, self.process_request)
        if answer is not None:
            return answer
    return original(BotocoreStubber, "__call__")(self, event_name, request, **kwargs)
