"""Which police.uk files a ``fortress place ingest`` argument names: a CSV, a folder of
month folders, or the archive zip police.uk offers for download."""

from __future__ import annotations

import zipfile
from pathlib import Path

from fortress.sources.policeuk import parse_file_name
from fortress.store.workspace import Workspace


class NoFiles(ValueError):
    """An argument that names no police.uk file."""


def expand(workspace: Workspace, path: Path) -> list[Path]:
    """The police.uk CSVs ``path`` holds, in name order. Members of a zip are extracted
    into the workspace's ``imports/<zip name>/`` folder first, so that every ingested
    file stays where its provenance says it is."""
    if path.is_dir():
        found = sorted(
            (p for p in path.rglob("*") if p.is_file() and parse_file_name(p) is not None),
            key=lambda p: (p.name, str(p)),
        )
        if not found:
            raise NoFiles(f"{path}: no police.uk files (YYYY-MM-<force>-<kind>.csv) in the folder")
        return found
    if path.suffix.lower() == ".zip":
        return _extract(workspace, path)
    return [path]


def _extract(workspace: Workspace, archive: Path) -> list[Path]:
    target = workspace.root / "imports" / archive.name
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = sorted(
                (m for m in zipped.infolist() if parse_file_name(Path(m.filename)) is not None),
                key=lambda m: Path(m.filename).name,
            )
            if not members:
                raise NoFiles(f"{archive}: the archive holds no police.uk files")
            for member in members:
                zipped.extract(member, target)
    except (zipfile.BadZipFile, OSError) as exc:
        raise NoFiles(f"{archive}: cannot read the archive: {exc}") from exc
    return [target / member.filename for member in members]
