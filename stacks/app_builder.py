"""Builds the CDK app the same way for `cdk synth`, `python app.py` and the tests.

Only the CDK CLI passes `cdk.json` context to an app, so `build_app` loads that block itself and
hands it to `cdk.App` as defaults. Precedence, lowest first:

1. `cdk.json` `context` (feature flags, `stage`, `stages`);
2. context the CLI passes (`CDK_CONTEXT_JSON` / its temp file), which includes `-c key=value`,
   so `npx cdk synth -c stage=prod` selects prod;
3. `context_overrides` (tests), applied last as `post_cli_context`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from constructs_lib import REPO_ROOT
from constructs_lib.stage_config import (
    ALARM_EMAIL_CONTEXT,
    MARKET_DATA_PROVIDER_CONTEXT,
    SYSTEM_NAME,
    StageConfig,
    as_bool,
)
from stacks.account_stack import ApiGatewayAccountStack
from stacks.data_stack import DataStack
from stacks.service_stack import ServiceStack

CDK_JSON: Final = REPO_ROOT / "cdk.json"
DEFAULT_STAGE: Final = "dev"
ACCOUNT_VARIABLE: Final = "CDK_DEFAULT_ACCOUNT"
REGION_VARIABLE: Final = "CDK_DEFAULT_REGION"


def load_cdk_context(path: Path = CDK_JSON) -> dict[str, Any]:
    context = json.loads(path.read_text())["context"]
    if not isinstance(context, dict):
        raise ValueError(f"{path}: 'context' must be an object")
    return context


def stack_names(stage: str) -> tuple[str, str]:
    return f"TradingSystem-{stage}-Data", f"TradingSystem-{stage}-Service"


def environment(config: StageConfig, environ: Mapping[str, str]) -> cdk.Environment:
    """The stage's account and region where `cdk.json` pins them, else the environment's: the CDK CLI sets
    `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION` from the credentials and profile it deploys with. Neither
    (tests, the local cloud): environment-agnostic stacks, their account and region `AWS::AccountId` and
    `AWS::Region`, which is also what every construct uses (no region is written into a template)."""
    return cdk.Environment(
        account=config.account or environ.get(ACCOUNT_VARIABLE) or None,
        region=config.region or environ.get(REGION_VARIABLE) or None,
    )


def build_app(
    context_overrides: Mapping[str, Any] | None = None,
    outdir: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> cdk.App:
    """The whole app for the selected stage; cdk-nag AwsSolutions runs unless context `nag` is false.
    `environ` (default `os.environ`) gives the account and region a stage does not pin."""
    app = cdk.App(
        context=load_cdk_context(),
        post_cli_context=dict(context_overrides) if context_overrides else None,
        outdir=outdir,
    )
    stage = str(app.node.try_get_context("stage") or DEFAULT_STAGE)
    config = (
        StageConfig.from_context(stage, app.node.try_get_context("stages") or {})
        .with_market_data_provider(app.node.try_get_context(MARKET_DATA_PROVIDER_CONTEXT))
        .with_alarm_email(app.node.try_get_context(ALARM_EMAIL_CONTEXT))
    )
    env = environment(config, os.environ if environ is None else environ)
    data_name, service_name = stack_names(stage)

    data = DataStack(
        app,
        data_name,
        config=config,
        env=env,
        description=f"Trading system ({stage}): tables and buckets",
        termination_protection=not config.destroy_on_removal,
    )
    service = ServiceStack(
        app,
        service_name,
        config=config,
        data=data,
        env=env,
        description=f"Trading system ({stage}): APIs, bus, functions",
    )
    # One per account and region, whatever the stage (no Stage tag): deploying a second stage changes nothing in it.
    account = ApiGatewayAccountStack(app, env=env)
    service.add_stack_dependency(account, "the API stages log to CloudWatch through the account's role")
    cdk.Tags.of(app).add("Project", SYSTEM_NAME)
    for stack in (data, service):
        cdk.Tags.of(stack).add("Stage", stage)

    if as_bool(app.node.try_get_context("nag"), default=True):
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
