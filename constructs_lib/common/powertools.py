"""The AWS-owned Powertools layer and the pinned `aws-lambda-powertools` are one fact (issue 16).

The functions run in the cloud with the Powertools of the layer, locally and in the tests with the release
`requirements-lambda.txt` pins. The layer version is therefore not a setting: it is looked up, in
`constructs_lib/powertools_layers.json` (each row with its source), from the pinned release, and synthesis
stops when the table has no row for it. Upgrading Powertools is: add the new release's row (with its source),
change the pin. `tests/infrastructure/test_powertools_layer.py` checks the pin, the installed package, the
table and the templates agree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from constructs_lib import REPO_ROOT

TABLE: Final = REPO_ROOT / "constructs_lib" / "powertools_layers.json"
REQUIREMENTS: Final = REPO_ROOT / "requirements-lambda.txt"
PACKAGE: Final = "aws-lambda-powertools"
_PIN: Final = re.compile(r"^aws-lambda-powertools(?:\[[^\]]*\])?==(?P<version>[0-9][0-9A-Za-z.]*)\s*(?:#.*)?$")


class PowertoolsLayerError(ValueError):
    """The pin and the table do not name one layer version."""


@dataclass(frozen=True)
class LayerRow:
    layer: int
    package: str
    source: str


@dataclass(frozen=True)
class LayerTable:
    name: str
    publisher: str
    rows: tuple[LayerRow, ...]

    @classmethod
    def load(cls, path: Path = TABLE) -> LayerTable:
        raw = json.loads(path.read_text())
        rows = tuple(LayerRow(int(r["layer"]), str(r["package"]), str(r["source"])) for r in raw["versions"])
        return cls(name=str(raw["layer"]), publisher=str(raw["publisher"]), rows=rows)

    def layer_for(self, package: str) -> int:
        matches = [row.layer for row in self.rows if row.package == package]
        if len(matches) != 1:
            known = ", ".join(f"{row.layer}={row.package}" for row in self.rows)
            raise PowertoolsLayerError(
                f"{TABLE.name} has {'no' if not matches else 'several'} layer version(s) for {PACKAGE} {package} "
                f"(pinned in {REQUIREMENTS.name}); known: {known}. Add the release's row with its source."
            )
        return matches[0]


def pinned_version(path: Path = REQUIREMENTS) -> str:
    """The exact release `requirements-lambda.txt` pins (`aws-lambda-powertools[extras]==X.Y.Z`)."""
    versions = [m["version"] for line in path.read_text().splitlines() if (m := _PIN.match(line.strip()))]
    if len(versions) != 1:
        raise PowertoolsLayerError(f"{path.name} must pin {PACKAGE} exactly once with ==, found {versions}")
    return versions[0]


@cache
def table() -> LayerTable:
    return LayerTable.load()


@cache
def layer_version() -> int:
    """The version of the AWS-owned layer that carries the pinned release."""
    return table().layer_for(pinned_version())
