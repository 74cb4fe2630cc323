"""`python -m deploy_check [--stage …] [--outdir DIR] [--checkov PATH]` (`make deploy-check`): each
stage synthesized with cdk-nag on, then cfn-lint and checkov over its templates, judged by `acknowledged.toml`.
Exit 0 when nothing is new or stale, 1 otherwise (each new finding and stale acknowledgement is listed)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

from deploy_check.findings import Verdict, judge, load
from deploy_check.tools import ToolError, cfn_lint, checkov

ROOT: Final = Path(__file__).resolve().parents[1]
STAGES: Final = ("dev", "prod")
DEFAULT_CHECKOV: Final = ROOT / ".venv-checkov" / "bin" / "checkov"


def synthesize(stage: str, outdir: Path) -> list[Path]:
    """The stage's templates as `cdk deploy --all -c stage=<stage>` deploys them (environment-agnostic, bundling
    skipped: the templates are the same but for the layers' asset hashes), cdk-nag on."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from stacks.app_builder import build_app  # jsii starts here

    context = {"stage": stage, "nag": True, "aws:cdk:bundling-stacks": []}
    assembly = build_app(context, outdir=str(outdir), environ={}).synth()
    return [outdir / stack.template_file for stack in assembly.stacks]


def nag_findings(outdir: Path) -> list[str]:
    report = outdir / "validation-report.json"
    if not report.is_file():
        return []
    lines = []
    for plugin in json.loads(report.read_text()).get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for resource in violation.get("violatingResources", []):
                lines.append(
                    f"cdk-nag {violation.get('ruleName')} {resource.get('templatePath', '')}: "
                    f"{resource.get('resourceLogicalId', '')}"
                )
    return lines


def summary(verdict: Verdict, tool: str) -> str:
    covered = [(ack, found) for ack, found in verdict.acknowledged if ack.tool == tool and found]
    counts = ", ".join(f"{ack.rule} {len(found)}" for ack, found in covered)
    return counts or "none"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy_check", description=__doc__)
    parser.add_argument("--stage", action="append", choices=STAGES, help="a stage to check (default: every stage)")
    parser.add_argument("--outdir", type=Path, help="where the stages are synthesized (default: a temporary folder)")
    parser.add_argument("--checkov", type=Path, default=DEFAULT_CHECKOV, help=f"default {DEFAULT_CHECKOV}")
    args = parser.parse_args(argv)
    if args.outdir is not None:
        return check(args.stage or list(STAGES), args.outdir, args.checkov)
    with tempfile.TemporaryDirectory(prefix="deploy-check-") as outdir:
        return check(args.stage or list(STAGES), Path(outdir), args.checkov)


def check(stages: Sequence[str], outdir: Path, checkov_executable: Path) -> int:
    started = time.perf_counter()
    templates: list[Path] = []
    for stage in stages:
        try:
            templates += synthesize(stage, outdir / stage)
        except Exception as error:  # cdk-nag's ValidationFailed, or a stage the config refuses
            print(f"deploy-check: stage {stage} does not synthesize: {str(error).strip()[:2000]}", file=sys.stderr)
            for line in nag_findings(outdir / stage):
                print(f"  new: {line}", file=sys.stderr)
            return 1
    # A file name is a stack: the account stack is the same template in every stage (tests/infrastructure).
    unique = list({t.name: t for t in templates}.values())
    names = [t.name for t in unique]
    print(
        f"deploy-check: {', '.join(stages)} synthesized with cdk-nag, no unacknowledged finding: {', '.join(names)}"
        f" ({time.perf_counter() - started:.1f} s)"
    )
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:  # the two checkers' processes side by side
            linted = pool.submit(cfn_lint, unique)
            scanned = pool.submit(checkov, checkov_executable, unique)
            findings, (checked, totals) = linted.result(), scanned.result()
    except ToolError as error:
        print(f"deploy-check: {error}", file=sys.stderr)
        return 1
    verdict = judge([*findings, *checked], load())
    acknowledged = summary(verdict, "cfn-lint")
    print(f"cfn-lint: {len(findings)} findings over {len(unique)} templates; acknowledged: {acknowledged}")
    print(
        f"checkov: {totals['passed']} passed, {totals['failed']} failed over {totals['resource_count']} resources of "
        f"{len(names)} templates; acknowledged: {summary(verdict, 'checkov')}"
    )
    for finding in verdict.new:
        print(f"  new: {finding.describe()}", file=sys.stderr)
    for ack in verdict.stale:
        print(f"  stale acknowledgement (covers nothing): {ack.tool} {ack.rule} {list(ack.resources)}", file=sys.stderr)
    by_rule = Counter(f.rule for f in verdict.new)
    if not verdict.passed:
        print(
            f"deploy-check: FAILED: {len(verdict.new)} new findings {dict(by_rule)}, {len(verdict.stale)} stale "
            "acknowledgements (deploy_check/acknowledged.toml)",
            file=sys.stderr,
        )
        return 1
    print(f"deploy-check: passed ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
