"""Every command of the ``fortress`` tree, run on the demo workspace: tables and JSON.

``COMMANDS`` is the truth, as ``casework/policy.py`` is for the access tests: each leaf of
the command tree names the arguments that run it on a copy of the demo's folder, or why it
is exempt and which test covers it. A command added to the CLI and missing here fails
``test_every_command_is_in_the_table``, so a renderer that is missing can never ship again.

Each command runs twice where it has ``--json``: the table output must finish without an
exception and show something, with no cell cut short in a 100-column terminal; the JSON
must parse.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from fortress.cli.demo import run_demo
from fortress.cli.main import app

WIDTH = 100
"""The terminal the tables must be readable in."""

Prepare = Callable[[Path], None]


@dataclass(frozen=True)
class Run:
    """Run the command with ``args`` (placeholders in braces, see ``DemoFacts``), after the
    ``setup`` commands and ``prepare`` on the same copy of the demo."""

    args: str = ""
    setup: tuple[str, ...] = ()
    prepare: Prepare | None = None
    stdin: str | None = None


@dataclass(frozen=True)
class Exempt:
    """Not run here, and why (naming the test that covers it)."""

    reason: str


def _with_operation(demo: Path) -> None:
    """Operation 1 in the demo's casework database (the CLI has no command to create one)."""
    from fortress.casework.operations import ResultInput, create_operation, record_result
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(demo / "workspace")
    with workspace.sessions.begin() as session:
        operation = create_operation(
            session, "Week of action", date(2025, 3, 4), date(2025, 3, 10), actor="test"
        )
        record_result(session, operation, ResultInput(kind="arrest", count=3), actor="test")
        record_result(
            session,
            operation,
            ResultInput(kind="drug_seizure", label="crack cocaine", grams="12.5"),
            actor="test",
        )


MIGRATED = ("casework migrate",)
WITH_USER = (*MIGRATED, "users add ann --role analyst --password-stdin")
PASSWORD = "a long enough test password\n"


def _with_roads(demo: Path) -> None:
    """A one-street GeoJSON layer to make a basemap from (ROADS)."""
    line = {"type": "LineString", "coordinates": [[-1.14, 50.79], [-1.13, 50.80]]}
    feature = {"type": "Feature", "properties": {"highway": "primary", "name": "Test Road"},
               "geometry": line}  # fmt: skip
    (demo / "roads.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                    "features": [feature]}))  # fmt: skip


def _with_basemap(demo: Path) -> None:
    """The demo's workspace with a basemap of ``_with_roads``'s street."""
    from fortress.maps.basemap import add_basemap

    _with_roads(demo)
    add_basemap(demo / "workspace", demo / "roads.geojson", "Test data, CC0")


def _with_sharing(demo: Path) -> None:
    """An exercise between the demo's force (A, its latest lines) and force B (a CSV of
    one of A's line numbers and a number A lacks): key, tokens, A's hits, a PSI request
    of A and B's answer."""
    from fortress.sharing import hits, psi
    from fortress.sharing.selectors import file_selectors, workspace_selectors
    from fortress.store.workspace import Workspace

    mine = workspace_selectors(Workspace.open(demo / "workspace"))
    shared = next(s.value for s in mine if s.kind == "number")
    (demo / "b.csv").write_text(f"kind,value\nnumber,{shared}\nnumber,07700 900999\n")
    theirs = file_selectors(demo / "b.csv")
    key = hits.new_exercise_key("ex")
    hits.save_key(key, demo / "ex.key")
    sets = [hits.token_set(key, "A", mine), hits.token_set(key, "B", theirs)]
    for made in sets:
        hits.save_tokens(made, demo / f"{made.force.lower()}.json")
    hits.save_hits(hits.match(sets)[0], demo / "hits-a.json")
    request = psi.psi_request(mine)
    psi.save_secret(request.secret, demo / "a.secret")
    (demo / "req.json").write_text(request.message)
    (demo / "ans.json").write_text(psi.psi_answer(theirs, request.message))


HELD_BUNDLE = "00000000-0000-4000-8000-000000000001"


def _with_bundles(demo: Path) -> None:
    """The demo's force with casework users (ann, an analyst; sue, a supervisor), a signing
    key it trusts itself, export 1 (C-coded, awaiting sue), export 2 (approved) and its
    bundle in ``line.bundle``, and a received bundle ``HELD_BUNDLE`` held for review."""
    from datetime import datetime

    from fortress.casework import line_sharing
    from fortress.casework.db import migrate
    from fortress.casework.intelligence import Grade
    from fortress.casework.users import add_user
    from fortress.comms.lines import latest_run, list_lines
    from fortress.sharing import signing
    from fortress.sharing.bundles import Sharing, read_bundle, write_bundle
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(demo / "workspace")
    migrate(workspace.engine)
    key = signing.new_signing_key("Hampshire")
    public = signing.save_signing_key(key, signing.default_signing_key_path(workspace))
    signing.trust(workspace, signing.load_public_key(public))
    lines, run = [str(list_lines(workspace)[0].line_id)], latest_run(workspace).id
    with workspace.sessions.begin() as session:
        for name, role in (("ann", "analyst"), ("sue", "supervisor")):
            add_user(session, name, role, PASSWORD.strip(), agency=None, actor="test")
        for code in "CP":
            grade = Grade("3x5x2", "2", "B", code, "SIU only" if code == "C" else None)
            line_sharing.request_export(session, lines, run, "Sussex", "test", grade,
                                        "OFFICIAL", actor="ann")  # fmt: skip
    written = write_bundle(workspace, key, export_id=2, line_ids=lines, run_id=run,
                           recipient="Hampshire", purpose="test",  # it imports it itself
                           sharing=Sharing("Hampshire", Grade("3x5x2", "2", "B", "P"),
                                           "OFFICIAL"))  # fmt: skip
    (demo / "line.bundle").write_bytes(written.content)
    verified = read_bundle(workspace, written.content, "line.bundle")
    with workspace.sessions.begin() as session:
        held = replace(verified, id=HELD_BUNDLE, created_at=datetime(2026, 12, 1))
        line_sharing.hold(session, held, actor="ann")


def _with_backup(demo: Path) -> None:
    """A backup of the demo's workspace, with casework, in ``backup``."""
    from fortress.casework.db import migrate
    from fortress.store.backup import take_backup
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(demo / "workspace")
    migrate(workspace.engine)
    take_backup(workspace, demo / "backup")


COMMANDS: dict[str, Run | Exempt] = {
    "audit anchor": Run("audit anchor", setup=MIGRATED),
    "backup": Run("backup {out}/backup", setup=MIGRATED),
    "restore": Run("restore {demo}/backup {out}/restored", prepare=_with_backup),
    "audit verify": Run("audit verify", setup=MIGRATED),
    "basemap add": Run("basemap add {demo}/roads.geojson --credit CC0", prepare=_with_roads),
    "basemap remove": Run("basemap remove", prepare=_with_basemap),
    "basemap show": Run("basemap show", prepare=_with_basemap),
    "casework grant-server": Exempt("needs PostgreSQL and a role; tests/server/"
                                    "test_row_security.py runs it there, and on SQLite"),
    "casework migrate": Run("casework migrate"),
    "cluster start": Exempt("starts Java processes; tests/store/test_cluster.py, tables and JSON"),
    "cluster status": Exempt("needs a running cluster; tests/store/test_cluster.py"),
    "cluster stop": Exempt("needs a running cluster; tests/store/test_cluster.py"),
    "demo": Exempt("this module's fixture runs it with tables; tests/cli/test_demo.py with JSON"),
    "evaluate": Run("evaluate --truth {demo}/world/ground_truth.json"),
    "ingest cells": Run("ingest cells {demo}/world/cells.csv"),
    "ingest comms": Run("ingest comms {comms_file}"),
    "ingest layouts": Run("ingest layouts"),
    "lines activity": Run("lines activity {line}"),
    "lines detect": Run("lines detect"),
    "lines list": Run("lines list --all"),
    "lines quantum": Run("lines quantum {line} --from {first_day} --to {last_day}"),
    "lines safeguarding": Run("lines safeguarding"),
    "lines show": Run("lines show {line}"),
    "network disrupt": Run("network disrupt comms --remove 3 --runs 2"),
    "network export": Run("network export comms --to graphml --out {out}/net.graphml"),
    "network measures": Run("network measures comms --group role"),
    "network phases": Run("network phases comms --window-days 14"),
    "network targets": Run("network targets comms --k 3"),
    "numbers history": Run("numbers history {number}"),
    "numbers judge": Run("numbers judge {number} {other_number} --verdict rejected"),
    "numbers profile": Run("numbers profile {number} --split --from {first_day}"),
    "numbers profiles": Run("numbers profiles --out {out}/profiles.csv --numbers {number}"),
    "schedule": Run("schedule --numbers {number},{other_number} --every-event --out {out}/s.xlsx"),
    "numbers successors": Run("numbers successors {number}"),
    "operations summary": Run("operations summary 1", setup=MIGRATED, prepare=_with_operation),
    "place area list": Run("place area list"),
    "place area save": Run("place area save Campaign-two --area {town} "
                           "--clear 2025-01..2025-03 --hold 2025-04..2025-06"),
    "place drug-market": Run("place drug-market"),
    "place evaluate": Run("place evaluate --area {town} --before 2024-04..2024-12 "
                          "--after 2025-04..2025-12 --auto-compare"),
    "place fetch": Exempt("needs police.uk over the network; "
                          "tests/places/test_fetch.py serves its archives from loopback"),
    "place hotspots": Run("place hotspots --area {town} "
                          "--period 2024-01..2024-06 --period 2025-01..2025-06"),
    "place ingest": Run("place ingest {demo}/world/crime"),
    "place quality": Run("place quality"),
    "place summary": Run("place summary --area {town}"),
    "report lines": Run("report lines --out {out}/lines.html"),
    "report network": Run("report network comms --out {out}/network.html --remove 3"),
    "report places": Run("report places --out {out}/places.html"),
    "share key": Run("share key ex --out {out}/ex.key"),
    "share tokens": Run("share tokens --key {demo}/ex.key --force A --out {out}/a.json",
                        prepare=_with_sharing),
    "share match": Run("share match {demo}/a.json {demo}/b.json --out-dir {out}/matched",
                       prepare=_with_sharing),
    "share hits": Run("share hits {demo}/hits-a.json --key {demo}/ex.key", prepare=_with_sharing),
    "share psi-request": Run("share psi-request --secret {out}/a.secret --out {out}/req.json"),
    "share psi-answer": Run("share psi-answer {demo}/req.json --out {out}/ans.json "
                            "--selectors {demo}/b.csv", prepare=_with_sharing),
    "share psi-result": Run("share psi-result {demo}/ans.json --secret {demo}/a.secret",
                            prepare=_with_sharing),
    "share signing-key": Run("share signing-key --force Hampshire --out {out}/force.key"),
    "share trust": Run("share trust {demo}/workspace/sharing/signing-key-public.json",
                       prepare=_with_bundles),
    "share trusted": Run("share trusted", prepare=_with_bundles),
    "share export": Run("share export --lines {line} --to Sussex --purpose test --grade 2/B/P "
                        "--as ann --out {out}/line.bundle", prepare=_with_bundles),
    "share decide": Run("share decide 1 --approve --reason checked --as sue",
                        prepare=_with_bundles),
    "share exports": Run("share exports --as sue", prepare=_with_bundles),
    "share import": Run("share import {demo}/line.bundle --as ann", prepare=_with_bundles),
    "share received": Run("share received --as ann", prepare=_with_bundles),
    "share regional": Run("share regional --as ann --all", prepare=_with_bundles),
    "share review": Run(f"share review {HELD_BUNDLE} --accept --reason checked --as ann",
                        prepare=_with_bundles),
    "serve": Exempt("runs until stopped; tests/server/test_serve_cli.py starts and stops it"),
    "simulate": Run("simulate --out {out}/world --seed 3 --scale 2000"),
    "status": Run("status"),
    "users add": Run("users add bob --role officer --password-stdin",
                     setup=MIGRATED, stdin=PASSWORD),
    "users disable": Run("users disable ann", setup=WITH_USER),
    "users enable": Run("users enable ann", setup=WITH_USER),
    "users list": Run("users list", setup=WITH_USER),
    "users password": Run("users password ann --password-stdin", setup=WITH_USER,
                          stdin="another long enough test password\n"),
}  # fmt: skip


@dataclass(frozen=True)
class DemoFacts:
    """Values from the demo's world that commands take as arguments."""

    demo: Path
    line: str
    number: str
    other_number: str
    first_day: str
    last_day: str
    town: str
    comms_file: Path

    def fill(self, args: str, out: Path) -> list[str]:
        values = {k: str(v) for k, v in self.__dict__.items()} | {"out": str(out)}
        return [arg.format(**values) for arg in args.split()]


def leaf_commands() -> Iterator[tuple[str, Any]]:
    """Every runnable command of the tree, as its space-separated path."""

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        children = getattr(command, "commands", None)
        if children:
            for name, child in sorted(children.items()):
                yield from walk(child, (*path, name))
        else:
            yield " ".join(path), command

    yield from walk(typer.main.get_command(app), ())


def _modes(command: Any) -> list[str]:
    """``table``, and ``json`` where the command has ``--json``."""
    json_option = any("--json" in getattr(p, "opts", ()) for p in command.params)
    return ["table", "json"] if json_option else ["table"]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, run once with its tables (its own test, and every command's workspace)."""
    folder = tmp_path_factory.mktemp("every-command") / "demo"
    run_demo(folder)
    return folder


@pytest.fixture(scope="module")
def facts(demo_folder: Path) -> DemoFacts:
    from fortress.comms.lines import list_lines, show_line
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(demo_folder / "workspace")
    first = list_lines(workspace)[0]
    assert first.line_id is not None
    line = show_line(workspace, first.line_id)
    numbers = line.numbers
    campaign = json.loads((demo_folder / "world/crime/campaign.json").read_text(encoding="utf-8"))
    return DemoFacts(
        demo=demo_folder,
        line=first.line_id,
        number=numbers[0],
        other_number=line.customers.numbers[0],
        first_day=line.first_seen_utc[:10],
        last_day=line.last_seen_utc[:10],
        town=campaign["town"],
        comms_file=sorted((demo_folder / "world/comms").glob("*.csv"))[0],
    )


def test_every_command_is_in_the_table() -> None:
    tree = {path for path, _ in leaf_commands()}
    assert sorted(tree - COMMANDS.keys()) == [], "commands with no entry in COMMANDS"
    assert sorted(COMMANDS.keys() - tree) == [], "entries in COMMANDS that are not commands"


RUNS = [(path, mode) for path, command in leaf_commands() for mode in _modes(command)]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "mode"), [pytest.param(p, m, id=f"{p}-{m}") for p, m in RUNS])
def test_command_runs_on_the_demo(
    path: str, mode: str, facts: DemoFacts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = COMMANDS.get(path)
    if not isinstance(entry, Run):
        pytest.skip(entry.reason if entry else "not in COMMANDS (see the table test)")
    demo = tmp_path / "demo"
    shutil.copytree(facts.demo, demo, ignore=shutil.ignore_patterns("world"))
    (demo / "world").symlink_to(facts.demo / "world")
    here = DemoFacts(**(facts.__dict__ | {"demo": demo}))
    from fortress.cli import render

    monkeypatch.setattr(render.console, "width", WIDTH)  # a 100-column terminal
    runner = CliRunner()
    base = ["--workspace", str(demo / "workspace")]
    for step in entry.setup:
        done = runner.invoke(app, [*base, *step.split()], input=PASSWORD)
        assert done.exit_code == 0, done.output
    if entry.prepare:
        entry.prepare(demo)
    args = [*base, *here.fill(entry.args, tmp_path / "out")]
    (tmp_path / "out").mkdir()
    result = runner.invoke(app, [*args, *(["--json"] if mode == "json" else [])], input=entry.stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{path} ({mode}) raised {result.exception!r}"
    )
    assert result.exit_code == 0, result.output
    if mode == "json":
        json.loads(result.stdout)
    else:
        assert result.output.strip(), f"{path} printed nothing"
        cut = re.findall(r"\S*…", result.output)
        assert cut == [], f"{path}: cells cut short at {WIDTH} columns: {cut[:5]}"
