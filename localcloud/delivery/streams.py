"""The stream pollers: one thread per DynamoDB stream → Lambda event source mapping.

Each poller reads moto's records (the table's *current* `stream_shard`, under `MOTO_LOCK`: no transaction in
progress is seen, a restored table is followed) from its checkpoint, and for each run of new records:
- applies the mapping's filter criteria (`localcloud.delivery.filters`) and invokes the function synchronously
  with batches of at most `batch_size` matching records and Lambda's 6 MB synchronous payload, in stream order,
  as `{"Records": [...]}` (`localcloud.delivery.stream_records`);
- a function error: with `bisect_on_error` the batch is split in halves, retried in order; else it is retried;
- with `report_batch_item_failures`, `{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]}` checkpoints
  the records before the lowest failed one and retries from it; an empty or null list is a success; an
  identifier that is empty, null or not in the batch fails the whole batch;
- after `max_retries` retries (-1: forever, Lambda's default) the failed records are skipped and, with
  `on_failure_arn` (an SQS queue ARN), a failure record in Lambda's shape is sent there;
- with a batching window (`MaximumBatchingWindowInSeconds`), records are gathered that long after the first
  unread one is seen, unless a whole batch of matching records is there first;
- with `localcloud.faults` active, a batch may come late or twice (`stream-delay`, `stream-duplicate`), and an
  invocation failed before the handler (`invoke-before`) is retried whole, never bisected.

A checkpoint is the sequence number of the next record to read. Records every mapping has read are trimmed after a
local retention (`localcloud.delivery.retention`), except a batch sent to the on-failure destination, kept for AWS's
24 hours. Pollers sleep on a condition the patched `StreamShard.add` notifies, with a fallback poll every
`poll_interval` s; the runtime's activity counts a batch in flight and a probe reports unread records, so
`LambdaRuntime.wait_idle` covers the streams.

IAM: the mapping reads the stream with the function's role (`dynamodb:DescribeStream`, `GetShardIterator`,
`GetRecords`, `ListStreams`); refused, it delivers nothing (a warning per distinct refusal; its records stay unread,
not pending), and a failure record reaches its queue only if the role may `sqs:SendMessage`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any, Final, NotRequired, TypedDict, Unpack

from localcloud import faults
from localcloud.aws_sizes import MAX_SYNCHRONOUS_PAYLOAD
from localcloud.delivery.filters import compile_filters
from localcloud.delivery.retention import RETENTION, Retention, StreamKey
from localcloud.delivery.shard_reader import ShardReader
from localcloud.delivery.stream_records import failure_record
from localcloud.destinations import check_destination, send_to_sqs
from localcloud.faults import deliveries as delivery_faults
from localcloud.faults.invocations import is_service_fault
from localcloud.iam.deliveries import destination_allowed, stream_read_refusal
from localcloud.lambda_runtime.function_spec import FunctionNotFound, function_name_of
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.moto_lock import MOTO_LOCK

logger = logging.getLogger("localcloud.delivery")
iam_logger = logging.getLogger("localcloud.iam")  # where every IAM refusal is logged

READ_LIMIT: Final = 1000  # records read from the shard per poll (Lambda reads up to 1,000 per GetRecords)
STARTING_POSITIONS: Final = ("LATEST", "TRIM_HORIZON")
GATHERING_LOOK: Final = 0.25  # s between looks for a whole batch while a batching window gathers records


class StreamMappingOptions(TypedDict):
    """An event source mapping's settings, declared once for `Delivery.add_stream_mapping` and `StreamMapping`."""

    uuid: str
    stream_arn: str
    function: str
    batch_size: int
    filters: Sequence[Any]
    bisect_on_error: bool
    report_batch_item_failures: bool
    max_retries: int
    on_failure_arn: str | None
    starting_position: str
    batching_window: NotRequired[float]
    """`MaximumBatchingWindowInSeconds`: how long records are gathered before a batch smaller than the batch size
    is delivered (0: at once)."""


class StreamMapping:
    def __init__(self, delivery: Delivery, **options: Unpack[StreamMappingOptions]) -> None:
        uuid, stream_arn, function = options["uuid"], options["stream_arn"], options["function"]
        batch_size, max_retries = options["batch_size"], options["max_retries"]
        on_failure_arn, starting_position = options["on_failure_arn"], options["starting_position"]
        if not 1 <= batch_size <= 10000:
            raise ValueError(f"batch size {batch_size}: must be 1 to 10,000")
        if not -1 <= max_retries <= 10000:
            raise ValueError(f"maximum retry attempts {max_retries}: must be -1 to 10,000")
        if starting_position not in STARTING_POSITIONS:
            raise ValueError(f"starting position {starting_position!r}: only {' and '.join(STARTING_POSITIONS)}")
        check_destination(on_failure_arn)
        parts = stream_arn.split(":", 5)
        resource = parts[5].split("/") if len(parts) == 6 else []
        if parts[:3] != ["arn", parts[1], "dynamodb"] or len(resource) != 4 or resource[2] != "stream":
            raise ValueError(f"{stream_arn}: not a DynamoDB stream ARN")
        self.delivery = delivery
        self.uuid = uuid
        self.stream_arn = stream_arn
        self.function = function
        self.batch_size = batch_size
        self.matches = compile_filters(options["filters"])
        self.bisect_on_error = options["bisect_on_error"]
        self.report_batch_item_failures = options["report_batch_item_failures"]
        self.max_retries = max_retries
        self.on_failure_arn = on_failure_arn
        self.batching_window = float(options.get("batching_window", 0.0))
        if not 0 <= self.batching_window <= 300:
            raise ValueError(f"maximum batching window {self.batching_window}: must be 0 to 300 seconds")
        if delivery.max_batching_window is not None:
            self.batching_window = min(self.batching_window, delivery.max_batching_window)
        self._gathering_since: float | None = None  # when the unread records began to be gathered
        self.region, self.account = parts[3], parts[4]
        self.table_name, self.stream_label = resource[1], resource[3]
        self._reader = ShardReader(
            self._shard, stream_arn=stream_arn, region=self.region, matches=self.matches, limit=READ_LIMIT
        )
        self.position = 0  # sequence number of the next record to read
        self.refused: str | None = None  # why the function's role may not read the stream (IAM), if it may not
        self._stop = threading.Event()
        with MOTO_LOCK:
            shard = self._shard()
            if shard is None:
                raise ValueError(f"{stream_arn}: no such stream (table missing or stream not enabled)")
            self.position = shard.starting_sequence_number  # TRIM_HORIZON: the oldest record kept
            if starting_position == "LATEST":
                self.position += len(shard.items)
        self._thread = threading.Thread(target=self._run, name=f"localcloud-stream-{uuid}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def stream(self) -> StreamKey:
        return (self.account, self.region, self.table_name, self.stream_label)

    def _shard(self) -> Any:
        """The table's current shard (call with MOTO_LOCK held), or None if the stream is gone."""
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends[self.account][self.region].tables.get(self.table_name)
        if table is None or table.stream_shard is None or table.latest_stream_label != self.stream_label:
            return None
        return table.stream_shard

    def pending(self) -> bool:
        """True while records past the checkpoint are unread (the activity probe)."""
        with MOTO_LOCK:
            shard = self._shard()
            unread = shard is not None and shard.starting_sequence_number + len(shard.items) > self.position
        return unread and not self._stop.is_set() and self.refused is None

    def _run(self) -> None:
        delivery = self.delivery
        while not self._stop.is_set():
            delivery.trim_streams()
            with delivery.changed:
                version = delivery.version
            if not self._may_read():
                self._stop.wait(delivery.poll_interval)
                continue
            try:
                self.position, shard_id, records = self._reader.read(self.position)
            except Exception:
                logger.exception("localcloud: reading %s failed", self.stream_arn)
                shard_id, records = "", []
            if not records:
                with delivery.changed:
                    if delivery.version == version and not self._stop.is_set():
                        delivery.changed.wait(delivery.poll_interval)
                continue
            if (wait := self._gathering(records)) > 0:
                self._stop.wait(min(wait, GATHERING_LOOK))  # not woken by every write: a look costs a read
                continue
            self._gathering_since = None
            with delivery.runtime.activity.busy():
                try:
                    self._process(shard_id, records)
                except Exception:
                    logger.exception("localcloud: delivering %s to %s failed", self.stream_arn, self.function)
                    self._stop.wait(delivery.retry_delay)

    def _gathering(self, records: list[dict[str, Any]]) -> float:
        """Seconds still to gather records before delivering (Lambda's batching window): 0 once the window has
        passed since the first unread record was seen, or a whole batch (or a full read) of matching records is
        there, or none matches."""
        if self.batching_window <= 0:
            return 0.0
        matching = self._reader.matching()
        if matching == 0 or matching >= self.batch_size or len(records) >= READ_LIMIT:
            return 0.0
        now = time.monotonic()
        if self._gathering_since is None:
            self._gathering_since = now
        return max(0.0, self._gathering_since + self.batching_window - now)

    def _may_read(self) -> bool:
        """Lambda reads the stream with the function's role: while it may not, nothing is delivered (each distinct
        refusal logged once, when it starts: a different action refused later is logged too)."""
        try:
            function_arn = self.delivery.runtime.function_arn(self.function)
        except FunctionNotFound:
            return True  # the delivery reports it
        refused = stream_read_refusal(function_arn, self.stream_arn)
        if refused is not None and refused != self.refused:
            iam_logger.warning("localcloud IAM: event source mapping %s cannot read the stream: %s", self.uuid, refused)
        self.refused = refused
        return refused is None

    def _process(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        index = 0
        while index < len(records) and not self._stop.is_set():
            batch: list[dict[str, Any]] = []
            size = len(b'{"Records": []}')
            end = index
            while end < len(records) and len(batch) < self.batch_size:
                if self.matches(records[end]):
                    record_size = len(json.dumps(records[end]).encode()) + 2  # and its ", "
                    if batch and size + record_size > MAX_SYNCHRONOUS_PAYLOAD:
                        break  # the rest goes in the next batch, as Lambda caps a batch's payload
                    batch.append(records[end])
                    size += record_size
                end += 1
            if batch:
                self._deliver(shard_id, batch)
                if self._stop.is_set():
                    return
            self.position += end - index
            index = end

    def _deliver(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        work: deque[tuple[list[dict[str, Any]], int]] = deque([(batch, 0)])
        while work and not self._stop.is_set():
            records, attempts = work.popleft()
            while not self._stop.is_set():
                payload, errored = self._invoke(records)
                if errored:
                    if self.bisect_on_error and len(records) > 1 and not is_service_fault(payload):
                        middle = (len(records) + 1) // 2
                        work.appendleft((records[middle:], attempts))
                        work.appendleft((records[:middle], attempts))
                        break
                    attempts += 1
                else:
                    failed_from = self._first_failure(records, payload)
                    if failed_from is None:
                        break
                    attempts += 1
                    records = records[failed_from:]
                if self.max_retries != -1 and attempts > self.max_retries:
                    self._send_failure(shard_id, records, attempts, errored)
                    break
                faults.retried("stream batch")
                self._stop.wait(self.delivery.retry_delay)

    def _invoke(self, records: list[dict[str, Any]]) -> tuple[Any, bool]:
        """One delivery of the batch; with `localcloud.faults` active it may come late or twice."""
        deliveries = 1
        if faults.active() is not None:
            name = function_name_of(self.function)
            what = f"stream batch {records[0]['dynamodb']['SequenceNumber']}+{len(records)} of {name}"
            if delay := delivery_faults.delay("stream-delay", name, what):
                self._stop.wait(delay)
            deliveries += delivery_faults.happens("stream-duplicate", name, what)
        for _ in range(deliveries):
            try:
                payload, errored = self.delivery.runtime.invoke(self.function, {"Records": records})
            except FunctionNotFound as error:
                payload, errored = {"errorMessage": str(error), "errorType": "ResourceNotFoundException"}, True
        return payload, errored

    def _first_failure(self, records: list[dict[str, Any]], payload: Any) -> int | None:
        """Index of the record to retry from, or None if the batch succeeded."""
        if not self.report_batch_item_failures or not isinstance(payload, dict):
            return None
        failures = payload.get("batchItemFailures")
        if not failures:
            return None
        positions = {record["dynamodb"]["SequenceNumber"]: index for index, record in enumerate(records)}
        indexes = []
        if not isinstance(failures, list):
            return 0
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not identifier or identifier not in positions:
                return 0  # Lambda treats the whole batch as failed
            indexes.append(positions[identifier])
        return min(indexes)

    def _send_failure(self, shard_id: str, records: list[dict[str, Any]], attempts: int, errored: bool) -> None:
        if self.on_failure_arn is None:
            logger.warning(
                "%s: records %s..%s skipped after %d attempts (no on-failure destination)",
                self.function,
                records[0]["dynamodb"]["SequenceNumber"],
                records[-1]["dynamodb"]["SequenceNumber"],
                attempts,
            )
            return
        try:
            function_arn = self.delivery.runtime.function_arn(self.function)
        except FunctionNotFound:
            function_arn = self.function
        record = failure_record(
            function_arn=function_arn,
            stream_arn=self.stream_arn,
            shard_id=shard_id,
            records=records,
            attempts=attempts,
            errored=errored,
        )
        if destination_allowed(function_arn, self.on_failure_arn, f"{self.function}: the failure record"):
            send_to_sqs(self.on_failure_arn, json.dumps(record))
            self.delivery.retention.pin(self.stream, int(records[0]["dynamodb"]["SequenceNumber"]))


class Delivery:
    """Owns the stream pollers; registers them with the runtime's idle tracking and `close()`."""

    def __init__(
        self,
        runtime: LambdaRuntime,
        *,
        retry_delay: float = 0.02,
        poll_interval: float = 1.0,
        retention: float = RETENTION,
        max_batching_window: float | None = None,
    ) -> None:
        """`max_batching_window`: a cap on every mapping's window (s), time compressed for tests as `retry_delay`
        is; None keeps the template's."""
        self.runtime = runtime
        self.max_batching_window = max_batching_window
        self.retry_delay = retry_delay
        self.poll_interval = poll_interval
        self.retention = Retention(retention=retention)
        self.changed = threading.Condition()
        self.version = 0
        self._mappings: dict[str, StreamMapping] = {}
        self._closed = False
        runtime.add_closer(self.close)

    def add_stream_mapping(self, **options: Unpack[StreamMappingOptions]) -> None:
        uuid = options["uuid"]
        if self._closed:
            raise RuntimeError("the delivery is closed")
        if uuid in self._mappings:
            raise ValueError(f"event source mapping {uuid} exists")
        mapping = StreamMapping(self, **options)
        self._mappings[uuid] = mapping
        self.runtime.activity.add_probe(mapping.pending)
        mapping.start()

    def remove_stream_mapping(self, uuid: str) -> None:
        """Stops delivering (DeleteEventSourceMapping); records are kept in the stream."""
        mapping = self._mappings.pop(uuid)
        self.runtime.activity.remove_probe(mapping.pending)
        mapping.stop()
        self.notify()
        mapping.join(5)

    @property
    def mappings(self) -> dict[str, StreamMapping]:
        return dict(self._mappings)

    def trim_streams(self) -> None:
        """Trims the streams' records nothing needs any more (`localcloud.delivery.retention`), when due."""
        if not self.retention.due():
            return
        positions: dict[StreamKey, list[int]] = {}
        for mapping in list(self._mappings.values()):
            positions.setdefault(mapping.stream, []).append(mapping.position)
        try:
            self.retention.trim(positions)
        except Exception:
            logger.exception("localcloud: trimming the streams failed")

    def notify(self) -> None:
        """A stream record was written (called by the patched `StreamShard.add`)."""
        with self.changed:
            self.version += 1
            self.changed.notify_all()
        self.runtime.activity.poke()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for mapping in self._mappings.values():
            mapping.stop()
        self.notify()
        for mapping in self._mappings.values():
            mapping.join(5)
