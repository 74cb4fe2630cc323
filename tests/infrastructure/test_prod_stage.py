"""`-c stage=prod` changes names, retention, removal policies, throttling and turns alarms on.

The prod app is synthesized with cdk-nag AwsSolutions on: its fixture raising nothing is the proof
that a nag-enabled app passes (any unacknowledged finding raises `ValidationFailed` in `synth`).
"""

from __future__ import annotations

import json

from tests.infrastructure.conftest import CONTEXT, Synthesized, props, resources


def test_prod_names(prod: Synthesized) -> None:
    tables = {props(t)["TableName"] for t in resources(prod.data, "AWS::DynamoDB::Table").values()}
    assert tables == {
        "trading-system-prod-trades",
        "trading-system-prod-idempotency",
        "trading-system-prod-market-data",
    }
    (bus,) = resources(prod.service, "AWS::Events::EventBus").values()
    assert props(bus)["Name"] == "trading-system-prod-bus"
    names = {props(p)["Name"] for p in resources(prod.service, "AWS::SSM::Parameter").values()}
    assert all(name.startswith("/trading-system/prod/") for name in names)
    assert "-dev-" not in json.dumps(prod.service) and "/dev/" not in json.dumps(prod.service)


def test_prod_retains_data_and_logs(prod: Synthesized) -> None:
    stateful = resources(prod.data, "AWS::DynamoDB::Table") | resources(prod.data, "AWS::S3::Bucket")
    assert {r["DeletionPolicy"] for r in stateful.values()} == {"RetainExceptOnCreate"}
    assert not resources(prod.data, "Custom::S3AutoDeleteObjects")
    retention = {props(g)["RetentionInDays"] for g in resources(prod.service, "AWS::Logs::LogGroup").values()}
    assert retention == {90}
    log_groups = resources(prod.service, "AWS::Logs::LogGroup").values()
    assert {g["DeletionPolicy"] for g in log_groups} == {"RetainExceptOnCreate"}


def test_prod_throttle(prod: Synthesized) -> None:
    settings = CONTEXT["stages"]["prod"]
    (plan,) = (props(p) for p in resources(prod.service, "AWS::ApiGateway::UsagePlan").values())
    assert plan["Throttle"] == {
        "RateLimit": settings["apiThrottle"]["rateLimit"],
        "BurstLimit": settings["apiThrottle"]["burstLimit"],
    }


def test_prod_alarms(prod: Synthesized, dev: Synthesized) -> None:
    assert not resources(dev.service, "AWS::CloudWatch::Alarm")
    alarms = [props(a) for a in resources(prod.service, "AWS::CloudWatch::Alarm").values()]
    queues = set(resources(prod.service, "AWS::SQS::Queue"))
    watched = {
        d["Value"]["Fn::GetAtt"][0]
        for a in alarms
        if a["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for d in a["Dimensions"]
    }
    assert watched == queues
    functions = {k for k, f in resources(prod.service, "AWS::Lambda::Function").items() if "FunctionName" in props(f)}
    errors = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms if a["MetricName"] == "Errors"}
    assert errors == functions
    assert all(a["Threshold"] == 0 and a["ComparisonOperator"] == "GreaterThanThreshold" for a in alarms)


def test_prod_synthesized_with_nag_clean(prod: Synthesized) -> None:
    report = json.loads((prod.outdir / "validation-report.json").read_text())
    assert report["pluginReports"] == []
    assert prod.app.node.try_get_context("nag") is True
