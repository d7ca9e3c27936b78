"""The workspace directory: where an analyst's event tables and records live.

Layout::

    WORKSPACE/
      records.db            SQLite record database (WAL), unless a database URL is given
      events/<table>/*.parquet  immutable event files, listed in the manifest
      rejects/*.csv         rejected rows of each ingest, with row numbers and reasons
      tmp/                  staging of ingests in progress (swept when abandoned)
      uploads/              files uploaded from the browser, kept as received (the app)
      .write.lock           held by the single writer while it publishes or migrates

Parquet files are immutable. An ingest stages its rows, writes the final file under a
temporary name, fsyncs it, renames it into place and only then records it in the manifest,
in one transaction. Readers see only files the manifest names, so a crash at any point
leaves all or none of a file's events visible.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Final

import duckdb
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from fortress.model.sql import literal
from fortress.store import row_security, schema
from fortress.store.models import DataFile, IngestBatch, WorkspaceInfo

COMMS: Final = "comms"
CELLS: Final = "cells"
RECORDS: Final = "records.db"
"""The workspace's own SQLite record database (unless a database URL is given)."""


class WorkspaceError(Exception):
    """The workspace cannot be opened or used; the message says why."""


class NotAWorkspace(WorkspaceError):
    """The folder is not a workspace (and the caller did not ask to create one)."""

    def __init__(self, root: Path, nearest: Path | None, reason: str) -> None:
        self.root, self.nearest, self.reason = root, nearest, reason
        hint = f"; the nearest workspace is {nearest}" if nearest is not None else ""
        super().__init__(f"{root} {reason}{hint}")


def is_workspace(folder: Path) -> bool:
    """Whether ``folder`` holds a workspace: its record database, or (when the records are
    in a database server) its event tables' folder."""
    return (folder / RECORDS).is_file() or (folder / "events").is_dir()


def nearest_workspace(root: Path) -> Path | None:
    """The workspace beside ``root`` (in its parent folder) whose name is closest to
    ``root``'s, as a person mistyping it would have meant; None when there is none."""
    parent = root.parent
    if not parent.is_dir():
        return None
    try:
        found = {
            p.name: p for p in parent.iterdir() if p != root and p.is_dir() and is_workspace(p)
        }
    except OSError:  # an unreadable folder: no suggestion rather than no message
        return None
    if not found:
        return None
    ratio = {name: SequenceMatcher(None, root.name, name).ratio() for name in found}
    return found[max(sorted(found), key=lambda name: ratio[name])]


def _check_exists(root: Path, *, own_database: bool) -> None:
    """Refuse, creating nothing, a folder that is not a workspace."""
    if not root.exists():
        raise NotAWorkspace(root, nearest_workspace(root), "does not exist")
    if not is_workspace(root):
        raise NotAWorkspace(root, nearest_workspace(root), "is not a workspace")
    if own_database and not (root / RECORDS).is_file():
        raise WorkspaceError(
            f"{root} has no {RECORDS}: if its records are in a database server, give that "
            "database's URL"
        )


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc``, or what it came from, is a full disk or an exhausted quota: an
    OSError with ENOSPC or EDQUOT, or the words DuckDB, Arrow and SQLite put it in."""
    seen: BaseException | None = exc
    for _ in range(10):  # causes can form a loop
        if seen is None:
            return False
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(words in str(seen) for words in _FULL_DISK_WORDS):
            return True
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "orig", None)
    return False


_FULL_DISK_WORDS: Final = ("No space left on device", "database or disk is full",
                           "Disk quota exceeded")  # fmt: skip


def _out_of_space(root: Path) -> bool:
    """Whether the disk under ``root`` has (almost) no space left: SQLite reports a full
    disk met while it makes its shared-memory file as a mere "disk I/O error"."""
    try:
        return shutil.disk_usage(root).free < 1 << 20
    except OSError:
        return False


def full_disk_message(where: Path) -> str:
    """What a person is told when the disk under ``where`` is full."""
    return (f"no space left on the disk that holds {where}: nothing was half-written "
            "(what was under way was dropped); free some space and run it again")  # fmt: skip


def now_utc() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Workspace:
    """An opened workspace. Create with :meth:`open`."""

    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def with_own_pool(self) -> Workspace:
        """The same (opened) workspace over an engine of its own. A server that holds one
        connection for a request's records and reads the workspace's with another needs
        two pools: taking both from one pool deadlocks once every thread holds one and
        waits for a second."""
        return Workspace(self.root, own_engine(self.engine))

    @classmethod
    def open(cls, root: Path, *, database_url: str | None = None, create: bool = True) -> Workspace:
        """Open the workspace at ``root``, bringing its record tables to this Fortress's
        revision (``store/schema.py``).

        With ``create`` (what commands that write ask for) a missing workspace is made;
        without it, a folder that is not a workspace raises :class:`NotAWorkspace`, naming
        the nearest one beside it, and nothing is created on disk or in the database.
        """
        root = root.expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise WorkspaceError(f"{root} exists and is not a directory")
        engine = _engine(database_url or f"sqlite:///{root / RECORDS}")  # connects lazily
        if not create:
            _check_exists(root, own_database=database_url is None)
        for sub in ("events", "rejects", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        workspace = cls(root, engine)
        try:
            schema.bring_to_head(engine, create=create, lock=workspace.write_lock)
        except schema.NoRecords as exc:
            raise WorkspaceError(
                f"{root}: {exc} (is it the database this workspace was made with?)"
            ) from exc
        except schema.SchemaError as exc:
            raise WorkspaceError(f"{root}: {exc}") from exc
        except SQLAlchemyError as exc:  # unreachable server, no schema, no rights...
            if is_disk_full(exc) or ("disk I/O error" in str(exc) and _out_of_space(root)):
                raise WorkspaceError(full_disk_message(root)) from exc
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            url = engine.url.render_as_string(hide_password=True)
            raise WorkspaceError(f"cannot use the database {url}: {reason}") from exc
        return workspace

    @property
    def database_url(self) -> str:
        """The record database's URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def info(self, key: str) -> str | None:
        """A fact stored in ``workspace_info``."""
        with self.sessions() as session:
            row = session.get(WorkspaceInfo, key)
            return row.value if row else None

    # --- files ----------------------------------------------------------------------
    def table_dir(self, table: str) -> Path:
        """The folder of one event table's Parquet files."""
        folder = self.root / "events" / table
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def data_files(self, table: str) -> list[Path]:
        """The Parquet files of ``table`` that the manifest names, oldest first."""
        with self.sessions() as session:
            rows = session.scalars(
                select(DataFile.path)
                .where(DataFile.table_name == table)
                .order_by(DataFile.created_at, DataFile.path)
            ).all()
        return [self.root / path for path in rows]

    def batches(self, table: str | None = None) -> list[IngestBatch]:
        """Ingest batches, oldest first."""
        query = select(IngestBatch).order_by(IngestBatch.started_at)
        if table is not None:
            query = query.where(IngestBatch.table_name == table)
        with self.sessions() as session:
            return list(session.scalars(query).all())

    # --- writing --------------------------------------------------------------------
    def write_lock(self) -> AbstractContextManager[None]:
        """Hold the workspace's single-writer lock (blocks until it is free)."""
        return exclusive_lock(self.root / ".write.lock")

    @contextmanager
    def staging(self, batch_id: str) -> Iterator[Path]:
        """A private staging folder for one ingest, removed afterwards whatever happens.

        The folder holds an flock for its lifetime, so that :meth:`sweep` never removes
        the staging of an ingest that is still running in another process.
        """
        folder = self.root / "tmp" / batch_id
        folder.mkdir(parents=True)
        with (folder / ".owner.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield folder
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def sweep(self) -> list[Path]:
        """Remove what crashed ingests left: abandoned staging and unrecorded files.

        Call with the write lock held. Returns what was removed.
        """
        removed: list[Path] = []
        for folder in (self.root / "tmp").iterdir():
            if folder.is_dir() and _abandoned(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        recorded = {str(p) for table in self._tables() for p in self.data_files(table)}
        for path in (self.root / "events").glob("*/*.parquet*"):
            if str(path) not in recorded:
                path.unlink(missing_ok=True)
                removed.append(path)
        with self.sessions() as session:
            batches = set(session.scalars(select(IngestBatch.id)).all())
        an_hour_ago = time.time() - 3600  # a refused ingest records its batch just after
        for path in (self.root / "rejects").glob("*.csv"):  # "<batch id>-<file>.csv"
            if path.name.split("-", 1)[0] not in batches and path.stat().st_mtime < an_hour_ago:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def _tables(self) -> list[str]:
        return [p.name for p in (self.root / "events").iterdir() if p.is_dir()]

    def publish_file(self, staged: Path, table: str, batch_id: str) -> Path:
        """Move a finished Parquet file into ``table`` durably: fsync, rename, fsync dir.

        The file becomes visible only when the caller records it in the manifest.
        """
        final = self.table_dir(table) / f"{batch_id}.parquet"
        _fsync(staged)
        os.replace(staged, final)
        _fsync_dir(final.parent)
        return final

    def relative(self, path: Path) -> str:
        """``path`` relative to the workspace root, as stored in the manifest."""
        return str(path.relative_to(self.root))

    # --- querying -------------------------------------------------------------------
    def duckdb(
        self, *, memory_limit: str = "1GB", spill_to: Path | None = None
    ) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection; with ``spill_to`` it may spill to disk there."""
        return connect_duckdb(memory_limit=memory_limit, spill_to=spill_to)


def connect_duckdb(
    *, memory_limit: str = "1GB", spill_to: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a memory cap, UTC session time and no
    extension auto-loading (air-gapped users cannot download extensions)."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    con.execute("SET enable_progress_bar = false")  # it would draw into our output
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET TimeZone = 'UTC'")
    if spill_to is not None:
        spill_to.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = {literal(spill_to)}")
    return con


def own_engine(engine: Engine) -> Engine:
    """A new engine, with a pool of its own, over ``engine``'s database and with its
    connection settings."""
    return _engine(engine.url.render_as_string(hide_password=False))


def _engine(url: str) -> Engine:
    try:
        # as many connections as SQLAlchemy's default allows at once (5 + 10 overflow),
        # but all kept once opened: a busy server closed and reopened its overflow ones
        # by the hundred, each a new PostgreSQL backend (GET /api/v1/me's p95 with serve
        # --workers 2 on PostgreSQL: 686 ms with the default pool, 178 ms with this one)
        # hide_parameters: a failed statement's values (names, numbers) stay out of logs
        engine = create_engine(url, pool_size=15, max_overflow=0, hide_parameters=True)
    except Exception as exc:  # any bad URL: SQLAlchemy raises several types
        raise WorkspaceError(f"cannot use database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    row_security.default_to_every_agency(engine)  # the server narrows its requests'
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted records are overwritten (retention)
    cursor.close()


@contextmanager
def exclusive_lock(path: Path | str) -> Iterator[None]:
    """Hold an flock on ``path`` (made if missing) across processes, waiting until it is
    free; a waiter wakes as soon as the holder releases it or dies. OSError if the file
    cannot be opened."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _abandoned(folder: Path) -> bool:
    lock = folder / ".owner.lock"
    if not lock.exists():
        return True
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush ``path`` to disk (a file, or a folder and every file under it) and the
    folders holding them."""
    if path.is_dir():
        for inner in sorted(path.rglob("*"), reverse=True):
            (_fsync_dir if inner.is_dir() else _fsync)(inner)
        _fsync_dir(path)
    else:
        _fsync(path)
    _fsync_dir(path.parent)


def write_atomically(out: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``out`` so that a reader sees the old file or the
    whole new one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_bytes(content.encode() if isinstance(content, str) else content)
        partial.replace(out)
    except BaseException:  # a full disk, say: no partial file is left behind
        partial.unlink(missing_ok=True)
        raise
