"""Which police.uk files a ``fortress place ingest`` argument names: a CSV, a folder of
month folders, or the archive zip police.uk offers for download."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Final

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


MEMBER_MOST: Final = 2 << 30
"""The most one member may unpack to: a force's month of street crime is a few MB."""
RATIO_MOST: Final = 200
"""The most a member may unpack to per byte packed: CSV packs about tenfold, a zip bomb of
one repeated byte a thousandfold."""


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
                _check_size(archive, member)
            # extract() strips ``..`` and leading slashes: the path it answers is the file
            return [Path(zipped.extract(member, target)) for member in members]
    except (zipfile.BadZipFile, OSError) as exc:
        raise NoFiles(f"{archive}: cannot read the archive: {exc}") from exc


def _check_size(archive: Path, member: zipfile.ZipInfo) -> None:
    """Refuse a member that would unpack to too much (a zip bomb, or not police.uk's)."""
    packed = max(member.compress_size, 1)
    if member.file_size > MEMBER_MOST or member.file_size / packed > RATIO_MOST:
        raise NoFiles(
            f"{archive}: {member.filename} would unpack to {member.file_size / 2**20:,.0f} MiB "
            f"from {packed / 2**20:,.1f} MiB: refused as a possible zip bomb (a police.uk "
            f"file is at most {MEMBER_MOST >> 30} GiB, packed at most {RATIO_MOST} to one)"
        )
