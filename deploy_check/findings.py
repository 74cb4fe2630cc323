"""Findings of the template checkers and the acknowledgements that accept some of them (`acknowledged.toml`)."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ACKNOWLEDGED: Final = Path(__file__).with_name("acknowledged.toml")
TOOLS: Final = ("cfn-lint", "checkov")


class AcknowledgementError(ValueError):
    """`acknowledged.toml` is not a list of complete acknowledgements."""


@dataclass(frozen=True, order=True)
class Finding:
    tool: str
    rule: str
    """cfn-lint's rule id (`W3005`) or checkov's check id (`CKV_AWS_117`)."""
    template: str
    """The template's file name (`TradingSystem-prod-Service.template.json`)."""
    resource: str
    """`<Type>.<LogicalId>` (checkov's spelling), or the template section for a finding outside Resources."""
    message: str = ""

    def describe(self) -> str:
        return f"{self.tool} {self.rule} {self.template} {self.resource}: {self.message}"


@dataclass(frozen=True)
class Acknowledgement:
    tool: str
    rule: str
    resources: tuple[str, ...]
    """`fnmatch` patterns of `<Type>.<LogicalId>`."""
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (
            finding.tool == self.tool
            and finding.rule == self.rule
            and any(fnmatch.fnmatchcase(finding.resource, pattern) for pattern in self.resources)
        )


def load(path: Path = ACKNOWLEDGED) -> list[Acknowledgement]:
    raw = tomllib.loads(path.read_text())
    entries = raw.get("acknowledged", [])
    if set(raw) - {"acknowledged"} or not isinstance(entries, list):
        raise AcknowledgementError(f"{path.name}: only [[acknowledged]] entries")
    out = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name} entry {number}"
        if set(entry) != {"tool", "rule", "resources", "reason"}:
            raise AcknowledgementError(f"{where}: needs exactly tool, rule, resources and reason")
        if entry["tool"] not in TOOLS:
            raise AcknowledgementError(f"{where}: tool must be one of {list(TOOLS)}")
        resources = entry["resources"]
        if not isinstance(resources, list) or not resources or not all(isinstance(r, str) and r for r in resources):
            raise AcknowledgementError(f"{where}: resources must be a non-empty list of patterns")
        if not isinstance(entry["reason"], str) or len(entry["reason"].split()) < 8:
            raise AcknowledgementError(f"{where}: the reason must say why ({entry['rule']})")
        out.append(Acknowledgement(str(entry["tool"]), str(entry["rule"]), tuple(resources), entry["reason"]))
    return out


@dataclass(frozen=True)
class Verdict:
    new: tuple[Finding, ...]
    """Findings no acknowledgement covers."""
    acknowledged: tuple[tuple[Acknowledgement, tuple[Finding, ...]], ...]
    """Each acknowledgement with the findings it covers."""

    @property
    def stale(self) -> tuple[Acknowledgement, ...]:
        """Acknowledgements that cover no finding (what they accepted is gone)."""
        return tuple(ack for ack, covered in self.acknowledged if not covered)

    @property
    def passed(self) -> bool:
        return not self.new and not self.stale


def judge(findings: Iterable[Finding], acknowledgements: Sequence[Acknowledgement]) -> Verdict:
    found = sorted(set(findings))
    covered = tuple((ack, tuple(f for f in found if ack.covers(f))) for ack in acknowledgements)
    return Verdict(
        new=tuple(f for f in found if not any(ack.covers(f) for ack in acknowledgements)),
        acknowledged=covered,
    )
