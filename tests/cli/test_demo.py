"""``fortress demo`` on a fresh folder: simulate, ingest, re-ingest, detect lines, report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from fortress.casework.users import ROLES
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import signin_form


def run_demo(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fortress.cli", "demo", "--dir", str(folder), *args],
        capture_output=True,
        text=True,
    )


def test_demo_ingests_the_whole_world_and_recognises_a_second_ingest(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    world_events = report["world"]["events"]
    comms = [s for s in report["ingest"] if s["table"] == "comms"]
    assert sum(s["accepted"] for s in comms) == world_events
    assert all(s["rejected"] == 0 and s["error"] is None for s in report["ingest"])
    again = report["reingest_of_first_file"]
    assert again["accepted"] == 0 and again["duplicates"] == comms[0]["accepted"]
    assert report["status"]["comms"]["events"] == world_events
    assert report["deal_lines"]["lines_found"] == report["world"]["lines"]
    assert report["evaluation"]["measures"]["lines"]["f1"] == 1.0
    assert report["evaluation"]["legitimate_bulk_senders_flagged"] == []
    assert Path(report["report"]["file"]).is_file() and report["report"]["lines"] == 3
    places = report["places"]
    assert places["files"] == 24 and places["ingested_rows"] > 50_000
    asb = {r["crime_type"]: r for r in places["evaluation"]["results"]}["Anti-social behaviour"]
    built = places["campaign"]["asb_factor_from_hold"] - 1  # the synthetic campaign's effect
    assert asb["low"] < built < asb["high"]  # recovered by the evaluation
    page = Path(report["report"]["file"]).read_text(encoding="utf-8")
    assert 'id="places"' in page and "Anti-social behaviour in" in page
    _the_schedule_lists_the_line_s_casework(report["schedule"])
    _the_app_opens_on_the_demo_workspace(report["app"], tmp_path / "demo" / "workspace")


def _the_schedule_lists_the_line_s_casework(made: dict[str, Any]) -> None:
    """The strongest line's schedule: printable HTML and CSV of the same rows, with the
    phone the demo's operation seized and the intelligence naming it."""
    html, table = made["files"]
    assert (html["format"], table["format"]) == ("html", "csv") and html["rows"] == table["rows"]
    text = Path(table["file"]).read_text(encoding="utf-8-sig")
    assert "casework operation result" in text and "casework intelligence 1 " in text
    assert "its text is not reproduced here" in text
    page = Path(html["file"]).read_text(encoding="utf-8")
    assert ", ".join(made["numbers"]) in page  # the header lists them all
    assert (
        f"Schedule of events: {made['numbers'][0]} and {len(made['numbers']) - 1} other numbers"
        in page
    )


LANDINGS = (
    ("analyst", "/app/lines", "3 of the 3 lines"),
    ("officer", "/app/operations", "Week of action"),
    ("safeguarding_partner", "/app/referrals", "Demo Child"),
)


def _the_app_opens_on_the_demo_workspace(app: dict[str, Any], folder: Path) -> None:
    """Each role signs in with the password the demo made (kept in a file only its owner
    reads) and lands on its own work, which shows the demo's casework."""
    listed = Path(app["passwords_file"])
    assert listed.stat().st_mode & 0o077 == 0
    passwords = dict(line.split("\t") for line in listed.read_text(encoding="utf-8").splitlines())
    assert sorted(passwords) == sorted(app["users"]) == sorted(ROLES)
    assert app["serve"] == f"fortress --workspace {folder} serve"
    workspace = Workspace.open(folder)
    with TestClient(create_app(workspace.engine, comms=workspace)) as client:
        for role, landing, shows in LANDINGS:
            client.cookies.clear()
            signed = client.post("/signin", data={"name": role, "password": passwords[role],
                                                  **signin_form(client)})  # fmt: skip
            assert signed.status_code == 200 and str(signed.url).endswith(landing)
            assert shows in signed.text


def test_demo_replaces_its_own_folder_but_never_someone_elses(tmp_path: Path) -> None:
    from fortress.cli.demo import MARKER, fresh_folder

    earlier = tmp_path / "demo"
    (earlier / "workspace").mkdir(parents=True)
    (earlier / MARKER).write_text("made by fortress demo\n", encoding="utf-8")
    (earlier / "workspace" / "stale.txt").write_text("from the last demo", encoding="utf-8")
    fresh_folder(earlier)  # what the demo does first (the whole demo runs in the test above)
    assert sorted(p.name for p in earlier.iterdir()) == [MARKER]
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    refused = run_demo(precious)
    assert refused.returncode == 2
    assert "not an earlier demo" in refused.stderr
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_what_the_default_commands_write_is_ignored_by_git() -> None:
    """`fortress demo` and a workspace left at its default are written where a user runs
    them, often the repository's root: git must not offer them for a commit."""
    import typer.main

    from fortress.cli.main import app
    from fortress.store.settings import DEFAULT_WORKSPACE

    demo = typer.main.get_command(app).commands["demo"]  # type: ignore[attr-defined]
    default_dir = next(p.default for p in demo.params if p.name == "folder")
    root = Path(__file__).resolve().parents[2]
    for folder in (Path(default_dir), DEFAULT_WORKSPACE):
        checked = subprocess.run(
            ["git", "check-ignore", "--quiet", f"{folder}/records.db"], cwd=root, check=False
        )
        assert checked.returncode == 0, f"{folder}/ is not in .gitignore"
