"""DynamoDB stream → Lambda event source mappings, delivered as Lambda's stream poller does.

Interface:

    delivery = Delivery(runtime)
    delivery.add_stream_mapping(uuid=..., stream_arn=..., function=..., batch_size=100, filters=[...],
                                bisect_on_error=False, report_batch_item_failures=False, max_retries=-1,
                                on_failure_arn=None, starting_position="LATEST")

One poller thread per mapping reads the stream's records from moto's backend (the table's *current*
`stream_shard`, under `MOTO_LOCK`, so a transaction in progress is never seen and a restored table is
followed) from its checkpoint, and for each run of new records:
- applies the mapping's filter criteria (`filters`: each a pattern dict, or `{"Pattern": "<json>"}`, or the
  JSON text; a record is delivered if any pattern matches; no filter delivers everything). Pattern forms:
  nested objects, lists of alternatives with exact values (string, number, boolean, null), `prefix`,
  `suffix`, `equals-ignore-case`, `anything-but` (value, list, or `{"prefix": ...}`), `exists`,
  `numeric` and `$or`; any other form is rejected when the mapping is added (ValueError);
- invokes the function synchronously with batches of at most `batch_size` matching records, in stream
  order, as `{"Records": [...]}` with Lambda's record shape (`eventID`, `eventName`, `eventVersion`,
  `eventSource: aws:dynamodb`, `awsRegion`, `dynamodb{Keys, NewImage, OldImage, SequenceNumber, SizeBytes,
  StreamViewType, ApproximateCreationDateTime (epoch seconds)}`, `eventSourceARN`);
- a function error: with `bisect_on_error` the batch is split in two halves, retried in order (a split does
  not count as a retry); otherwise (or for a single record) it is retried;
- with `report_batch_item_failures`, a response `{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]}`
  checkpoints the records before the lowest failed one and retries from it; an empty or null list is a
  success; an identifier that is empty, null or not in the batch fails the whole batch;
- after `max_retries` retries (-1: forever, Lambda's default) the failed records are skipped and, with
  `on_failure_arn` (an SQS queue ARN), a failure record in Lambda's shape is sent there:
  `{"requestContext": {"requestId", "functionArn", "condition": "RetryAttemptsExhausted",
  "approximateInvokeCount"}, "responseContext": {"statusCode", "executedVersion", "functionError"},
  "version", "timestamp", "DDBStreamBatchInfo": {"shardId", "startSequenceNumber", "endSequenceNumber",
  "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord", "batchSize", "streamArn"}}`.

Pollers sleep on a condition that the patched `StreamShard.add` notifies (`Delivery.notify`), with a
fallback poll every `poll_interval` seconds; while a batch is in flight the runtime's activity counts it,
and a probe reports unread records, so `LambdaRuntime.wait_idle` covers the streams. Retries wait
`retry_delay` seconds. `LambdaRuntime.close()` stops the pollers (also `Delivery.close()`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid as uuidlib
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Final

from localcloud.aws_formats import iso_now
from localcloud.destinations import check_destination, send_to_sqs
from localcloud.lambda_runtime.function_spec import FunctionNotFound
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.moto_lock import MOTO_LOCK

logger = logging.getLogger("localcloud.delivery")

READ_LIMIT: Final = 1000  # records read from the shard per poll (Lambda reads up to 1,000 per GetRecords)
STARTING_POSITIONS: Final = ("LATEST", "TRIM_HORIZON")


# ----------------------------------------------------------------------------- filter criteria


Matcher = Callable[[dict[str, Any]], bool]
_MISSING: Final = object()


class UnsupportedPattern(ValueError):
    pass


def compile_filters(filters: Sequence[Any]) -> Matcher:
    """One matcher for the mapping's FilterCriteria (any pattern matches; none at all matches everything)."""
    patterns = [compile_pattern(_pattern_of(entry)) for entry in filters]
    if not patterns:
        return lambda record: True
    return lambda record: any(pattern(record) for pattern in patterns)


def _pattern_of(entry: Any) -> dict[str, Any]:
    if isinstance(entry, str):
        entry = json.loads(entry)
    if isinstance(entry, dict) and set(entry) == {"Pattern"} and isinstance(entry["Pattern"], str):
        entry = json.loads(entry["Pattern"])
    if not isinstance(entry, dict):
        raise UnsupportedPattern(f"a filter pattern must be a JSON object, not {entry!r}")
    return entry


def compile_pattern(pattern: dict[str, Any]) -> Matcher:
    checks: list[Matcher] = []
    for key, sub in pattern.items():
        if key == "$or":
            if not isinstance(sub, list) or len(sub) < 2:
                raise UnsupportedPattern(f"$or needs a list of at least two patterns, not {sub!r}")
            checks.append(_any_of([compile_pattern(_pattern_of(alternative)) for alternative in sub]))
        elif isinstance(sub, dict):
            checks.append(_nested(key, compile_pattern(sub)))
        elif isinstance(sub, list):
            checks.append(_field(key, _compile_leaf(key, sub)))
        else:
            raise UnsupportedPattern(f"pattern field {key!r}: expected an object or a list, not {sub!r}")
    return lambda value: isinstance(value, dict) and all(check(value) for check in checks)


def _any_of(alternatives: list[Matcher]) -> Matcher:
    return lambda value: any(alternative(value) for alternative in alternatives)


def _nested(key: str, nested: Matcher) -> Matcher:
    return lambda value: isinstance(value.get(key), dict) and nested(value[key])


def _field(key: str, leaf: Callable[[Any], bool]) -> Matcher:
    return lambda value: leaf(value.get(key, _MISSING))


def _compile_leaf(key: str, alternatives: list[Any]) -> Callable[[Any], bool]:
    if not alternatives:
        raise UnsupportedPattern(f"pattern field {key!r}: an empty list matches nothing")
    matchers = [_compile_alternative(key, alternative) for alternative in alternatives]
    exists_only = [m for m, a in zip(matchers, alternatives, strict=True) if isinstance(a, dict) and "exists" in a]

    def leaf(value: Any) -> bool:
        if value is _MISSING:
            return any(m(_MISSING) for m in exists_only)
        values = value if isinstance(value, list) else [value]
        return any(m(v) for m in matchers for v in values)

    return leaf


def _same_scalar(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool) or expected is None or value is None:
        return expected is value or (type(expected) is type(value) and expected == value)
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return float(expected) == float(value)
    return type(expected) is type(value) and expected == value


def _compile_alternative(key: str, alternative: Any) -> Callable[[Any], bool]:
    if alternative is None or isinstance(alternative, str | int | float | bool):
        return lambda value: value is not _MISSING and _same_scalar(alternative, value)
    if not isinstance(alternative, dict) or len(alternative) != 1:
        raise UnsupportedPattern(f"pattern field {key!r}: unsupported alternative {alternative!r}")
    ((operator, operand),) = alternative.items()
    if operator == "prefix" and isinstance(operand, str):
        return lambda value: isinstance(value, str) and value.startswith(operand)
    if operator == "suffix" and isinstance(operand, str):
        return lambda value: isinstance(value, str) and value.endswith(operand)
    if operator == "equals-ignore-case" and isinstance(operand, str):
        return lambda value: isinstance(value, str) and value.casefold() == operand.casefold()
    if operator == "exists" and isinstance(operand, bool):
        return lambda value: (value is not _MISSING) is operand
    if operator == "anything-but":
        if isinstance(operand, dict) and set(operand) == {"prefix"} and isinstance(operand["prefix"], str):
            prefix = operand["prefix"]
            return lambda value: isinstance(value, str) and not value.startswith(prefix)
        excluded = operand if isinstance(operand, list) else [operand]
        if not all(e is None or isinstance(e, str | int | float | bool) for e in excluded):
            raise UnsupportedPattern(f"pattern field {key!r}: unsupported anything-but {operand!r}")
        return lambda value: value is not _MISSING and not any(_same_scalar(e, value) for e in excluded)
    if operator == "numeric" and isinstance(operand, list):
        return _compile_numeric(key, operand)
    raise UnsupportedPattern(f"pattern field {key!r}: unsupported filter form {alternative!r}")


_COMPARISONS: Final[dict[str, Callable[[float, float], bool]]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compile_numeric(key: str, operand: list[Any]) -> Callable[[Any], bool]:
    if len(operand) not in (2, 4):
        raise UnsupportedPattern(f"pattern field {key!r}: unsupported numeric {operand!r}")
    conditions = []
    for index in range(0, len(operand), 2):
        operator, bound = operand[index], operand[index + 1]
        if operator not in _COMPARISONS or isinstance(bound, bool) or not isinstance(bound, int | float):
            raise UnsupportedPattern(f"pattern field {key!r}: unsupported numeric {operand!r}")
        conditions.append((_COMPARISONS[operator], float(bound)))

    def numeric(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return all(compare(float(value), bound) for compare, bound in conditions)

    return numeric


# ----------------------------------------------------------------------------- records


def _epoch_seconds(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return int(value.timestamp())
    return value


def lambda_record(raw: dict[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """A moto `StreamRecord.to_json()` as a Lambda event record."""
    dynamodb = dict(raw["dynamodb"])
    dynamodb["ApproximateCreationDateTime"] = _epoch_seconds(dynamodb.get("ApproximateCreationDateTime"))
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def _iso(epoch: Any) -> str | None:
    if not isinstance(epoch, int | float):
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ----------------------------------------------------------------------------- mappings


class StreamMapping:
    def __init__(
        self,
        delivery: Delivery,
        *,
        uuid: str,
        stream_arn: str,
        function: str,
        batch_size: int,
        filters: Sequence[Any],
        bisect_on_error: bool,
        report_batch_item_failures: bool,
        max_retries: int,
        on_failure_arn: str | None,
        starting_position: str,
    ) -> None:
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
        self.matches = compile_filters(filters)
        self.bisect_on_error = bisect_on_error
        self.report_batch_item_failures = report_batch_item_failures
        self.max_retries = max_retries
        self.on_failure_arn = on_failure_arn
        self.region, self.account = parts[3], parts[4]
        self.table_name, self.stream_label = resource[1], resource[3]
        self.position = 0  # index in the shard's records of the next record to read
        self._stop = threading.Event()
        with MOTO_LOCK:
            shard = self._shard()
            if shard is None:
                raise ValueError(f"{stream_arn}: no such stream (table missing or stream not enabled)")
            if starting_position == "LATEST":
                self.position = len(shard.items)
        self._thread = threading.Thread(target=self._run, name=f"localcloud-stream-{uuid}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

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
            return shard is not None and len(shard.items) > self.position and not self._stop.is_set()

    def _read(self) -> tuple[str, list[dict[str, Any]]]:
        with MOTO_LOCK:
            shard = self._shard()
            if shard is None:
                return "", []
            self.position = min(self.position, len(shard.items))
            raw = [item.to_json() for item in shard.items[self.position : self.position + READ_LIMIT]]
            records = [lambda_record(r, stream_arn=self.stream_arn, region=self.region) for r in raw]
            return shard.id, json.loads(json.dumps(records))

    def _run(self) -> None:
        delivery = self.delivery
        while not self._stop.is_set():
            with delivery.changed:
                version = delivery.version
            try:
                shard_id, records = self._read()
            except Exception:
                logger.exception("localcloud: reading %s failed", self.stream_arn)
                shard_id, records = "", []
            if not records:
                with delivery.changed:
                    if delivery.version == version and not self._stop.is_set():
                        delivery.changed.wait(delivery.poll_interval)
                continue
            with delivery.runtime.activity.busy():
                try:
                    self._process(shard_id, records)
                except Exception:
                    logger.exception("localcloud: delivering %s to %s failed", self.stream_arn, self.function)
                    self._stop.wait(delivery.retry_delay)

    def _process(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        index = 0
        while index < len(records) and not self._stop.is_set():
            batch: list[dict[str, Any]] = []
            end = index
            while end < len(records) and len(batch) < self.batch_size:
                if self.matches(records[end]):
                    batch.append(records[end])
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
                try:
                    payload, errored = self.delivery.runtime.invoke(self.function, {"Records": records})
                except FunctionNotFound as error:
                    payload, errored = {"errorMessage": str(error), "errorType": "ResourceNotFoundException"}, True
                if errored:
                    if self.bisect_on_error and len(records) > 1:
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
                self._stop.wait(self.delivery.retry_delay)

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
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        if self.on_failure_arn is None:
            logger.warning(
                "%s: records %s..%s skipped after %d attempts (no on-failure destination)",
                self.function,
                first["SequenceNumber"],
                last["SequenceNumber"],
                attempts,
            )
            return
        try:
            function_arn = self.delivery.runtime.function_arn(self.function)
        except FunctionNotFound:
            function_arn = self.function
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if errored:
            response_context["functionError"] = "Unhandled"
        record = {
            "requestContext": {
                "requestId": str(uuidlib.uuid4()),
                "functionArn": function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": response_context,
            "version": "1.0",
            "timestamp": iso_now(),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(first.get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": _iso(last.get("ApproximateCreationDateTime")),
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
        }
        send_to_sqs(self.on_failure_arn, json.dumps(record))


class Delivery:
    """Owns the stream pollers; registers them with the runtime's idle tracking and `close()`."""

    def __init__(self, runtime: LambdaRuntime, *, retry_delay: float = 0.02, poll_interval: float = 1.0) -> None:
        self.runtime = runtime
        self.retry_delay = retry_delay
        self.poll_interval = poll_interval
        self.changed = threading.Condition()
        self.version = 0
        self._mappings: dict[str, StreamMapping] = {}
        self._closed = False
        runtime.add_closer(self.close)

    def add_stream_mapping(
        self,
        *,
        uuid: str,
        stream_arn: str,
        function: str,
        batch_size: int,
        filters: list[Any],
        bisect_on_error: bool,
        report_batch_item_failures: bool,
        max_retries: int,
        on_failure_arn: str | None,
        starting_position: str,
    ) -> None:
        if self._closed:
            raise RuntimeError("the delivery is closed")
        if uuid in self._mappings:
            raise ValueError(f"event source mapping {uuid} exists")
        mapping = StreamMapping(
            self,
            uuid=uuid,
            stream_arn=stream_arn,
            function=function,
            batch_size=batch_size,
            filters=filters,
            bisect_on_error=bisect_on_error,
            report_batch_item_failures=report_batch_item_failures,
            max_retries=max_retries,
            on_failure_arn=on_failure_arn,
            starting_position=starting_position,
        )
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
