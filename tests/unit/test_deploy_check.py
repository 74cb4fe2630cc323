"""`make deploy-check`'s judgement: a finding passes only when `acknowledged.toml` covers it, an acknowledgement that
covers nothing fails too, and every acknowledgement gives its reason. The checkers' reports are read as they write
them (recorded shapes); the synthesis and the tools themselves run in `make deploy-check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy_check import __main__ as deploy_check
from deploy_check.findings import (
    ACKNOWLEDGED,
    Acknowledgement,
    AcknowledgementError,
    Finding,
    judge,
    load,
)
from deploy_check.tools import cfn_lint_findings, checkov_findings, checkov_summary

SERVICE = "TradingSystem-prod-Service.template.json"
VPC = Acknowledgement("checkov", "CKV_AWS_117", ("AWS::Lambda::Function.*",), "no VPC: nothing lives in one here")


def lambda_finding(rule: str = "CKV_AWS_117", logical_id: str = "PoolsDarkPoolFunctionAD8678A0") -> Finding:
    return Finding("checkov", rule, SERVICE, f"AWS::Lambda::Function.{logical_id}", "a check")


def test_the_file_loads_and_every_entry_says_why() -> None:
    acknowledgements = load()
    assert acknowledgements and all(len(ack.reason) > 60 for ack in acknowledgements)
    assert len({(ack.tool, ack.rule) for ack in acknowledgements}) == len(acknowledgements)


def test_a_covered_finding_passes_and_an_uncovered_one_is_new() -> None:
    covered, uncovered = lambda_finding(), lambda_finding("CKV_AWS_999")
    verdict = judge([covered, uncovered], [VPC])
    assert verdict.new == (uncovered,)
    assert verdict.acknowledged == ((VPC, (covered,)),)
    assert not verdict.passed


def test_an_acknowledgement_that_covers_nothing_is_stale() -> None:
    queues = Acknowledgement("checkov", "CKV_AWS_27", ("AWS::SQS::Queue.*",), "SQS-managed keys, which checkov misses")
    verdict = judge([lambda_finding()], [VPC, queues])
    assert verdict.new == () and verdict.stale == (queues,)
    assert not verdict.passed
    assert judge([lambda_finding()], [VPC]).passed


def test_patterns_match_type_and_logical_id() -> None:
    bucket = Acknowledgement("checkov", "CKV_AWS_18", ("AWS::S3::Bucket.DataLayerAccessLogsBucket*",), "the log bucket")
    logs = Finding("checkov", "CKV_AWS_18", SERVICE, "AWS::S3::Bucket.DataLayerAccessLogsBucket0C61066D")
    trades = Finding("checkov", "CKV_AWS_18", SERVICE, "AWS::S3::Bucket.DataLayerTradesBucket1234")
    assert judge([logs, trades], [bucket]).new == (trades,)
    other_tool = Finding("cfn-lint", "CKV_AWS_18", SERVICE, logs.resource)
    assert judge([other_tool], [bucket]).new == (other_tool,)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('tool = "checkov"\nrule = "X"\nresources = ["*"]\n', "needs exactly tool, rule, resources and reason"),
        ('tool = "checkov"\nrule = "X"\nresources = ["*"]\nreason = "fine"\n', "the reason must say why"),
        ('tool = "tfsec"\nrule = "X"\nresources = ["*"]\nreason = "a b c d e f g h i"\n', "tool must be one of"),
        ('tool = "checkov"\nrule = "X"\nresources = []\nreason = "a b c d e f g h i"\n', "resources must be"),
    ],
)
def test_an_incomplete_acknowledgement_is_refused(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "acknowledged.toml"
    path.write_text(f"[[acknowledged]]\n{entry}")
    with pytest.raises(AcknowledgementError, match=message):
        load(path)


def test_cfn_lint_reports_are_read_per_resource() -> None:
    report = [
        {
            "Rule": {"Id": "W3005"},
            "Level": "Warning",
            "Filename": f"/tmp/out/prod/{SERVICE}",
            "Location": {"Path": ["Resources", "PoolsDarkPoolFunctionAD8678A0", "DependsOn", 1]},
            "Message": "dependency already enforced",
        },
        {"Rule": {"Id": "E1001"}, "Filename": SERVICE, "Location": {"Path": ["Outputs"]}, "Message": "bad"},
    ]
    types = {SERVICE: {"PoolsDarkPoolFunctionAD8678A0": "AWS::Lambda::Function"}}
    assert cfn_lint_findings(report, types) == [
        Finding(
            "cfn-lint",
            "W3005",
            SERVICE,
            "AWS::Lambda::Function.PoolsDarkPoolFunctionAD8678A0",
            "dependency already enforced",
        ),
        Finding("cfn-lint", "E1001", SERVICE, "Outputs", "bad"),
    ]


CHECKOV_REPORT: dict[str, Any] = {
    "check_type": "cloudformation",
    "results": {
        "failed_checks": [
            {
                "check_id": "CKV_AWS_117",
                "check_name": "Ensure that AWS Lambda function is configured inside a VPC",
                "file_path": f"/{SERVICE}",
                "resource": "AWS::Lambda::Function.PoolsDarkPoolFunctionAD8678A0",
            }
        ]
    },
    "summary": {"passed": 10, "failed": 1, "skipped": 0, "parsing_errors": 0, "resource_count": 4},
}


def test_checkov_reports_are_read_as_written() -> None:
    assert checkov_findings(CHECKOV_REPORT) == [
        Finding(
            "checkov",
            "CKV_AWS_117",
            SERVICE,
            "AWS::Lambda::Function.PoolsDarkPoolFunctionAD8678A0",
            "Ensure that AWS Lambda function is configured inside a VPC",
        )
    ]
    assert checkov_summary([CHECKOV_REPORT, CHECKOV_REPORT]) == {"passed": 20, "failed": 2, "resource_count": 8}


def fake_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, findings: list[Finding]) -> None:
    template = tmp_path / SERVICE
    template.write_text(json.dumps({"Resources": {}}))
    monkeypatch.setattr(deploy_check, "synthesize", lambda stage, outdir: [template])
    monkeypatch.setattr(deploy_check, "cfn_lint", lambda templates: [])
    monkeypatch.setattr(
        deploy_check,
        "checkov",
        lambda executable, templates: (findings, {"passed": 1, "failed": 1, "resource_count": 1}),
    )
    monkeypatch.setattr(deploy_check, "load", lambda: [VPC])


def test_the_command_fails_on_a_new_finding(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_run(monkeypatch, tmp_path, [lambda_finding(), lambda_finding("CKV_AWS_999")])
    assert deploy_check.main(["--outdir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "new: checkov CKV_AWS_999" in err and "FAILED: 1 new findings" in err


def test_the_command_passes_when_every_finding_is_acknowledged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_run(monkeypatch, tmp_path, [lambda_finding()])
    assert deploy_check.main(["--outdir", str(tmp_path)]) == 0
    assert "acknowledged: CKV_AWS_117 1" in capsys.readouterr().out


def test_the_acknowledgements_file_is_the_one_of_the_package() -> None:
    assert ACKNOWLEDGED.name == "acknowledged.toml" and ACKNOWLEDGED.parent.name == "deploy_check"
