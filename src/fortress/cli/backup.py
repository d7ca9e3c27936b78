"""``fortress backup`` and ``fortress restore``: a whole workspace copied, and put back
checked (``store/backup.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json, settings


def backup_command(
    dest: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup.")],
    as_json: JsonOption = False,
) -> None:
    """Back up the workspace: its files, its records (SQLite's online backup, or pg_dump)
    and a manifest of checksums and row counts; consistent while ingest and the server run."""
    from fortress.store.backup import BackupError, take_backup

    workspace = open_workspace()
    try:
        summary = take_backup(workspace, dest)
    except BackupError as exc:
        fail(str(exc))
    if as_json:
        print_json(summary.to_dict())
        return
    typer.echo(f"backed up {workspace.root} into {summary.folder}")
    typer.echo(f"  files: {summary.files:,} ({_size(summary.bytes)})")
    typer.echo(f"  records ({summary.records}): {_tables(summary.tables)}")
    typer.echo(f"  taken at {summary.taken_at}")


def restore_command(
    src: Annotated[Path, typer.Argument(help="A backup made by fortress backup.")],
    dest: Annotated[Path, typer.Argument(help="A new (or empty) folder for the workspace.")],
    as_json: JsonOption = False,
) -> None:
    """Restore a backup as a new workspace (its records into --database-url's empty
    database when they were on PostgreSQL): every file checked before anything is
    written, every table counted and the audit chain verified after."""
    from fortress.store.backup import BackupError, restore_backup

    try:
        summary = restore_backup(src, dest, settings.database_url)
    except BackupError as exc:
        fail(str(exc))
    entries = _verified_audit(dest)
    if as_json:
        print_json({**summary.to_dict(), "audit_entries_verified": entries})
        return
    typer.echo(f"restored {src} into {summary.folder}, as it was at {summary.taken_at}")
    typer.echo(f"  files: {summary.files:,} ({_size(summary.bytes)}), every checksum matches")
    typer.echo(f"  records ({summary.records}): {_tables(summary.tables)}, every count matches")
    if entries is not None:
        typer.echo(f"  audit chain intact: {entries:,} entries")


def _verified_audit(root: Path) -> int | None:
    """The restored audit log's entries once its chain verifies (None: no casework)."""
    from sqlalchemy import inspect

    from fortress.casework import audit
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root, database_url=settings.database_url, create=False)
    try:
        if not inspect(workspace.engine).has_table("casework_audit"):
            return None
        with workspace.sessions() as session:
            found = audit.verify(session)
    finally:
        workspace.engine.dispose()
    if not found.ok:
        fail("the restored audit log does not verify: " + "; ".join(found.problems))
    return found.entries


def _size(count: int) -> str:
    return f"{count / 2**20:,.1f} MiB" if count >= 2**20 else f"{count:,} bytes"


def _tables(counts: dict[str, int]) -> str:
    return f"{len(counts)} tables, {sum(counts.values()):,} rows"
