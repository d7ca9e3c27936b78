"""``fortress backup`` and ``fortress restore``: a restored workspace is the one backed up
(every file's checksum, every record, the audit chain), also when the backup was taken
while an ingest ran or the server was writing; a damaged backup is refused before anything
is written."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fortress.casework import audit
from fortress.casework.db import migrate
from fortress.cli.main import app
from fortress.comms.lines import run_detection
from fortress.server.app import create_app
from fortress.store.backup import MANIFEST
from fortress.store.workspace import RECORDS, Workspace
from helpers.casework import seed_casework, sign_in
from helpers.worlds import ingest_world

runner = CliRunner()


@pytest.fixture
def in_use(tmp_path: Path, database_url: str | None) -> Iterator[Workspace]:
    """A demo world ingested and detected, with casework, its records in SQLite or in
    PostgreSQL."""
    world = ingest_world(tmp_path / "source", 3)
    run_detection(world.workspace)
    workspace = world.workspace
    if database_url is not None:  # the same workspace, its records moved to PostgreSQL
        workspace = Workspace.open(world.workspace.root, database_url=database_url)
        _copy_records(world.workspace.engine, workspace.engine)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        seed_casework(session)
    yield workspace
    workspace.engine.dispose()


def _copy_records(source: sa.Engine, target: sa.Engine) -> None:
    tables = sa.MetaData()
    tables.reflect(source)
    with source.connect() as reading, target.begin() as writing:
        for table in tables.sorted_tables:
            rows = [dict(r._mapping) for r in reading.execute(table.select())]
            if sa.inspect(writing).has_table(table.name):
                writing.execute(sa.delete(table))
            else:
                table.create(writing)
            if rows:
                writing.execute(table.insert(), rows)


def _where(workspace: Workspace, url: str | None = None) -> list[str]:
    given = url or workspace.engine.url.render_as_string(hide_password=False)
    database = ["--database-url", given] if given.startswith("postgres") else []
    return ["--workspace", str(workspace.root), *database]


@pytest.fixture
def restore_url(database_url: str | None) -> Iterator[str | None]:
    """Where a PostgreSQL backup is restored: a new, empty database (the backup's schema
    is made in it), dropped afterwards; None for SQLite."""
    if database_url is None:
        yield None
        return
    admin = sa.create_engine(database_url.split("?")[0], isolation_level="AUTOCOMMIT")
    name = f"fortress_restore_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base, _, options = database_url.partition("?")
    yield f"{base.rsplit('/', 1)[0]}/{name}?{options}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _every_record(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(tuple(map(str, r)) for r in connection.execute(table.select()))
            for name, table in tables.tables.items()
        }


def test_a_restored_workspace_is_the_one_backed_up(
    in_use: Workspace, tmp_path: Path, restore_url: str | None
) -> None:
    saved, restored = tmp_path / "backup", tmp_path / "restored"
    made = runner.invoke(app, [*_where(in_use), "backup", str(saved), "--json"])
    assert made.exit_code == 0, made.output
    summary = json.loads(made.stdout)
    assert summary["records"] == in_use.engine.dialect.name and summary["files"] > 5
    back = runner.invoke(app, [*_where(in_use, restore_url), "restore", str(saved),
                               str(restored)])  # fmt: skip
    assert back.exit_code == 0, back.output
    assert "every checksum matches" in back.stdout and "audit chain intact" in back.stdout
    again = Workspace.open(restored, database_url=restore_url, create=False)
    try:
        assert _every_record(again.engine) == _every_record(in_use.engine)
        with again.sessions() as session:
            assert audit.verify(session).ok
        for path in (in_use.root / "events").rglob("*.parquet"):
            copy = restored / path.relative_to(in_use.root)
            assert copy.read_bytes() == path.read_bytes(), path
        listed = runner.invoke(app, [*_where(again, restore_url), "lines", "list", "--json"])
        original = runner.invoke(app, [*_where(in_use), "lines", "list", "--json"])
        assert listed.exit_code == 0 and listed.stdout == original.stdout
    finally:
        again.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_damaged_backup_is_refused_before_anything_is_written(
    in_use: Workspace, tmp_path: Path
) -> None:
    saved, restored = tmp_path / "backup", tmp_path / "restored"
    assert runner.invoke(app, [*_where(in_use), "backup", str(saved)]).exit_code == 0
    victim = next(saved.glob("events/*/*.parquet"))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    refused = runner.invoke(app, ["restore", str(saved), str(restored)])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert f"{victim} does not match its checksum: damaged" in refused.output.replace("\n", "")
    assert not restored.exists() and not restored.with_name("restored.partial").exists()
    into_itself = runner.invoke(app, [*_where(in_use), "backup", str(in_use.root / "b")])
    assert into_itself.exit_code == 2 and "inside the workspace" in into_itself.output
    not_empty = runner.invoke(app, [*_where(in_use), "backup", str(saved)])
    assert not_empty.exit_code == 2 and "not an empty folder" in not_empty.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_backup_taken_during_an_ingest_is_consistent(in_use: Workspace, tmp_path: Path) -> None:
    """Backups taken at random moments of an ingest running in another process: each
    restored workspace lists exactly the event files it holds (all of a file or none)."""
    source = sorted((tmp_path / "source" / "world" / "comms").glob("*.parquet"))
    trials = random.Random(19)
    for trial in range(3):
        again = tmp_path / f"again-{trial}"  # the same files again: all duplicates, published
        for path in source:
            again.mkdir(exist_ok=True)
            (again / f"{trial}-{path.name}").write_bytes(path.read_bytes())
        ingest = subprocess.Popen(
            [sys.executable, "-m", "fortress.cli", *_where(in_use), "ingest", "comms",
             *map(str, sorted(again.iterdir())), "--layout", "canonical"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        threading.Event().wait(trials.uniform(0.5, 3.0))
        saved = tmp_path / f"backup-{trial}"
        assert runner.invoke(app, [*_where(in_use), "backup", str(saved)]).exit_code == 0
        assert ingest.wait(timeout=300) == 0, ingest.stderr.read() if ingest.stderr else ""
        restored = tmp_path / f"restored-{trial}"
        assert runner.invoke(app, ["restore", str(saved), str(restored)]).exit_code == 0
        opened = Workspace.open(restored, create=False)
        try:
            listed = {str(p) for table in ("comms", "cells") for p in opened.data_files(table)}
            held = {str(p) for p in (restored / "events").rglob("*.parquet")}
            assert listed == held, trial
        finally:
            opened.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_backup_taken_while_the_server_writes_restores_a_whole_audit_chain(
    in_use: Workspace, tmp_path: Path
) -> None:
    stop, written = threading.Event(), []
    with TestClient(create_app(in_use.engine, comms=in_use)) as client:
        headers = sign_in(client, "analyst")

        def write() -> None:
            while not stop.is_set():
                body = {"text": f"Seen at the flat {len(written)}",
                        "grade": {"source_evaluation": "2", "assessment": "B",
                                  "handling_code": "P"}}  # fmt: skip
                answer = client.post("/api/v1/intelligence", json=body, headers=headers)
                written.append(answer.status_code)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            threading.Event().wait(1.0)
            made = runner.invoke(app, [*_where(in_use), "backup", str(tmp_path / "b")])
            threading.Event().wait(0.5)
        finally:
            stop.set()
            writer.join()
    assert made.exit_code == 0 and set(written) == {201} and len(written) > 5
    back = runner.invoke(app, ["restore", str(tmp_path / "b"), str(tmp_path / "r")])
    assert back.exit_code == 0 and "audit chain intact" in back.stdout, back.output
    manifest = json.loads((tmp_path / "b" / MANIFEST).read_text())
    assert manifest["tables"]["casework_intelligence"] < len(written) + 10  # a moment's state
    assert (tmp_path / "r" / RECORDS).is_file()
