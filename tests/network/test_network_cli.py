"""``fortress network measures`` as a user drives it: files, comms data, CSV and errors."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.store.workspace import Workspace
from helpers.worlds import World

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_measures_of_a_matrix_as_json_and_csv(shared_data: Path, tmp_path: Path) -> None:
    matrix = (
        shared_data / "ucinet_covert_networks" / "matrices_mcmacdonald" / "natajaran_cocaine.csv"
    )
    out = tmp_path / "nodes.csv"
    code, stdout, stderr = run("network", "measures", str(matrix), "--json", "--csv", str(out))
    assert code == 0, stderr
    [result] = json.loads(stdout)
    assert result["network"]["nodes"] == 28 and result["network"]["total_weight"] == 151
    kay = next(row for row in result["nodes"] if row["node"] == "Kay")
    assert kay["weighted_out_degree"] == 127
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 28 and {"betweenness", "pagerank", "core"} <= set(rows[0])


def test_views_are_explicit_and_reported(shared_data: Path) -> None:
    matrix = shared_data / "caviar" / "original_mitx_phases" / "phase1.csv"
    code, stdout, _ = run(
        "network", "measures", str(matrix), "--undirected", "--unweighted", "--json"
    )
    assert code == 0
    [result] = json.loads(stdout)
    figures = result["network"]
    assert not figures["directed"] and not figures["weighted"]
    assert any("undirected view" in note for note in figures["notes"])


def test_measures_of_the_workspace_comms(demo_world: World) -> None:
    code, stdout, stderr = run(
        "--workspace", str(demo_world.workspace.root), "network", "measures", "comms", "--json"
    )
    assert code == 0, stderr
    [result] = json.loads(stdout)
    assert result["network"]["name"] == "comms"
    assert result["network"]["nodes"] > 100
    assert all(row["node"].startswith("+44") for row in result["nodes"])


def test_bad_sources_and_options_fail_with_a_message(tmp_path: Path) -> None:
    code, _, stderr = run("network", "measures", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in stderr
    bad = tmp_path / "bad.csv"
    bad.write_text(",a,b\na,0,x\nb,1,0\n", encoding="utf-8")
    code, _, stderr = run("network", "measures", str(bad))
    assert code == 2 and "row 2" in stderr and "'x' is not a number" in stderr
    code, _, stderr = run("network", "measures", str(bad), "--weights", "heavy")
    assert code == 2 and "--weights must be strength or distance" in stderr
    empty = tmp_path / "ws"
    Workspace.open(empty)
    code, _, stderr = run("--workspace", str(empty), "network", "measures", "comms")
    assert code == 2 and "no comms events" in stderr


def test_comms_collapsed_to_people_by_attribution(demo_world: World) -> None:
    root = str(demo_world.workspace.root)
    if runner.invoke(app, ["--workspace", root, "lines", "list"]).exit_code != 0:
        assert runner.invoke(app, ["--workspace", root, "lines", "detect"]).exit_code == 0
    phones = json.loads(run("--workspace", root, "network", "measures", "comms", "--json")[1])
    code, stdout, stderr = run(
        "--workspace", root, "network", "measures", "comms", "--people", "--json"
    )
    assert code == 0, stderr
    [people] = json.loads(stdout)
    merged = [row["node"] for row in people["nodes"] if row["node"].startswith("person:")]
    assert merged, "the demo world's line phones are attributed to their holders"
    assert people["network"]["nodes"] < phones[0]["network"]["nodes"]
    assert any("people view" in note for note in people["network"]["notes"])


def _detected(root: str) -> None:
    if runner.invoke(app, ["--workspace", root, "lines", "list"]).exit_code != 0:
        assert runner.invoke(app, ["--workspace", root, "lines", "detect"]).exit_code == 0


def test_comms_networks_carry_the_roles_of_the_latest_detection(demo_world: World) -> None:
    """Issue #14, 2: `--group role` and the phases' role column read the roles that
    `lines detect` found, as `disrupt --strategy role:runner` does."""
    root = str(demo_world.workspace.root)
    _detected(root)
    code, stdout, stderr = run(
        "--workspace", root, "network", "measures", "comms", "--group", "role", "--json"
    )
    assert code == 0, stderr
    [result] = json.loads(stdout)
    brokers = [row for row in result["nodes"] if row["brokerage"]["total"] > 0]
    assert brokers and any(row["brokerage"]["liaison"] for row in brokers)
    code, stdout, stderr = run(
        "--workspace", root, "network", "phases", "comms", "--window-days", "7", "--json"
    )
    assert code == 0, stderr
    roles = {a["annotations"].get("role") for a in json.loads(stdout)["actors"]}
    assert {"line", "runner", "controller", "customer"} <= roles
    code, stdout, _ = run("--workspace", root, "network", "phases", "comms", "--window-days", "7")
    assert code == 0 and re.search(r"│ (line|runner|controller|customer) +│", stdout)


def test_the_measures_table_is_whole_and_explained_in_100_columns(
    demo_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #14, 13: closeness within [0, 1] as its definition says; an eigenvector that
    is not defined is explained, not a silent dash in every row; numbers in full."""
    from fortress.cli import render

    monkeypatch.setattr(render.console, "width", 100)
    root = str(demo_world.workspace.root)
    _detected(root)
    code, stdout, stderr = run("--workspace", root, "network", "measures", "comms", "--json")
    assert code == 0, stderr
    [result] = json.loads(stdout)
    closeness = [row["closeness"] for row in result["nodes"]]
    assert all(0.0 <= value <= 1.0 for value in closeness) and max(closeness) > 0.1
    assert all(row["eigenvector"] is None for row in result["nodes"])  # directed, see below
    code, stdout, stderr = run(
        "--workspace", root, "network", "measures", "comms", "--group", "role"
    )
    assert code == 0, stderr
    assert "…" not in stdout
    assert max(len(line) for line in stdout.splitlines()) <= 100
    assert re.search(r"\+44\d{10}", stdout)
    assert "eigenvector" in stdout and "strongly connected" in stdout
    # what the explanation offers holds: the undirected view has an eigenvector
    code, stdout, _ = run(
        "--workspace", root, "network", "measures", "comms", "--undirected", "--json"
    )
    [undirected] = json.loads(stdout)
    assert all(row["eigenvector"] is not None for row in undirected["nodes"])
