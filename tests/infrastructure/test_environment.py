"""Account and region come from the environment (the CDK CLI's `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION`), or
from the stage in `cdk.json` only where it pins them; no construct writes a region into a template."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest

from constructs_lib.stage_config import ConfigError, StageConfig
from stacks.app_builder import build_app, environment
from tests.infrastructure.conftest import CONTEXT, NO_BUNDLING, Synthesized

REGION_LITERAL = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov)-[a-z]+-\d\b")


def stage(**settings: object) -> StageConfig:
    return StageConfig.from_context("dev", {"dev": {**CONTEXT["stages"]["dev"], **settings}})


def test_no_stage_of_cdk_json_pins_a_region_or_an_account() -> None:
    for settings in CONTEXT["stages"].values():
        assert "region" not in settings and "account" not in settings


@pytest.mark.parametrize("fixture", ["dev", "prod"])
def test_templates_hold_no_region(fixture: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(fixture)
    for name, template in synthesized.templates.items():
        assert not REGION_LITERAL.findall(json.dumps(template)), name
    for template in (synthesized.data, synthesized.service):
        assert '"Ref": "AWS::Region"' in json.dumps(template)


def test_the_environment_gives_what_the_stage_does_not_pin() -> None:
    cli = {"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "eu-west-1"}
    env = environment(stage(), cli)
    assert (env.account, env.region) == ("111122223333", "eu-west-1")
    env = environment(stage(region="eu-central-1", account="444455556666"), cli)
    assert (env.account, env.region) == ("444455556666", "eu-central-1")
    env = environment(stage(), {})
    assert (env.account, env.region) == (None, None)


def test_stacks_deploy_where_the_cli_points(tmp_path_factory: pytest.TempPathFactory) -> None:
    app = build_app(
        {**NO_BUNDLING, "nag": False},
        outdir=str(tmp_path_factory.mktemp("cdk-env")),
        environ={"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "eu-west-1"},
    )
    stacks = [c for c in app.node.children if isinstance(c, cdk.Stack)]
    assert stacks and {(s.account, s.region) for s in stacks} == {("111122223333", "eu-west-1")}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"region": "US East"}, r"region must be an AWS region"),
        ({"account": 123456789012}, r"account must be a 12-digit AWS account id"),
        ({"account": "12345"}, r"account must be a 12-digit AWS account id"),
    ],
)
def test_a_pinned_region_or_account_must_be_one(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        stage(**settings)
