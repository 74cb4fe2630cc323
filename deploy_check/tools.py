"""cfn-lint (this venv's) and checkov (its own venv, `.venv-checkov`: its pins conflict with the project's) over
template files, their reports read into `Finding`s."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from deploy_check.findings import Finding

CFN_LINT: Final = Path(sys.executable).with_name("cfn-lint")
CFN_LINT_OK: Final = (0, 2, 4, 6, 8, 10, 12, 14)
"""cfn-lint's exit codes are a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 a crash."""


class ToolError(RuntimeError):
    """A checker did not run to its end: its report cannot be judged."""


def resource_types(template: Path) -> dict[str, str]:
    return {logical_id: r.get("Type", "") for logical_id, r in json.loads(template.read_text())["Resources"].items()}


def cfn_lint(templates: Sequence[Path]) -> list[Finding]:
    run = subprocess.run([str(CFN_LINT), "--format", "json", *map(str, templates)], capture_output=True, text=True)
    if run.returncode not in CFN_LINT_OK:
        raise ToolError(f"cfn-lint exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    return cfn_lint_findings(json.loads(run.stdout or "[]"), {t.name: resource_types(t) for t in templates})


def cfn_lint_findings(report: list[dict[str, Any]], types: dict[str, dict[str, str]]) -> list[Finding]:
    findings = []
    for item in report:
        template = Path(item["Filename"]).name
        path = item.get("Location", {}).get("Path") or []
        if len(path) >= 2 and path[0] == "Resources":
            resource = f"{types.get(template, {}).get(str(path[1]), '?')}.{path[1]}"
        else:
            resource = str(path[0]) if path else "template"
        findings.append(Finding("cfn-lint", item["Rule"]["Id"], template, resource, item.get("Message", "")))
    return findings


def checkov(executable: Path, templates: Sequence[Path]) -> tuple[list[Finding], dict[str, int]]:
    """The failed checks, and checkov's summary (passed, failed, resource_count), of each template once (a file
    name is a stack name: the account stack is the same in every stage)."""
    if not executable.is_file():
        raise ToolError(f"{executable}: no checkov (make install creates .venv-checkov)")
    with tempfile.TemporaryDirectory(prefix="deploy-check-") as directory:
        for template in {t.name: t for t in templates}.values():
            shutil.copy(template, Path(directory) / template.name)
        run = subprocess.run(
            [str(executable), "-d", directory, "--framework", "cloudformation", "-o", "json", "--quiet", "--compact"],
            capture_output=True,
            text=True,
        )
    if run.returncode not in (0, 1) or not run.stdout.strip():
        raise ToolError(f"checkov exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    report = json.loads(run.stdout)
    return checkov_findings(report), checkov_summary(report)


def checkov_summary(report: Any) -> dict[str, int]:
    reports = report if isinstance(report, list) else [report]
    keys = ("passed", "failed", "resource_count")
    return {key: sum(int(r.get("summary", {}).get(key, 0)) for r in reports) for key in keys}


def checkov_findings(report: Any) -> list[Finding]:
    reports = report if isinstance(report, list) else [report]
    if not all(isinstance(r, dict) for r in reports):
        raise ToolError("checkov: not a report")
    parse_errors = [r for r in reports if r.get("summary", {}).get("parsing_errors")]
    if parse_errors:
        raise ToolError(f"checkov could not parse templates: {parse_errors[0]['summary']}")
    return [
        Finding("checkov", check["check_id"], Path(check["file_path"]).name, check["resource"], check["check_name"])
        for r in reports
        for check in r.get("results", {}).get("failed_checks", [])
    ]
