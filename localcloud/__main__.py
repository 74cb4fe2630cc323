"""`python -m localcloud [--port 8000] [--stage dev] [--verbose] [--no-iam] [--faults SPEC]`: the system, until Ctrl-C.

The console shows one line per API request and per function log record; the functions' full output
(records as written, metric blobs) is in `<state dir>/functions.log`, and on the console with `--verbose`.

IAM is enforced as on AWS (`localcloud.iam`): a function's request its role does not allow fails with the
service's access-denied error; `--no-iam` turns that off, to debug.

`--faults SPEC [--faults-seed N]` injects AWS's transient faults once deployed (`localcloud.faults`; the
grammar and kinds are listed by `--help`); the counts are printed at the stop.

`--list-types` prints the CloudFormation resource types the deployer handles and those it skips,
with the reason for each.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType


def list_types() -> str:
    from localcloud.resources.registry import HANDLED_TYPES, SKIPPED_TYPES

    lines = ["Handled resource types:"]
    lines += [f"  {name:40} {what}" for name, what in sorted(HANDLED_TYPES.items())]
    lines += ["", "Skipped resource types (not created, with the reason):"]
    lines += [f"  {name:40} {why}" for name, why in sorted(SKIPPED_TYPES.items())]
    lines += ["", "Any other type stops the start with an error naming it and the resource."]
    return "\n".join(lines)


def fault_spec(text: str) -> str:
    """`--faults`: the spec as given, once it parses (a bad one stops here, listing the kinds); "" is none."""
    from localcloud.faults.spec import FaultSpecError, parse

    if not text.strip():
        return ""
    try:
        parse(text)
    except FaultSpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def faults_epilog() -> str:
    from localcloud.faults.spec import GRAMMAR, kinds_help

    return f"--faults SPEC, off by default:\n{GRAMMAR}\n\nKinds (@ what a target names):\n{kinds_help()}"


def main(argv: list[str] | None = None) -> int:
    from localcloud.server import REPO_ROOT

    parser = argparse.ArgumentParser(
        prog="python -m localcloud",
        description=__doc__.splitlines()[0],
        epilog=faults_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8000, help="API port on 127.0.0.1 (default 8000)")
    parser.add_argument("--aws-port", type=int, default=None, help="AWS endpoint port (default: port + 1)")
    parser.add_argument("--stage", default="dev", help="stage to synthesize: context `stage` (default dev)")
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdk.out", help="cloud assembly directory")
    parser.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".localcloud", help="where outputs.json goes")
    parser.add_argument(
        "--no-nag", action="store_true", help="synthesize without cdk-nag (the app's noNagContext; faster)"
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also print the functions' output as written (JSON records, metric blobs); always in functions.log",
    )
    parser.add_argument(
        "--no-iam",
        action="store_true",
        help="do not enforce IAM (identity policies, Lambda permissions): every request is allowed; to debug only",
    )
    parser.add_argument(
        "--faults",
        type=fault_spec,
        default="",
        metavar="SPEC",
        help="inject AWS's transient faults at these rates once deployed, e.g. 0.1 or dynamodb-throttle=0.2 (below)",
    )
    parser.add_argument(
        "--faults-seed",
        type=int,
        default=0,
        metavar="N",
        help="the seed the fault decisions derive from (default 0): the same seed and work, the same faults",
    )
    parser.add_argument("--list-types", action="store_true", help="print the resource types handled and skipped")
    args = parser.parse_args(argv)

    if args.list_types:
        print(list_types())
        return 0

    from localcloud.records import DeployError
    from localcloud.server import LocalCloud, Settings

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Explicitly: a process started in the background inherits SIGINT ignored.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's access log
    cloud = LocalCloud(
        Settings(
            stage=args.stage,
            port=args.port,
            aws_port=args.aws_port,
            outdir=args.outdir,
            state_dir=args.state_dir,
            nag=not args.no_nag,
            verbose=args.verbose,
            iam=not args.no_iam,
            faults=args.faults,
            faults_seed=args.faults_seed,
            log=lambda line: print(line, flush=True),
        )
    )
    code = 0
    try:
        cloud.start()
        print("serving; Ctrl-C to stop", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    except (DeployError, RuntimeError) as error:
        print(f"localcloud: {error}", file=sys.stderr, flush=True)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("localcloud: stopping", flush=True)
        cloud.stop()
        print("localcloud: stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
