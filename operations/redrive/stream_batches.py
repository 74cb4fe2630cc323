"""A stream batch's failure record, replayed by reading the batch's records from the stream again
(GetShardIterator `AT_SEQUENCE_NUMBER` at its first, GetRecords up to its last), keeping those the mapping's
filter passes, and invoking the mapped function synchronously with them as Lambda delivers them
(`{"Records": [...]}`, in batches of at most the mapping's batch size). A reported item failure or a function
error leaves the message; records no longer in the stream (a stream keeps them 24 hours) leave it too, saying so.

Where the mapping cannot be listed (the local cloud keeps its mappings out of moto's Lambda), the records are
sent unfiltered, and the replay says so: the stage's aggregator ignores records that are not new trades.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from operations.redrive.discovery import StreamMapping, stream_mapping, unqualified
from operations.redrive.invoke import Outcome, function_outcome, invoke, refusal, replayed, still_failing
from operations.redrive.parked import StreamBatch
from operations.redrive.stage import Clients
from operations.redrive.stream_filters import UnsupportedFilter, passes

READ_LIMIT: Final = 1000
EMPTY_READS: Final = 10
"""GetRecords may answer nothing before the records that follow: this many empty answers in a row end the read."""
MAX_PAYLOAD: Final = 5 * 1024 * 1024
"""Under Lambda's 6 MB synchronous payload."""
EXPIRED_ERRORS: Final = frozenset(
    {"TrimmedDataAccessException", "ExpiredIteratorException", "ResourceNotFoundException"}
)


class NotInStream(Exception):
    """The batch's records are no longer all in the stream."""


def mapping_of(batch: StreamBatch, mappings: Sequence[StreamMapping], lambda_: Any) -> StreamMapping | None:
    """The mapping of the batch's function and stream: one the queue names, else one Lambda lists."""
    function = unqualified(batch.function_arn)
    for mapping in mappings:
        if mapping.function_arn == function and mapping.source_arn == batch.stream_arn:
            return mapping
    try:
        listed = lambda_.list_event_source_mappings(FunctionName=function, EventSourceArn=batch.stream_arn)
    except (ClientError, BotoCoreError):
        return None
    found = listed.get("EventSourceMappings") or []
    return stream_mapping(found[0]) if found else None


def read_batch(streams: Any, batch: StreamBatch) -> list[dict[str, Any]]:
    """The stream's records from the batch's first sequence number to its last, as GetRecords gives them."""
    start, end = int(batch.start), int(batch.end)
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=batch.stream_arn,
            ShardId=batch.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch.start,
        )["ShardIterator"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in EXPIRED_ERRORS:
            raise NotInStream(refusal(error)) from None
        raise
    records: list[dict[str, Any]] = []
    empty = 0
    while iterator and empty < EMPTY_READS:
        page = streams.get_records(ShardIterator=iterator, Limit=READ_LIMIT)
        empty = 0 if page.get("Records") else empty + 1
        for record in page.get("Records", []):
            sequence = int(record["dynamodb"]["SequenceNumber"])
            if sequence > end:
                return _checked(records, start, end)
            if sequence >= start:
                records.append(record)
            if sequence == end:
                return _checked(records, start, end)
        iterator = page.get("NextShardIterator")
    return _checked(records, start, end)


def _checked(records: list[dict[str, Any]], start: int, end: int) -> list[dict[str, Any]]:
    sequences = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    if not sequences or sequences[0] != start or sequences[-1] != end:
        raise NotInStream(f"records {start}..{end} are not all in the stream any more")
    return records


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record (as boto3 parses it) in the shape Lambda delivers: binary values base64, the
    creation time in epoch seconds, `eventSourceARN`."""
    dynamodb = {key: _json_ready(value) for key, value in record["dynamodb"].items()}
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    if isinstance(created, dt.datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    shaped = {
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": record.get("eventSource", "aws:dynamodb"),
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if record.get("userIdentity"):
        shaped["userIdentity"] = record["userIdentity"]
    return shaped


def _json_ready(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | set | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    return value


def batches(records: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive runs of at most `size` records and `MAX_PAYLOAD` bytes."""
    current: list[dict[str, Any]] = []
    used = 0
    for record in records:
        weight = len(json.dumps(record)) + 2
        if current and (len(current) >= size or used + weight > MAX_PAYLOAD):
            yield current
            current, used = [], 0
        current.append(record)
        used += weight
    if current:
        yield current


def replay(batch: StreamBatch, mappings: Sequence[StreamMapping], clients: Clients, region: str) -> Outcome:
    mapping = mapping_of(batch, mappings, clients.lambda_)
    try:
        raw = read_batch(clients.streams, batch)
    except NotInStream as error:
        return still_failing(f"not replayed, the records expired from the stream: {error}")
    except (ClientError, BotoCoreError) as error:
        return still_failing(f"reading the stream failed: {refusal(error)}")
    records = [lambda_record(record, batch.stream_arn, region) for record in raw]
    try:
        kept = [record for record in records if passes(mapping.filters, record)] if mapping else records
    except UnsupportedFilter as error:
        return still_failing(f"not replayed: {error}")
    function = unqualified(batch.function_arn)
    for chunk in batches(kept, mapping.batch_size if mapping else 100):
        outcome = function_outcome(function, invoke(clients.lambda_, function, {"Records": chunk}), batch=True)
        if not outcome.replayed:
            return outcome
    how = "its mapping's filter passed" if mapping else "no mapping listed: unfiltered"
    name = function.rsplit(":", 1)[-1]
    return replayed(f"{name} answered {len(kept)} of the {len(records)} records read again ({how})")
