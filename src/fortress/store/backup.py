"""Backups of a whole workspace (``fortress backup`` and ``fortress restore``).

A backup is a folder: the workspace's files as they were, its records (SQLite's online
backup, or ``pg_dump`` of the records' schema on PostgreSQL) and ``manifest.json``, which
lists every file with its size and SHA-256 and every record table with its row count.

Consistent while the workspace is in use: the records and the event files they list are
copied under the workspace's write lock, so no ingest publishes between the two (an
ingest waits for the backup); SQLite's backup and ``pg_dump`` each read one snapshot while
the server goes on writing. Each kept detection result (``detection/*``) is copied under
its own lock. Staging (``tmp/``), spill files and locks are not copied.

A restore checks every file against the manifest before it writes anything, builds the
workspace beside its destination and renames it into place, then counts every table's
rows against the manifest. Checking the audit chain is the caller's (it is casework's).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, func, select, text

from fortress import __version__
from fortress.store import row_security
from fortress.store.workspace import RECORDS, Workspace, exclusive_lock, fsync_tree, now_utc

MANIFEST: Final = "manifest.json"
DUMP: Final = "records.dump"
FORMAT: Final = 1
LOCKED_WITH_RECORDS: Final = ("events", "rejects")
"""Folders whose files the records list: copied under the write lock with the records."""
SKIPPED: Final = frozenset({"tmp", "spill", ".write.lock", RECORDS, f"{RECORDS}-wal",
                            f"{RECORDS}-shm", "detection"})  # fmt: skip
"""Not copied as files: staging, spill, locks, the records (copied as records) and the
kept detection results (copied under their own locks)."""
CHUNK: Final = 1 << 20
R = TypeVar("R")


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message says which file and why."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup holds (and a restore put back)."""

    folder: str
    files: int
    bytes: int
    tables: dict[str, int]
    records: str
    """``sqlite`` or ``postgresql``."""
    taken_at: str

    def to_dict(self) -> dict[str, object]:
        """For ``--json``."""
        return {"folder": self.folder, "files": self.files, "bytes": self.bytes,
                "tables": self.tables, "records": self.records,
                "taken_at": self.taken_at}  # fmt: skip


@dataclass(slots=True)
class _Copied:
    """The files copied so far, as the manifest lists them."""

    files: list[dict[str, object]] = field(default_factory=list)
    size: int = 0

    def add(self, source: Path, target: Path, relative: str) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with source.open("rb") as reader, target.open("wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
        self.files.append({"path": relative, "bytes": size, "sha256": digest.hexdigest()})
        self.size += size


def take_backup(workspace: Workspace, dest: Path) -> BackupSummary:
    """Copy ``workspace`` into the new folder ``dest`` (refused if it exists and is not
    empty). Nothing is left at ``dest`` if the backup fails."""
    dest = dest.expanduser().resolve()
    _refuse_unless_new(dest, "back up")
    if dest == workspace.root or workspace.root in dest.parents:
        raise BackupError(f"{dest} is inside the workspace: back up somewhere else")
    return _into_new_folder(dest, lambda partial: _take(workspace, partial, dest))


def _refuse_unless_new(folder: Path, doing: str) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} exists and is not an empty folder: {doing} into a new one")


def _into_new_folder(dest: Path, build: Callable[[Path], R]) -> R:
    """Build ``dest`` beside itself (``DEST.partial``) and rename it into place once it is
    whole and on disk; nothing is left under either name if building fails."""
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        made = build(partial)
        fsync_tree(partial)
        if dest.exists():
            dest.rmdir()
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return made


def _take(workspace: Workspace, into: Path, dest: Path) -> BackupSummary:
    copied = _Copied()
    kind = workspace.engine.dialect.name
    with workspace.write_lock():  # no ingest publishes between the records and their files
        records, counts = _copy_records(workspace.engine, into)
        for folder in LOCKED_WITH_RECORDS:
            _copy_tree(workspace.root, folder, into, copied)
    for kept in sorted((workspace.root / "detection").glob("*/")):
        with exclusive_lock(kept / "lock"):
            _copy_tree(workspace.root, str(kept.relative_to(workspace.root)), into, copied,
                       skip={"lock"})  # fmt: skip
    for entry in sorted(workspace.root.iterdir()):
        if entry.name not in SKIPPED and entry.name not in LOCKED_WITH_RECORDS:
            _copy_tree(workspace.root, entry.name, into, copied)
    taken_at = now_utc().isoformat(timespec="seconds")
    manifest = {"format": FORMAT, "fortress": __version__, "taken_at": taken_at,
                "records": {"kind": kind, **records}, "tables": counts,
                "files": copied.files}  # fmt: skip
    (into / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return BackupSummary(str(dest), len(copied.files), copied.size, counts, kind, taken_at)


def _copy_tree(root: Path, relative: str, into: Path, copied: _Copied,
               skip: frozenset[str] | set[str] = frozenset()) -> None:  # fmt: skip
    source = root / relative
    paths = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    for path in paths:
        if path.name in skip or path.name.endswith(".partial"):
            continue
        name = str(path.relative_to(root))
        copied.add(path, into / name, name)


def _copy_records(engine: Engine, into: Path) -> tuple[dict[str, str], dict[str, int]]:
    """The records as one snapshot (SQLite's online backup, or ``pg_dump``), and each
    table's rows counted in that same snapshot."""
    if engine.dialect.name == "sqlite":
        target = into / RECORDS
        with closing(sqlite3.connect(str(engine.url.database))) as reader, \
                closing(sqlite3.connect(str(target))) as writer:  # fmt: skip
            reader.backup(writer)
        copy = create_engine(f"sqlite:///{target}")
        try:
            with copy.connect() as connection:
                counts = _counts(connection)
        finally:
            copy.dispose()
        return {"file": RECORDS, "sha256": _sha256(target)}, counts
    if engine.dialect.name == "postgresql":
        target = into / DUMP
        with engine.connect() as connection:  # pg_dump reads this transaction's snapshot
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            snapshot = str(connection.scalar(text("SELECT pg_export_snapshot()")))
            schema = str(connection.scalar(text("SELECT current_schema()")))
            counts = _counts(connection)
            # every row, though row-level security is forced on the owner too
            _run(["pg_dump", "--format=custom", "--no-owner", f"--schema={schema}",
                  "--enable-row-security", f"--snapshot={snapshot}", f"--file={target}",
                  _libpq_url(engine, sees_every_agency=True)], "pg_dump")  # fmt: skip
        return {"file": DUMP, "sha256": _sha256(target), "schema": schema}, counts
    raise BackupError(f"records in a {engine.dialect.name} database cannot be backed up")


def _counts(connection: Connection) -> dict[str, int]:
    """Every table's rows, as ``connection`` sees them."""
    tables = MetaData()
    tables.reflect(connection)
    return {
        name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
        for name, table in sorted(tables.tables.items())
    }


def check_backup(src: Path) -> dict[str, Any]:
    """The backup's manifest, once every file it lists is there with its size and
    SHA-256 (``BackupError`` naming the first that is not)."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"{src} is not a Fortress backup: {MANIFEST} cannot be read ({exc})"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src / MANIFEST} is not a backup manifest this Fortress reads")
    records = manifest["records"]
    if _sha256(src / records["file"]) != records["sha256"]:
        raise BackupError(f"{src / records['file']} does not match its checksum: damaged")
    for entry in manifest["files"]:
        path = src / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["bytes"]:
            raise BackupError(f"{path} is missing or has the wrong size")
        if _sha256(path) != entry["sha256"]:
            raise BackupError(f"{path} does not match its checksum: damaged")
    return manifest


def restore_backup(src: Path, root: Path, database_url: str | None = None) -> BackupSummary:
    """Restore the backup at ``src`` as a new workspace at ``root`` (its records into the
    empty database ``database_url`` when the backup's were on PostgreSQL), checked file by
    file first and table by table after."""
    src, root = src.expanduser().resolve(), root.expanduser().resolve()
    manifest = check_backup(src)
    _refuse_unless_new(root, "restore")
    records = manifest["records"]
    if records["kind"] == "postgresql" and not database_url:
        raise BackupError("the backup's records were on PostgreSQL: give --database-url, an "
                          "empty database to restore them into")  # fmt: skip
    _into_new_folder(root, lambda partial: _put_back(src, manifest, partial))
    if records["kind"] == "postgresql":
        assert database_url is not None
        _restore_postgresql(src / records["file"], database_url, str(records["schema"]))
    workspace = Workspace.open(root, database_url=database_url, create=False)
    try:
        with workspace.engine.connect() as connection:
            counts = _counts(connection)
    finally:
        workspace.engine.dispose()
    if counts != manifest["tables"]:
        differ = sorted(t for t in {*counts, *manifest["tables"]}
                        if counts.get(t) != manifest["tables"].get(t))  # fmt: skip
        raise BackupError(f"the restored records do not match the backup's counts: {differ}")
    size = sum(int(f["bytes"]) for f in manifest["files"])
    return BackupSummary(str(root), len(manifest["files"]), size, counts, records["kind"],
                         str(manifest["taken_at"]))  # fmt: skip


def _put_back(src: Path, manifest: dict[str, Any], into: Path) -> None:
    """The backup's files, and SQLite records, in the folder ``into``."""
    for entry in manifest["files"]:
        target = into / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / entry["path"], target)
    for folder in ("events", "rejects", "tmp"):
        (into / folder).mkdir(parents=True, exist_ok=True)
    records = manifest["records"]
    if records["kind"] == "sqlite":
        shutil.copyfile(src / records["file"], into / RECORDS)


def _restore_postgresql(dump: Path, database_url: str, schema: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            used = connection.scalar(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"
            ), {"s": schema})  # fmt: skip
        if used:
            raise BackupError(f"the database's schema {schema!r} already has tables: restore "
                              "into an empty database")  # fmt: skip
        with engine.begin() as connection:  # made here: the dump's own CREATE SCHEMA
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))  # is skipped
        listed = _run(["pg_restore", "--list", str(dump)], "pg_restore")
        wanted = dump.with_name(f"{dump.name}.{os.getpid()}.list")
        kept = [line for line in listed.splitlines() if f" SCHEMA - {schema} " not in line]
        wanted.write_text("\n".join(kept) + "\n", encoding="utf-8")
        try:
            _run(["pg_restore", "--no-owner", "--exit-on-error", f"--use-list={wanted}",
                  f"--dbname={_libpq_url(engine)}", str(dump)], "pg_restore")  # fmt: skip
        finally:
            wanted.unlink(missing_ok=True)
    finally:
        engine.dispose()


def _libpq_url(engine: Engine, *, sees_every_agency: bool = False) -> str:
    """The engine's URL as libpq takes it (a connection string). ``sees_every_agency``: the
    connection reaches every row that row-level security guards (in its ``options``,
    which libpq prefers to ``PGOPTIONS``)."""
    from psycopg.conninfo import make_conninfo  # PostgreSQL's driver: only where it is used

    url = engine.url.set(drivername="postgresql")
    given = url.query.get("options", ())
    options = [given] if isinstance(given, str) else list(given)
    if sees_every_agency:
        options.append(f"-c {row_security.SEES_ALL}=on")
    plain = url.set(query={}).render_as_string(hide_password=False)
    return make_conninfo(plain, options=" ".join(options)) if options else plain


def _run(command: list[str], tool: str) -> str:
    """Run a PostgreSQL client tool; its standard output."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              env={**os.environ, "PGCONNECT_TIMEOUT": "10"})  # fmt: skip
    except FileNotFoundError as exc:
        raise BackupError(f"{tool} is not installed: PostgreSQL's client tools are needed") from exc
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[:500]}")
    return done.stdout


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
