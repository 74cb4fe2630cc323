"""One synthesized app per stage for the whole session (synth is the expensive part: ≈3 s each).

`dev` is built exactly as `cdk synth` builds it (cdk.json context through `build_app`) but with cdk-nag
off, so a nag finding cannot mask template assertions; `prod` runs with cdk-nag on, so its fixture
doubles as the proof that a nag-enabled app synthesizes without `ValidationFailed`.
Bundling is skipped (`aws:cdk:bundling-stacks: []`); assets are plain folders anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from stacks.account_stack import ACCOUNT_STACK
from stacks.app_builder import build_app, load_cdk_context, stack_names

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = load_cdk_context()
NO_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}

Template = dict[str, Any]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


@dataclass(frozen=True)
class Synthesized:
    stage: str
    app: cdk.App
    outdir: Path
    data: Template
    service: Template
    account: Template
    """`TradingSystem-ApiGatewayAccount`: the same in every stage (stacks/account_stack.py)."""

    @property
    def settings(self) -> dict[str, Any]:
        return dict(CONTEXT["stages"][self.stage])

    @property
    def templates(self) -> dict[str, Template]:
        """Every stack `cdk deploy --all` deploys for the stage."""
        data_name, service_name = stack_names(self.stage)
        return {data_name: self.data, service_name: self.service, ACCOUNT_STACK: self.account}

    def template_files(self) -> list[Path]:
        return [self.outdir / f"{name}.template.json" for name in self.templates]


def synthesize(stage: str, outdir: Path, *, nag: bool) -> Synthesized:
    app = build_app({**NO_BUNDLING, "stage": stage, "nag": nag}, outdir=str(outdir))
    assembly = app.synth()
    data_name, service_name = stack_names(stage)
    return Synthesized(
        stage=stage,
        app=app,
        outdir=outdir,
        data=assembly.get_stack_by_name(data_name).template,
        service=assembly.get_stack_by_name(service_name).template,
        account=assembly.get_stack_by_name(ACCOUNT_STACK).template,
    )


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize("dev", tmp_path_factory.mktemp("cdk-dev"), nag=False)


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize("prod", tmp_path_factory.mktemp("cdk-prod"), nag=True)


# ---------------------------------------------------------------- template helpers


def resources(template: Mapping[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    return dict(resource.get("Properties", {}))


def function_ids(template: Template) -> dict[str, str]:
    """Physical function name -> logical id, for the functions with an explicit name (ours)."""
    return {
        props(r)["FunctionName"]: logical_id
        for logical_id, r in resources(template, "AWS::Lambda::Function").items()
        if "FunctionName" in props(r)
    }


def function_logical_id(template: Template, contract_name: str, stage: str = "dev") -> str:
    return function_ids(template)[f"trading-system-{stage}-{contract_name.replace('_', '-')}"]


def role_statements(template: Template, function_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of every IAM::Policy attached to the function's role."""
    role = props(template["Resources"][function_logical_id])["Role"]["Fn::GetAtt"][0]
    statements: list[dict[str, Any]] = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in props(policy)["Roles"]:
            statements.extend(props(policy)["PolicyDocument"]["Statement"])
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_ref_to(value: Any, logical_id: str) -> bool:
    return value in ({"Ref": logical_id}, {"Fn::GetAtt": [logical_id, "Arn"]})


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
