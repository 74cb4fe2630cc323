"""`python -m operations.redrive [--outputs FILE] [--stage NAME] [--list] [--queue PART ...]` (`make redrive`).

Lists each of the stage's dead-letter and on-failure queues with its kind and count, then replays every
message to where it came from: a replayed message is deleted, one that still fails returns to its queue at
once. Exit status: 0 when nothing still fails, 1 when something does (or a queue could not be read), 2 when
the outputs file names no stage or the stage's queues cannot be listed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from operations.redrive import report
from operations.redrive.discovery import discover
from operations.redrive.drain import drain
from operations.redrive.invoke import refusal
from operations.redrive.replay import handler
from operations.redrive.stage import DEFAULT_OUTPUTS, OutputsError, clients_for, read_stage

AWS_WAIT_SECONDS = 1
"""Long polling on AWS (short polling may answer empty while messages wait); the local cloud's count is exact."""


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m operations.redrive", description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "--outputs",
        type=Path,
        default=DEFAULT_OUTPUTS,
        help=f"the stage's outputs file: make run's {DEFAULT_OUTPUTS} (the default) or cdk deploy --outputs-file's",
    )
    parser.add_argument("--stage", help="the stage (needed only when the outputs file holds several)")
    parser.add_argument("--region", help="the region, when no ARN in the outputs gives it")
    parser.add_argument("--list", action="store_true", help="list what waits; replay nothing")
    parser.add_argument(
        "--queue", action="append", default=[], metavar="PART", help="only queues whose name contains PART"
    )
    parser.add_argument(
        "--wait-seconds",
        type=int,
        help=f"how long each receive waits for messages (default {AWS_WAIT_SECONDS} on AWS, 0 on the local cloud)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    options = arguments(argv)
    try:
        stage = read_stage(options.outputs, stage=options.stage, region=options.region)
        clients = clients_for(stage)
        out(report.header(stage, listing=options.list))
        queues = discover(clients, stage, tuple(options.queue))
    except OutputsError as error:
        out(f"redrive: {error}")
        return 2
    except (ClientError, BotoCoreError) as error:
        out(f"redrive: cannot read the stage's queues: {refusal(error)}")
        return 2
    for line in report.queue_table(queues):
        out(line)
    runs = []
    wait = options.wait_seconds if options.wait_seconds is not None else 0 if stage.endpoint_url else AWS_WAIT_SECONDS
    unreadable = []
    for queue in queues:
        try:
            runs.append(
                drain(
                    clients.sqs,
                    queue,
                    handler(queue, clients, stage.region, listing=options.list),
                    keep=options.list,
                    wait_seconds=wait,
                    shown=report.QueueSection(out, queue.name, listing=options.list),
                )
            )
        except (ClientError, BotoCoreError) as error:
            out(f"{queue.name}: cannot receive its messages: {refusal(error)}")
            unreadable.append(queue.name)
    for line in report.summary(runs, listing=options.list):
        out(line)
    failing = any(run.still_failing for run in runs) and not options.list
    return 1 if failing or unreadable else 0


if __name__ == "__main__":
    sys.exit(main())
