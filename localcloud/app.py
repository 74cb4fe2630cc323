"""The app the local cloud runs, as the `"localcloud"` block of the app's `cdk.json` describes it.

The local cloud knows CloudFormation, AWS and moto; what it must know of the app is data in
`cdk.json` (read as JSON, never imported), so the package imports nothing of the app:

    "localcloud": {
      "synthesize": "package.module:function",
      "context": {"key": "value"},
      "noNagContext": {"nag": false},
      "layersNotLoaded": [{"marker": "path/under/the/app/requirements.txt", "note": "printed once"}],
      "apiDocs": {"outputsContaining": "OpenApi", "assets": "node_modules/swagger-ui-dist",
                  "path": "/docs/", "apiKeySecurityScheme": "ApiKey"}
    }

- `synthesize`: the app's builder, imported from the app's root and called in-process (as fast as the
  app itself; no second process, no node start-up of the CDK CLI) as `function(context, outdir=…)`;
  it returns the `cdk.App`, whose `synth()` writes the cloud assembly.
- `context`: context the local cloud synthesizes with, over the app's own `cdk.json` context and
  `{"stage": <--stage>}`; `Settings.context` goes over it.
- `noNagContext`: added by `--no-nag` (`Settings(nag=False)`), to synthesize without cdk-nag.
- `layersNotLoaded`: Lambda layers created in moto but kept off the functions' `sys.path` (e.g.
  dependencies built for another platform): a layer whose folder holds a file with the same name and
  bytes as `marker` (relative to the app's root). Its `note` is printed when the stack deploys.
- `apiDocs` (optional): a Swagger UI page (`localcloud.api_docs`) at `path` of the gateway's port listing the
  stack outputs whose key contains `outputsContaining` (OpenAPI document URLs, made local), with the assets
  of the `swagger-ui-dist` folder `assets` (relative to the app's root) and the local API key filled into
  the security scheme `apiKeySecurityScheme`.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

CONFIG_FILE: Final = "cdk.json"
CONFIG_KEY: Final = "localcloud"


class AppConfigError(RuntimeError):
    """The app's `localcloud` block is missing or malformed; the message names the key."""


@dataclass(frozen=True)
class LayerNotLoaded:
    marker: Path  # relative to the app's root
    note: str

    def matches(self, root: Path, folder: Path) -> bool:
        ours, theirs = root / self.marker, folder / self.marker.name
        return ours.is_file() and theirs.is_file() and ours.read_bytes() == theirs.read_bytes()


@dataclass(frozen=True)
class ApiDocsConfig:
    outputs_containing: str
    assets: Path  # relative to the app's root
    path: str = "/docs/"
    api_key_security_scheme: str | None = None

    @classmethod
    def parse(cls, block: Any, where: str) -> ApiDocsConfig | None:
        if block is None:
            return None
        if not isinstance(block, dict):
            raise AppConfigError(f"{where} must be an object")
        marker, assets = _text(block, "outputsContaining", where), _text(block, "assets", where)
        if not marker or not assets:
            raise AppConfigError(f"{where} needs outputsContaining and assets")
        path = _text(block, "path", where) or "/docs/"
        if not re.fullmatch(r"/[a-z][a-z0-9-]*/?", path):
            raise AppConfigError(f"{where}.path must be one path segment such as /docs/")
        scheme = _text(block, "apiKeySecurityScheme", where) or None
        return cls(marker, Path(assets), path, scheme)


@dataclass(frozen=True)
class AppConfig:
    root: Path
    synthesize: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    no_nag_context: dict[str, Any] = field(default_factory=dict)
    layers_not_loaded: tuple[LayerNotLoaded, ...] = ()
    api_docs: ApiDocsConfig | None = None

    @classmethod
    def load(cls, root: Path) -> AppConfig:
        path = root / CONFIG_FILE
        block = json.loads(path.read_text()).get(CONFIG_KEY, {}) if path.is_file() else {}
        where = f"{path}: {CONFIG_KEY}"
        if not isinstance(block, dict):
            raise AppConfigError(f"{where} must be an object")
        layers = block.get("layersNotLoaded", [])
        if not isinstance(layers, list) or not all(
            isinstance(item, dict) and isinstance(item.get("marker"), str) and isinstance(item.get("note"), str)
            for item in layers
        ):
            raise AppConfigError(f"{where}.layersNotLoaded must be a list of {{marker, note}} strings")
        return cls(
            root=root,
            synthesize=_text(block, "synthesize", where),
            context=_object(block, "context", where),
            no_nag_context=_object(block, "noNagContext", where),
            layers_not_loaded=tuple(LayerNotLoaded(Path(item["marker"]), item["note"]) for item in layers),
            api_docs=ApiDocsConfig.parse(block.get("apiDocs"), f"{where}.apiDocs"),
        )

    def synthesis_context(self, stage: str, *, nag: bool, extra: Mapping[str, Any]) -> dict[str, Any]:
        return {"stage": stage, **self.context, **({} if nag else self.no_nag_context), **extra}

    def synthesize_into(self, outdir: Path, context: Mapping[str, Any]) -> Path:
        """Runs the app's builder in this process and writes its cloud assembly into `outdir`."""
        module_name, _, function_name = self.synthesize.partition(":")
        if not module_name or not function_name:
            raise AppConfigError(
                f"{self.root / CONFIG_FILE}: {CONFIG_KEY}.synthesize must name the app's builder as 'module:function'"
            )
        if str(self.root) not in sys.path:
            sys.path.append(str(self.root))  # last: never shadows what is importable already
        builder = getattr(importlib.import_module(module_name), function_name)
        builder(dict(context), outdir=str(outdir)).synth()
        return outdir


def _text(block: Mapping[str, Any], key: str, where: str) -> str:
    value = block.get(key, "")
    if not isinstance(value, str):
        raise AppConfigError(f"{where}.{key} must be a string")
    return value


def _object(block: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = block.get(key, {})
    if not isinstance(value, dict):
        raise AppConfigError(f"{where}.{key} must be an object")
    return value
