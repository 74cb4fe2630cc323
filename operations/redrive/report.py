"""What the redrive prints: the queues with their kind and count, one line per message handled, and per queue
how many were waiting, replayed and still failing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from operations.redrive.discovery import DeadLetterQueue
from operations.redrive.drain import Handled, QueueRun
from operations.redrive.stage import Stage


def header(stage: Stage, *, listing: bool) -> str:
    return f"redrive{' (list only)' if listing else ''}: {stage.describe()}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def queue_table(queues: Sequence[DeadLetterQueue]) -> list[str]:
    if not queues:
        return ["no queue of the stage matches"]
    width = max(len(queue.name) for queue in queues)
    lines = [f"{plural(len(queues), 'queue')}, with what waits in each (approximately) and what sends to it:"]
    for queue in queues:
        in_flight = f" (+{queue.in_flight} in flight)" if queue.in_flight else ""
        lines.append(f"  {queue.name:<{width}}  {queue.waiting:>5}{in_flight}  {queue.kind}")
    return lines


def message_lines(handled: Handled, *, listing: bool) -> list[str]:
    what = handled.parked.describe()
    if listing:
        return [f"  waiting        {what}"]
    status = "replayed" if handled.outcome.replayed else "still failing"
    return [f"  {status:<13}  {what}", f"                 → {handled.outcome.note}"]


class QueueSection:
    """Prints one queue's message lines, its name before the first."""

    def __init__(self, out: Callable[[str], None], name: str, *, listing: bool) -> None:
        self._out, self._name, self._listing, self._started = out, name, listing, False

    def __call__(self, handled: Handled) -> None:
        if not self._started:
            self._out(f"{self._name}:")
            self._started = True
        for line in message_lines(handled, listing=self._listing):
            self._out(line)


SUMMARY_COLUMNS = ("waiting", "replayed", "still failing")


def summary(runs: Sequence[QueueRun], *, listing: bool) -> list[str]:
    """Per queue that had messages: waiting, replayed, still failing; then the total."""
    busy = [run for run in runs if run.waiting]
    waiting = sum(run.waiting for run in runs)
    if listing:
        return [f"listed {plural(waiting, 'message')} in {plural(len(busy), 'queue')}; nothing replayed"]
    if not busy:
        return [f"nothing waits in {plural(len(runs), 'queue')}: nothing to replay"]
    width = max(len("total"), *(len(run.queue.name) for run in busy))
    rows = [(run.queue.name, run.waiting, run.replayed, run.still_failing) for run in busy]
    rows.append(("total", waiting, sum(run.replayed for run in runs), sum(run.still_failing for run in runs)))
    lines = ["redriven:", f"  {'queue':<{width}}  " + "  ".join(SUMMARY_COLUMNS)]
    for name, *counts in rows:
        cells = "  ".join(f"{count:>{len(column)}}" for column, count in zip(SUMMARY_COLUMNS, counts, strict=True))
        lines.append(f"  {name:<{width}}  {cells}")
    empty = len(runs) - len(busy)
    if empty:
        lines.append(f"  (nothing waited in the other {plural(empty, 'queue')})")
    return lines
