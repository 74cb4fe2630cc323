"""The source folder an asset was copied from, so functions run from the app's files, not from `cdk.out`.

An asset folder (`cdk.out/asset.<hash>`) has a twin under the app's root when a folder there holds
exactly the same files with the same bytes (`__pycache__` and `*.pyc` ignored, as assets exclude them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Final

_IGNORED_PARTS: Final = frozenset({"__pycache__", ".git", ".venv", "node_modules", ".mypy_cache", ".ruff_cache"})


def _files(folder: Path) -> dict[str, bytes]:
    """Relative path → bytes of every file under `folder`, without `__pycache__` and `*.pyc`."""
    found = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not (_IGNORED_PARTS & set(relative.parts)) and path.suffix != ".pyc":
            found[relative.as_posix()] = path.read_bytes()
    return found


def _top_names(folder: Path) -> frozenset[str]:
    return frozenset(
        entry.name for entry in folder.iterdir() if entry.name not in _IGNORED_PARTS and entry.suffix != ".pyc"
    )


class SourceFolders:
    """Finds the folder under `repo_root` an asset folder was copied from (same files, same bytes)."""

    def __init__(self, repo_root: Path, excluded: Iterable[Path] = ()) -> None:
        self.repo_root = repo_root
        self._excluded = [path.resolve() for path in excluded]
        self._candidates: list[Path] | None = None
        self._cache: dict[Path, Path | None] = {}

    def _folders(self) -> list[Path]:
        if self._candidates is None:
            folders = []
            for dirpath, dirnames, _ in os.walk(self.repo_root):
                here = Path(dirpath)
                dirnames[:] = sorted(
                    name
                    for name in dirnames
                    if not name.startswith(".")
                    and name not in _IGNORED_PARTS
                    and (here / name).resolve() not in self._excluded
                    and not name.startswith("asset.")
                )
                folders.append(here)
            self._candidates = folders
        return self._candidates

    def source_of(self, asset_folder: Path) -> Path | None:
        if asset_folder in self._cache:
            return self._cache[asset_folder]
        wanted_names = _top_names(asset_folder)
        wanted = _files(asset_folder)
        found = None
        for folder in self._folders():
            if _top_names(folder) == wanted_names and _files(folder) == wanted:
                found = folder
                break
        self._cache[asset_folder] = found
        return found
