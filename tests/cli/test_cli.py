"""The command line as a user drives it: arguments, exit codes, JSON and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.cli.reference import render_reference

ROOT = Path(__file__).resolve().parents[2]
EVENTS_CSV = """start,kind,a_number,b_number,duration_s
2025-01-06T08:00:00Z,sms,07700 900001,07700 900002,0
2025-01-06T08:01:00Z,call,07700 900002,07700 900001,42
"""

runner = CliRunner()


def run(workspace: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--workspace", str(workspace), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def events_csv(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV, encoding="utf-8")
    return path


def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fortress.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("status", "ingest", "simulate", "demo"):
        assert command in result.stdout


def test_ingest_comms_json_reports_counts(tmp_path: Path, events_csv: Path) -> None:
    code, out, _ = run(tmp_path / "ws", "ingest", "comms", str(events_csv), "--json")
    assert code == 0
    [summary] = json.loads(out)
    assert (summary["read"], summary["accepted"], summary["rejected"]) == (2, 2, 0)
    assert summary["layout"] == "canonical"


def test_a_refused_file_exits_1_and_says_why(tmp_path: Path, events_csv: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    code, out, _ = run(tmp_path / "ws", "ingest", "comms", str(events_csv), str(empty), "--json")
    assert code == 1
    good, bad = json.loads(out)
    assert good["accepted"] == 2
    assert "empty" in bad["error"]


def test_human_output_names_the_refused_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    code, out, _ = run(tmp_path / "ws", "ingest", "comms", str(empty))
    assert code == 1
    assert "refused, nothing ingested" in out and "empty.csv" in out


def test_layout_and_mapping_together_is_a_usage_error(tmp_path: Path, events_csv: Path) -> None:
    spec = tmp_path / "x.yaml"
    spec.write_text("name: x\n", encoding="utf-8")
    code, _, err = run(
        tmp_path / "ws",
        "ingest",
        "comms",
        str(events_csv),
        "--layout",
        "canonical",
        "--mapping",
        str(spec),
    )
    assert code == 2 and "not both" in err


def test_an_invalid_mapping_spec_is_explained(tmp_path: Path, events_csv: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\nparties: direct\nkind: {column: t}\n", encoding="utf-8")
    code, _, err = run(tmp_path / "ws", "ingest", "comms", str(events_csv), "--mapping", str(spec))
    assert code == 2
    assert "bad.yaml" in err and "start" in err


def test_unknown_layout_lists_the_shipped_ones(tmp_path: Path, events_csv: Path) -> None:
    code, _, err = run(tmp_path / "ws", "ingest", "comms", str(events_csv), "--layout", "nope")
    assert code == 2 and "operator-cdr" in err


def test_status_json_after_ingest(tmp_path: Path, events_csv: Path) -> None:
    run(tmp_path / "ws", "ingest", "comms", str(events_csv))
    code, out, _ = run(tmp_path / "ws", "status", "--json")
    assert code == 0
    assert json.loads(out)["comms"]["events"] == 2


def test_workspace_from_environment(tmp_path: Path, events_csv: Path) -> None:
    env_ws = tmp_path / "from-env"
    result = runner.invoke(
        app, ["ingest", "comms", str(events_csv)], env={"FORTRESS_WORKSPACE": str(env_ws)}
    )
    assert result.exit_code == 0
    assert (env_ws / "records.db").exists()


def test_layouts_are_listed() -> None:
    result = runner.invoke(app, ["ingest", "layouts", "--json"])
    names = [item["name"] for item in json.loads(result.stdout)]
    assert names == ["canonical", "handset-log", "operator-cdr"]


def test_cli_reference_is_up_to_date() -> None:
    documented = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert documented == render_reference(), (
        "docs/cli.md is stale: run `python -m fortress.cli.reference > docs/cli.md`"
    )


def test_every_doc_the_readme_links_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("data-formats", "architecture", "synthetic-world", "benchmarks", "cli"):
        assert f"docs/{name}.md" in readme
        assert (ROOT / "docs" / f"{name}.md").exists(), f"docs/{name}.md is missing"


def test_a_read_command_refuses_a_misspelt_workspace_and_creates_nothing(
    tmp_path: Path, events_csv: Path
) -> None:
    real = tmp_path / "op-kestrel"
    assert run(real, "ingest", "comms", str(events_csv))[0] == 0
    (tmp_path / "op-heron").mkdir()  # a folder that is not a workspace is never suggested
    before = sorted(tmp_path.iterdir())
    for command in (["status"], ["status", "--json"], ["lines", "list"]):
        code, out, err = run(tmp_path / "op-kestrl", *command)
        assert code == 2 and out == ""
        assert f"no workspace at {tmp_path / 'op-kestrl'}" in err
        assert f"Did you mean {real}?" in err and "Nothing was created" in err
    assert sorted(tmp_path.iterdir()) == before  # no op-kestrl
    assert list((tmp_path / "op-heron").iterdir()) == []


def test_a_read_command_refuses_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    code, _, err = run(folder, "status")
    assert code == 2 and "is not a workspace" in err
    assert list(folder.iterdir()) == []


BAD_ROWS_CSV = """start,kind,a_number,b_number,duration_s
2025-01-06T08:00:00Z,call,07700 900001,07700 900002,-1
2025-01-06T08:01:00Z,call,07700 900002,07700 900001,-1
2025-01-06T08:02:00Z,call,07700 900002,07700 900001,12
2025-13-06T08:03:00Z,sms,07700 900002,07700 900001,0
"""


def test_ingest_says_why_rows_were_rejected_with_counts(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(BAD_ROWS_CSV, encoding="utf-8")
    code, out, _ = run(tmp_path / "ws", "ingest", "comms", str(path))
    assert code == 0
    flat = " ".join(out.split())  # the terminal may wrap it
    assert "calls.csv: 3 rejected: negative duration (2); " in flat
    reasons = flat.split("negative duration (2); ")[1]
    assert reasons.startswith("not a date") or reasons.startswith("not a time"), reasons
    code, out, _ = run(tmp_path / "ws2", "ingest", "comms", str(path), "--json")
    [summary] = json.loads(out)
    assert list(summary["reject_reasons"].values()) == [2, 1]
    assert next(iter(summary["reject_reasons"])) == "negative duration"


FLAGGED_CSV = """start,kind,a_number,b_number,duration_s
2025-01-06T08:00:00Z,call,Withheld,07700 900002,30
2025-01-06T08:01:00Z,call,Private,999,12
2025-01-06T08:02:00Z,sms,07700 900002,07700 900001,0
2025-01-06T08:03:00Z,call,07700 900002,07700 900001,-4
"""


def test_status_counts_events_per_flag_and_rows_per_reject_reason(tmp_path: Path) -> None:
    path = tmp_path / "flagged.csv"
    path.write_text(FLAGGED_CSV, encoding="utf-8")
    assert run(tmp_path / "ws", "ingest", "comms", str(path))[0] == 0
    code, out, _ = run(tmp_path / "ws", "status", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["comms"]["events_with_flags"] == 2
    assert report["comms"]["events_by_flag"] == {"a_withheld": 2, "b_short_code": 1}
    assert report["ingests"]["rejected_by_reason"] == {"negative duration": 1}
    assert report["files"][0]["reject_reasons"] == {"negative duration": 1}
    code, out, _ = run(tmp_path / "ws", "status")
    lines = [" ".join(line.split()) for line in out.splitlines()]
    flagged = lines.index("events with data-quality flags 2")
    assert lines[flagged + 1 : flagged + 3] == ["a_withheld 2", "b_short_code 1"]
    rejected = lines.index("rows rejected 1")
    assert lines[rejected + 1] == "negative duration 1"


@pytest.mark.shared_data
def test_copenhagen_missed_calls_are_explained_after_ingest(
    tmp_path: Path, shared_data: Path
) -> None:
    spec = tmp_path / "cns.yaml"  # a duration read as given: -1 (missed) is negative
    spec.write_text(
        "name: cns\nparties: direct\n"
        "start: {columns: [timestamp], format: epoch_seconds}\n"
        "kind: {value: call}\nduration_s: {column: duration}\n"
        "a: {number: {column: from, scheme: identifier}}\n"
        "b: {number: {column: to, scheme: identifier}}\n",
        encoding="utf-8",
    )
    calls = shared_data / "copenhagen_networks_study" / "calls.csv"
    code, out, _ = run(tmp_path / "ws", "ingest", "comms", str(calls), "--mapping", str(spec))
    assert code == 0
    assert "calls.csv: 366 rejected: negative duration (366)" in " ".join(out.split())
