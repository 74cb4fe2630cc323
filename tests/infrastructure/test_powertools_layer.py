"""The Powertools layer the functions get in the cloud carries the release the tests and the local cloud run
with: one fact, `requirements-lambda.txt`'s pin, looked up in `constructs_lib/powertools_layers.json`."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest

from constructs_lib.common.powertools import (
    PACKAGE,
    TABLE,
    LayerTable,
    PowertoolsLayerError,
    layer_version,
    pinned_version,
    table,
)
from tests.infrastructure.conftest import Synthesized, function_ids, props, resources


def test_the_venv_runs_the_pinned_release() -> None:
    assert importlib.metadata.version(PACKAGE) == pinned_version()


def test_the_table_has_one_row_per_layer_and_release_each_with_its_source() -> None:
    rows = table().rows
    assert len({row.layer for row in rows}) == len(rows) == len({row.package for row in rows})
    assert all(row.source.startswith("https://") for row in rows)
    assert [row.layer for row in rows] == sorted(row.layer for row in rows)


@pytest.mark.parametrize("fixture", ["dev", "prod"])
def test_every_function_gets_the_layer_of_the_pinned_release(fixture: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(fixture)
    expected = f":layer:{table().name}:{table().layer_for(pinned_version())}"
    layers = [
        json.dumps(layer)
        for function in resources(synthesized.service, "AWS::Lambda::Function").values()
        if "FunctionName" in props(function)
        for layer in props(function)["Layers"]
        if "Powertools" in json.dumps(layer)
    ]
    assert len(layers) == len(function_ids(synthesized.service)) and all(
        expected in layer and table().publisher in layer for layer in layers
    )
    assert layer_version() == table().layer_for(pinned_version())


def test_a_pin_the_table_does_not_know_stops_synthesis(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements-lambda.txt"
    requirements.write_text("aws-lambda-powertools[tracer]==3.99.0\nboto3==1.44.8\n")
    with pytest.raises(PowertoolsLayerError, match=r"no layer version\(s\) for aws-lambda-powertools 3\.99\.0"):
        table().layer_for(pinned_version(requirements))


def test_a_table_that_disagrees_with_the_pin_is_caught(tmp_path: Path) -> None:
    raw = json.loads(TABLE.read_text())
    for row in raw["versions"]:
        if row["package"] == pinned_version():
            row["package"] = "0.0.1"
    changed = tmp_path / "powertools_layers.json"
    changed.write_text(json.dumps(raw))
    with pytest.raises(PowertoolsLayerError):
        LayerTable.load(changed).layer_for(pinned_version())


@pytest.mark.parametrize(
    "text",
    [
        "aws-lambda-powertools>=3.0\n",
        "pydantic==2.14.4\n",
        "aws-lambda-powertools==3.34.0\naws-lambda-powertools[tracer]==3.34.0\n",
    ],
)
def test_the_pin_must_be_one_exact_release(tmp_path: Path, text: str) -> None:
    requirements = tmp_path / "requirements-lambda.txt"
    requirements.write_text(text)
    with pytest.raises(PowertoolsLayerError, match="must pin aws-lambda-powertools exactly once"):
        pinned_version(requirements)
