"""The cloud assembly `cdk synth` writes (`cdk.out`): its stacks in deployment order and its file assets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localcloud.records import DeployError


@dataclass(frozen=True)
class StackArtifact:
    name: str
    template_file: Path
    region: str
    dependencies: tuple[str, ...]

    def template(self) -> dict[str, Any]:
        return dict(json.loads(self.template_file.read_text()))


@dataclass(frozen=True)
class FileAsset:
    source: Path
    packaging: str
    object_keys: tuple[str, ...]


class CloudAssembly:
    """The stacks (in deployment order) and file assets of a synthesized `cdk.out`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        manifest = json.loads((directory / "manifest.json").read_text())
        artifacts: dict[str, Any] = manifest.get("artifacts", {})
        stacks: dict[str, StackArtifact] = {}
        self.assets: list[FileAsset] = []
        for artifact_id, artifact in artifacts.items():
            properties = artifact.get("properties", {})
            if artifact.get("type") == "aws:cloudformation:stack":
                environment = artifact.get("environment", "aws://unknown-account/us-east-1")
                region = environment.rsplit("/", 1)[-1]
                stacks[artifact_id] = StackArtifact(
                    name=properties.get("stackName", artifact_id),
                    template_file=directory / properties["templateFile"],
                    region="us-east-1" if region.startswith("unknown") else region,
                    dependencies=tuple(artifact.get("dependencies", [])),
                )
            elif artifact.get("type") == "cdk:asset-manifest":
                self._read_assets(directory / properties["file"])
        self.stacks = _stack_order(stacks)

    def _read_assets(self, path: Path) -> None:
        for entry in json.loads(path.read_text()).get("files", {}).values():
            keys = tuple(destination["objectKey"] for destination in entry.get("destinations", {}).values())
            self.assets.append(
                FileAsset(
                    source=self.directory / entry["source"]["path"],
                    packaging=entry["source"].get("packaging", "file"),
                    object_keys=keys,
                )
            )

    def asset_for_key(self, object_key: str) -> FileAsset | None:
        return next((asset for asset in self.assets if object_key in asset.object_keys), None)


def _stack_order(stacks: Mapping[str, StackArtifact]) -> list[StackArtifact]:
    ordered: list[StackArtifact] = []
    done: set[str] = set()

    def visit(artifact_id: str, path: tuple[str, ...]) -> None:
        if artifact_id in done or artifact_id not in stacks:
            return
        if artifact_id in path:
            raise DeployError(f"stack dependency cycle: {' -> '.join((*path, artifact_id))}")
        for dependency in stacks[artifact_id].dependencies:
            visit(dependency, (*path, artifact_id))
        done.add(artifact_id)
        ordered.append(stacks[artifact_id])

    for artifact_id in stacks:
        visit(artifact_id, ())
    return ordered
