"""``fortress lines`` and ``fortress evaluate`` as a user drives them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app

runner = CliRunner()


def run(workspace: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--workspace", str(workspace), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo world ingested into a workspace (the folder holds ``world`` and ``ws``)."""
    folder = tmp_path_factory.mktemp("cli-world")
    code, _, err = run(folder / "ws", "simulate", "--out", str(folder / "world"), "--json")
    assert code == 0, err
    files = [str(p) for p in sorted((folder / "world" / "comms").glob("*.parquet"))]
    assert run(folder / "ws", "ingest", "comms", *files, "--json")[0] == 0
    assert run(folder / "ws", "ingest", "cells", str(folder / "world" / "cells.csv"))[0] == 0
    return folder


@pytest.fixture
def workspace(world: Path, tmp_path: Path) -> Path:
    """A private copy of the world's workspace, so tests do not see each other's runs."""
    copy = tmp_path / "ws"
    shutil.copytree(world / "ws", copy)
    return copy


def test_list_before_detect_says_what_to_do(workspace: Path) -> None:
    code, _, err = run(workspace, "lines", "list")
    assert code == 2
    assert "fortress lines detect" in err


def test_detect_on_an_empty_workspace_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "empty", "lines", "detect")
    assert code == 2
    assert "no comms events" in err


def test_detect_list_and_show_json(workspace: Path) -> None:
    code, out, _ = run(workspace, "lines", "detect", "--json")
    assert code == 0
    detected = json.loads(out)
    assert detected["lines_found"] == 3
    stages = [s["stage"] for s in detected["stages"]]
    assert stages == [
        *("waves", "scoring", "neighbourhoods", "roles", "safeguarding", "writing results")
    ]
    assert 0 < sum(s["seconds"] for s in detected["stages"]) <= detected["seconds"]
    computed = re.fullmatch(
        r"computed over all (\d+ event files?) \(no earlier run kept its wave step\)",
        detected["wave_step"],
    )
    assert computed is not None
    again = json.loads(run(workspace, "lines", "detect", "--json")[1])
    assert again["wave_step"] == (f"kept from an earlier run over the same {computed[1]}")
    assert again["lines_found"] == 3
    code, out, _ = run(workspace, "lines", "list", "--json")
    lines = json.loads(out)
    assert len(lines) == 3
    for line in lines:
        assert line["line_id"].startswith("line-")
        assert all(number.startswith("+44") for number in line["numbers"])
        assert 0.6 <= line["score"] <= 1.0
        assert all(set(item) >= {"kind", "text"} for item in line["evidence"])
    code, out, _ = run(workspace, "lines", "show", lines[0]["line_id"], "--json")
    shown = json.loads(out)
    for key in ("runners", "controllers", "customers"):
        assert set(shown[key]) == {"count", "numbers"}
    assert shown["handsets"] and all("imei" in h for h in shown["handsets"])
    assert shown["sites"]


def test_list_all_adds_the_bulk_senders_that_are_not_lines(workspace: Path) -> None:
    run(workspace, "lines", "detect")
    code, out, _ = run(workspace, "lines", "list", "--all", "--json")
    listed = json.loads(out)
    assert code == 0
    assert sum(item["is_line"] for item in listed) == 3
    assert any(not item["is_line"] for item in listed)


def test_human_output_names_the_lines(workspace: Path) -> None:
    code, out, _ = run(workspace, "lines", "detect")
    assert code == 0
    assert "3 deal lines" in out
    assert re.search(r"Time by stage: waves \d+\.\d s, scoring \d+\.\d s, neighbourhoods", out)
    assert re.search(r"Wave step: computed over all \d+ event files? \(no earlier run", out)
    contacts = r"Contacts: (\S+) numbers' contacts kept .*?, (\S+) fetched by a scan"
    found = re.search(contacts, " ".join(out.split()))  # the console wraps long lines
    assert found and found[1] == "0" and int(found[2]) > 0
    code, again, _ = run(workspace, "lines", "detect")
    found = re.search(contacts, " ".join(again.split()))
    assert found and int(found[1].replace(",", "")) > 0 and found[2] == "0"
    line_id = out.split("line-")[1][:10]
    code, out, _ = run(workspace, "lines", "show", f"line-{line_id}")
    assert code == 0 and "Evidence" in out and "handsets" in out


def test_show_unknown_line_is_a_clear_error(workspace: Path) -> None:
    run(workspace, "lines", "detect")
    code, _, err = run(workspace, "lines", "show", "line-nope")
    assert code == 2
    assert "no line 'line-nope'" in err


def test_evaluate_against_the_worlds_truth(workspace: Path, world: Path) -> None:
    run(workspace, "lines", "detect")
    truth = world / "world" / "ground_truth.json"
    code, out, _ = run(workspace, "evaluate", "--truth", str(truth), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["measures"]["lines"]["f1"] == 1.0
    code, out, _ = run(workspace, "evaluate", "--truth", str(truth))
    assert "successor_links" in out


def test_evaluate_with_a_bad_truth_file_is_a_clear_error(workspace: Path, tmp_path: Path) -> None:
    run(workspace, "lines", "detect")
    bad = tmp_path / "truth.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = run(workspace, "evaluate", "--truth", str(bad))
    assert code == 2 and "not a readable JSON file" in err
    code, _, err = run(workspace, "evaluate", "--truth", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err


def test_activity_json_has_a_row_per_day(workspace: Path) -> None:
    run(workspace, "lines", "detect")
    line_id = json.loads(run(workspace, "lines", "list", "--json")[1])[0]["line_id"]
    code, out, _ = run(workspace, "lines", "activity", line_id, "--json")
    assert code == 0
    days = json.loads(out)["days"]
    assert len(days) >= 7
    assert all(0 <= d["confirmed"] <= d["potential"] for d in days)
    code, out, _ = run(workspace, "lines", "activity", line_id)
    assert code == 0 and "confirmed" in out


def test_successors_and_a_judgement(workspace: Path) -> None:
    code, out, _ = run(workspace, "numbers", "successors", "--json")
    assert code == 0
    found = json.loads(out)
    assert found and all(set(item) >= {"number", "candidates"} for item in found)
    old, new = found[0]["number"], found[0]["candidates"][0]["number"]
    code, _, _ = run(workspace, "numbers", "judge", old, new, "--verdict", "rejected")
    assert code == 0
    code, out, _ = run(workspace, "numbers", "successors", old, "--json")
    assert new not in [c["number"] for c in json.loads(out)[0]["candidates"]]
    code, _, err = run(workspace, "numbers", "judge", old, new, "--verdict", "perhaps")
    assert code == 2 and "verdict must be one of" in err


def test_successors_of_an_unknown_number_is_a_clear_error(workspace: Path) -> None:
    code, _, err = run(workspace, "numbers", "successors", "03069 990999")
    assert code == 2 and "does not appear" in err


def test_safeguarding_lists_places_to_visit(workspace: Path) -> None:
    run(workspace, "lines", "detect")
    code, out, _ = run(workspace, "lines", "safeguarding", "--json")
    assert code == 0
    sites = json.loads(out)
    assert any(site["kind"] == "candidate_cuckooed_address" for site in sites)
    code, out, _ = run(workspace, "lines", "safeguarding")
    assert code == 0 and "not for enforcement" in out


def test_quantum_json_and_a_bad_range(workspace: Path) -> None:
    run(workspace, "lines", "detect")
    line_id = json.loads(run(workspace, "lines", "list", "--json")[1])[0]["line_id"]
    code, out, _ = run(workspace, "lines", "quantum", line_id, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["crown_g"]["central"] > result["defence_g"]["central"] > 0
    code, _, err = run(workspace, "lines", "quantum", line_id, "--deals", "3,2,1")
    assert code == 2 and "LOW <= CENTRAL <= HIGH" in err


def test_quantum_with_a_bad_day_is_a_clear_error(workspace: Path) -> None:
    run(workspace, "lines", "detect")
    line_id = json.loads(run(workspace, "lines", "list", "--json")[1])[0]["line_id"]
    code, _, err = run(workspace, "lines", "quantum", line_id, "--from", "2025-13-01")
    assert code == 2 and "is not a day (YYYY-MM-DD)" in err


def test_detect_lists_the_lines_strongest_first_in_whole_sentences(workspace: Path) -> None:
    """The table after `lines detect` came in detection order (0.95 above 1.00) and joined
    its reasons as "contact.; 149 of"."""
    code, out, err = run(workspace, "lines", "detect")
    assert code == 0, err
    _, listed, _ = run(workspace, "lines", "list", "--json")
    ids = [line["line_id"] for line in json.loads(listed)]
    positions = [out.index(line_id) for line_id in ids]
    assert positions == sorted(positions), "lines not strongest first"
    assert ".;" not in out
