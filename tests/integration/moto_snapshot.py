"""A moto world built once and handed out again as an exact copy, instead of rebuilt with ~30 requests.

`MotoSnapshot.take()` deep-copies every backend moto has instantiated (each service, account and region:
tables with their items, indexes and streams, queues with their messages, buckets, parameters with their
versions, buses, rules, topics, subscriptions, state machines with their executions, IAM), all in one copy so
that what refers to what (a stream shard to its table, a subscription to its topic) still does.
`restore()`, in a mock that has just started (so moto has reset every backend), installs a fresh deep copy of
them: the world is then the one that was copied, down to its streams' shards and sequence numbers, whatever
the previous test did to its copy (items written, messages sent, a parameter changed, an index or a rule or
the bus deleted). Nothing else is shared between tests.

Two of moto's objects deep-copy wrongly on their own and are copied here by hand: an SQS queue's
`_messages_lock` (a `threading.Condition`: a new one) and the SSM backend's `ParameterDict` (a `defaultdict`
whose constructor takes the account and region).
"""

from __future__ import annotations

import copy
from threading import Condition
from typing import Any

from moto.core.base_backend import AccountSpecificBackend, BackendDict, BaseBackend
from moto.sqs.models import SQSBackend
from moto.ssm.models import ParameterDict, SimpleSystemManagerBackend

Entry = tuple[BackendDict[Any], str, str, BaseBackend]


def _live_entries() -> list[Entry]:
    return [
        (backend_dict, account_id, region, backend)
        for backend_dict in BackendDict._instances  # type: ignore[misc]
        for account_id, region, backend in backend_dict.iter_backends()
    ]


def _copy(entries: list[Entry]) -> list[Entry]:
    """One deep copy of the backends; moto's registries (and their account dictionaries) are not copied."""
    memo: dict[int, Any] = {}
    for backend_dict in {id(entry[0]): entry[0] for entry in entries}.values():
        memo[id(backend_dict)] = backend_dict
        for account_backends in backend_dict.values():
            memo[id(account_backends)] = account_backends
    for _, _, _, backend in entries:
        if isinstance(backend, SQSBackend):
            for queue in backend.queues.values():
                memo[id(queue._messages_lock)] = Condition()
        if isinstance(backend, SimpleSystemManagerBackend):
            parameters = backend._parameters
            copied = ParameterDict(parameters.account_id, parameters.region_name)
            memo[id(parameters)] = copied
            copied.__dict__.update(copy.deepcopy(parameters.__dict__, memo))
            for name, versions in parameters.items():
                copied[name] = copy.deepcopy(versions, memo)
    return [
        (backend_dict, account_id, region, copy.deepcopy(backend, memo))
        for backend_dict, account_id, region, backend in entries
    ]


class MotoSnapshot:
    def __init__(self, entries: list[Entry]) -> None:
        self._entries = entries

    @classmethod
    def take(cls) -> MotoSnapshot:
        """A copy of the world moto holds now (inside an active mock)."""
        return cls(_copy(_live_entries()))

    def restore(self) -> None:
        """Inside a mock that has just started (every backend reset, none instantiated yet): the snapshot's world."""
        assert not _live_entries(), "restore() needs a freshly reset moto"
        for backend_dict, account_id, region, backend in _copy(self._entries):
            account_backends: AccountSpecificBackend[Any] = backend_dict[account_id]  # registers it for reset
            dict.__setitem__(account_backends, region, backend)
