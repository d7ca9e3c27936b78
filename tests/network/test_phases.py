"""``fortress network phases`` on CAVIAR: the published reading (Serero, n1, central early;
the network decentralises as seizures mount; Perlini, n3, and Morales, n12, gain position
late) is visible in the output, with the police role list and the seizure table (from the
data's PROVENANCE.md, Morselli 2009) loaded as annotations."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fortress.cli.main import app
from helpers.worlds import World

runner = CliRunner()

ROLES = {
    "n1": "mastermind",
    "n3": "principal lieutenant",
    "n12": "principal organiser of the cocaine import",
    "n85": "accountant",
    "n88": "trusted man of W. Lee; informer",
    "n96": "transport manager; informer",
}
SEIZURES = {"4": (1, 2_500_000), "6": (3, 1_300_000), "7": (1, 3_500_000), "8": (1, 360_000),
            "9": (2, 4_300_000), "10": (1, 18_700_000), "11": (2, 1_300_000)}  # fmt: skip


def annotation_files(folder: Path) -> tuple[Path, Path]:
    roles, seizures = folder / "roles.csv", folder / "seizures.csv"
    roles.write_text(
        "node,role\n" + "".join(f'{n},"{r}"\n' for n, r in ROLES.items()), encoding="utf-8"
    )
    seizures.write_text(
        "phase,seizures,value_usd\n"
        + "".join(f"{p},{count},{value}\n" for p, (count, value) in SEIZURES.items()),
        encoding="utf-8",
    )
    return roles, seizures


def test_caviar_decentralises_as_seizures_mount(shared_data: Path, tmp_path: Path) -> None:
    edges = shared_data / "caviar" / "derived" / "caviar_phases_directed_edgelist.csv"
    roles, seizures = annotation_files(tmp_path)
    chart = tmp_path / "phases.svg"
    result = runner.invoke(
        app,
        ["network", "phases", str(edges), "--annotate", str(roles), "--phase-notes",
         str(seizures), "--chart", str(chart), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    phases = out["phases"]
    assert [p["phase"] for p in phases] == [str(k) for k in range(1, 12)]
    assert [p["nodes"] for p in phases] == [15, 24, 33, 33, 32, 27, 36, 42, 34, 42, 41]
    assert phases[3]["annotations"] == {"seizures": "1", "value_usd": "2500000"}
    assert phases[0]["annotations"] == {}
    actors = {a["node"]: a for a in out["actors"]}
    assert actors["n1"]["annotations"] == {"role": "mastermind"}
    assert out["actors"][0]["node"] == "n1"
    # Serero is the most central actor through the early phases, then loses first place.
    assert actors["n1"]["betweenness_rank"][:8] == [1] * 8
    assert actors["n1"]["betweenness_rank"][8] > 1
    # Decentralisation: degree centralisation in the last three phases (six seizures)
    # is well below the first three (none).
    early = sum(p["degree_centralisation"] for p in phases[:3]) / 3
    late = sum(p["degree_centralisation"] for p in phases[-3:]) / 3
    assert late < early / 2
    # Perlini and Morales gain position late.
    assert actors["n3"]["betweenness_rank"][8] == 1
    assert actors["n12"]["betweenness_rank"][10] == 1
    assert actors["n12"]["betweenness_rank"][0] is None  # absent, not zero
    assert (
        actors["n12"]["mean_betweenness_absent_as_zero"]
        < (actors["n12"]["mean_betweenness_when_present"])
    )
    svg = chart.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Centralisation per phase" in svg and "n1" in svg


def test_phases_of_comms_windows(demo_world: World) -> None:
    result = runner.invoke(
        app,
        ["--workspace", str(demo_world.workspace.root), "network", "phases", "comms",
         "--window-days", "7", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert len(out["phases"]) == 4  # the demo world spans four weeks
    assert out["phases"][0]["phase"].startswith("2025-01-06..")


def test_bad_annotations_and_too_few_phases_fail_clearly(shared_data: Path, tmp_path: Path) -> None:
    edges = shared_data / "caviar" / "derived" / "caviar_phases_directed_edgelist.csv"
    bad = tmp_path / "roles.csv"
    bad.write_text("actor,role\nn1,boss\n", encoding="utf-8")
    result = runner.invoke(app, ["network", "phases", str(edges), "--annotate", str(bad)])
    assert result.exit_code == 2 and "needs a header row with a 'node' column" in result.stderr
    one = shared_data / "caviar" / "original_mitx_phases" / "phase1.csv"
    result = runner.invoke(app, ["network", "phases", str(one)])
    assert result.exit_code == 2 and "at least two networks" in result.stderr


def test_phase_files_in_shell_order_are_taken_in_natural_order(shared_data: Path) -> None:
    """Issue #14, 3: `phase*.csv` expands to phase1 phase10 phase11 phase2 ...; the phases
    are ordered by the numbers in their names, and the order used is printed."""
    folder = shared_data / "caviar" / "original_mitx_phases"
    shell_order = sorted(str(path) for path in folder.glob("phase*.csv"))
    assert Path(shell_order[1]).stem == "phase10"
    result = runner.invoke(app, ["network", "phases", *shell_order, "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert [p["phase"] for p in out["phases"]] == [f"phase{k}" for k in range(1, 12)]
    assert [p["nodes"] for p in out["phases"]] == [15, 24, 33, 33, 32, 27, 36, 42, 34, 42, 41]
    assert "phase1, phase2, phase3" in result.stderr and "phase10, phase11" in result.stderr
    assert "warning" not in result.stderr.lower()


def test_names_that_do_not_say_an_order_are_warned_about(tmp_path: Path) -> None:
    for name, edges in (("late", "a,b\nb,c\n"), ("early", "a,b\n"), ("middle", "a,c\n")):
        (tmp_path / f"{name}.csv").write_text("source,target\n" + edges, encoding="utf-8")
    files = [str(tmp_path / f"{name}.csv") for name in ("late", "early", "middle")]
    result = runner.invoke(app, ["network", "phases", *files, "--json"])
    assert result.exit_code == 0, result.stderr
    assert "warning" in result.stderr.lower() and "--order" in result.stderr
    ordered = runner.invoke(
        app, ["network", "phases", *files, "--order", "early,middle,late", "--json"]
    )
    assert ordered.exit_code == 0, ordered.stderr
    phases = [p["phase"] for p in json.loads(ordered.stdout)["phases"]]
    assert phases == ["early", "middle", "late"]
    assert "warning" not in ordered.stderr.lower()
    wrong = runner.invoke(app, ["network", "phases", *files, "--order", "early,late"])
    assert wrong.exit_code == 2 and "middle" in wrong.stderr
