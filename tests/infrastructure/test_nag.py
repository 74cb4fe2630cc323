"""cdk-nag AwsSolutions: the app has no unacknowledged finding, and the acknowledgements are what keep it so.

The nag-enabled synth itself is the `prod` fixture (see test_prod_stage). Here the plugin's own entry point
`validate_scope` checks the already-synthesized dev app (no second synth), and an app built with
acknowledgements switched off shows the findings that would fail `cdk synth`: the acknowledgements are
needed, each one suppresses a real finding, and nag really runs on this app.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks

from stacks.app_builder import build_app
from tests.infrastructure.conftest import NO_BUNDLING, Synthesized

STATE_MACHINE_TASKS = (
    ("QuoteSummary", "C0B79F09"),
    ("HistoricalData", "064F0B41"),
    ("MarketDataFetcher", "4D16827C"),
    ("MarketDataChecker", "D65BDFC6"),
    ("NoDataNotifier", "E1168D36"),
)


def _findings(scope: cdk.App) -> dict[str, int]:
    report = AwsSolutionsChecks().validate_scope(scope)
    return {v.rule_name: len(v.violating_resources) for v in report.violations}


def test_dev_app_has_no_unacknowledged_finding(dev: Synthesized) -> None:
    assert _findings(dev.app) == {}


def test_without_acknowledgements_nag_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setattr(cdk.Validations, "acknowledge", lambda self, *rules: None)
    app = build_app({**NO_BUNDLING, "nag": True}, outdir=str(tmp_path_factory.mktemp("cdk-unacknowledged")))
    findings = _findings(app)
    assert set(findings) == {
        "AwsSolutions-APIG2",
        "AwsSolutions-APIG3",
        "AwsSolutions-APIG4",
        "AwsSolutions-COG4",
        "AwsSolutions-L1",
        "AwsSolutions-SQS3",
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::trading-system-dev-trades-<AWS::AccountId>-<AWS::Region>"
        "/settled/*]",
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::trading-system-dev-market-data-<AWS::AccountId>-"
        "<AWS::Region>/raw/*]",
        # Step Functions LambdaInvoke grants cover each task function's versions (ARN:*)
        *(f"AwsSolutions-IAM5[Resource::<MarketData{f}Function{h}.Arn>:*]" for f, h in STATE_MACHINE_TASKS),
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]",
    }
    assert findings["AwsSolutions-L1"] == 21  # one per function of ours, none of CDK's helpers
    assert findings["AwsSolutions-SQS3"] == 17  # every dead-letter queue
