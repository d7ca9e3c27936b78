"""``fortress network measures`` as a user drives it: files, comms data, CSV and errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from fortress.cli.main import app
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
