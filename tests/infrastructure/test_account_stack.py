"""API Gateway's account-level logging role is one stack per account and region (stacks/account_stack.py), not
any stage's: both stages synthesize the very same stack, so deploying the second changes nothing of the first."""

from __future__ import annotations

import json

from stacks.account_stack import ACCOUNT_STACK
from tests.infrastructure.conftest import Synthesized, props, resources


def test_both_stages_deploy_the_same_account_stack(dev: Synthesized, prod: Synthesized) -> None:
    assert ACCOUNT_STACK in dev.templates and ACCOUNT_STACK in prod.templates
    assert json.dumps(dev.account, sort_keys=True) == json.dumps(prod.account, sort_keys=True)
    text = json.dumps(dev.account)
    assert '"Stage"' not in text and "-dev" not in text and "-prod" not in text
    tags = [tag for role in resources(dev.account, "AWS::IAM::Role").values() for tag in props(role).get("Tags", [])]
    assert tags == [{"Key": "Project", "Value": "trading-system"}]


def test_the_account_setting_and_its_role_outlive_the_stack(dev: Synthesized) -> None:
    (account,) = resources(dev.account, "AWS::ApiGateway::Account").values()
    (role_id, role), *others = resources(dev.account, "AWS::IAM::Role").items()
    assert not others
    assert props(account)["CloudWatchRoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    for resource in (account, role):
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(props(role)["ManagedPolicyArns"])


def test_no_stage_stack_writes_the_account_setting(dev: Synthesized, prod: Synthesized) -> None:
    for synthesized in (dev, prod):
        assert not resources(synthesized.service, "AWS::ApiGateway::Account")
        assert not resources(synthesized.data, "AWS::ApiGateway::Account")


def test_the_service_stack_is_deployed_after_the_account_stack(dev: Synthesized, prod: Synthesized) -> None:
    for synthesized in (dev, prod):
        manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
        artifacts = manifest["artifacts"]
        service = artifacts[f"TradingSystem-{synthesized.stage}-Service"]
        assert ACCOUNT_STACK in service["dependencies"]
        assert artifacts[ACCOUNT_STACK]["properties"]["terminationProtection"] is True
        stages = resources(synthesized.service, "AWS::ApiGateway::Stage").values()
        assert all(props(stage)["MethodSettings"][0]["LoggingLevel"] == "ERROR" for stage in stages)
