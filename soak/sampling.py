"""What a soak sample reads of the process: its resident memory and the sizes of the local cloud's big stores.

RSS is read from `/proc/self/status` (VmRSS): the local cloud runs in this process, so its RSS is the cloud's
memory plus the soak's own small bookkeeping. tracemalloc would attribute allocations, but it slows every
allocation several times, which would change the load it measures.

The store sizes are counts, each a `len()` of one of moto's containers (read under `MOTO_LOCK`, so none
changes while it is read): cheap enough for every sample, and what tells a leak (a count that keeps rising
although nothing needs it) from data the system keeps (items, objects).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from localcloud.moto_lock import MOTO_LOCK

STATUS: Final = Path("/proc/self/status")
STORES: Final = (
    "dynamodb items",
    "stream records",
    "s3 objects",
    "sqs messages",
    "sfn executions",
    "moto tracked",
)


def rss_bytes() -> int:
    """This process's resident set size (VmRSS), in bytes."""
    for line in STATUS.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS in {STATUS}")


def _regions(backends: Any) -> list[Any]:
    """Every region's backend that exists (iterating, not indexing, so none is created)."""
    return [backend for account in dict(backends).values() for backend in dict(account).values()]


def tracked(models: dict[str, Any]) -> int:
    return sum(len(getattr(model, "instances_tracked", ())) for model in models.values())


def store_sizes() -> dict[str, int]:
    """How many items, stream records, objects, queued messages and executions moto holds, and how many model
    instances moto's registry (`model_data`, for its dashboard) references."""
    from moto.core.model_instances import model_data
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends
    from moto.sqs.models import sqs_backends
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    with MOTO_LOCK:
        tables = [table for backend in _regions(dynamodb_backends) for table in backend.tables.values()]
        buckets = [bucket for backend in _regions(s3_backends) for bucket in backend.buckets.values()]
        queues = [queue for backend in _regions(sqs_backends) for queue in backend.queues.values()]
        machines = [m for backend in _regions(stepfunctions_parser_backends) for m in backend.state_machines]
        return {
            "dynamodb items": sum(len(table) for table in tables),
            "stream records": sum(len(table.stream_shard.items) for table in tables if table.stream_shard),
            "s3 objects": sum(len(bucket.keys) for bucket in buckets),
            "sqs messages": sum(len(queue._messages) for queue in queues),
            "sfn executions": sum(len(machine.executions) for machine in machines),
            "moto tracked": sum(tracked(models) for models in model_data.values()),
        }
