"""Disruption charts and tables (issue #14, 10): a chart covers the same steps as its
table, every line has a legend entry, lines that coincide are said to, and a figure that
no strategy moves is a sentence rather than a flat chart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.network.disrupt import Comparison, StrategyRun
from fortress.network.recovery import Recovery
from fortress.reports.network_charts import damage_figures
from helpers.worlds import World

runner = CliRunner()


def _detected(root: str) -> None:
    if runner.invoke(app, ["--workspace", root, "lines", "list"]).exit_code != 0:
        assert runner.invoke(app, ["--workspace", root, "lines", "detect"]).exit_code == 0


def test_the_lines_reports_reach_chart_is_a_sentence_when_nothing_moves(
    demo_world: World,
) -> None:
    from fortress.reports.network_section import network_section

    _detected(str(demo_world.workspace.root))
    section = network_section(demo_world.workspace)
    assert section is not None
    disruption = section["disruption"]
    steps = [s["steps"] for s in disruption["strategies"]]
    reach = {tuple(step["customer_reach"] for step in run) for run in steps}
    # the table (lines.html) has one row per step of the first strategy: all steps
    assert len(steps[0]) == max(len(run) for run in steps)
    if reach == {(1.0,) * len(s) for s in reach}:  # the demo world: nothing moves
        assert "<polyline" not in section["disruption_svg"]
        assert "every customer" in section["disruption_svg"]


def test_the_disrupt_chart_covers_the_table_and_names_every_line(tmp_path: Path) -> None:
    """A hub with four brokers of three members each: degree and betweenness take the same
    actors, so their lines coincide and the legend says so; a role strategy with two
    actors stops early, its line too."""
    edges = tmp_path / "stars.csv"
    rows = [f"hub,b{i}" for i in range(4)] + [f"b{i},m{i}{j}" for i in range(4) for j in range(3)]
    edges.write_text("source,target\n" + "\n".join(rows) + "\n", encoding="utf-8")
    roles = tmp_path / "roles.csv"
    roles.write_text("node,role\nm00,runner\nm10,runner\n", encoding="utf-8")
    chart = tmp_path / "d.svg"
    result = runner.invoke(
        app,
        ["network", "disrupt", str(edges), "--undirected", "--strategy",
         "degree,betweenness,role:runner", "--remove", "3", "--annotate", str(roles),
         "--chart", str(chart)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    svg = chart.read_text(encoding="utf-8")
    charts = re.split(r"(?=<svg)", svg)[2:]  # the charts inside the file
    assert len(charts) == 2  # largest component and efficiency
    for part in charts:  # the x-axis: the table's rows, 0 to 3 removed
        labels = re.findall(r'data-axis="x">(\d+)</text>', part)
        assert labels == ["0", "1", "2", "3"]
    assert "degree = betweenness" in svg
    assert svg.count("<polyline") == 2 * 2  # two figures, two distinct lines each


def test_the_disruption_table_fits_100_columns_and_says_what_does_not_move(
    demo_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fortress.cli import render

    monkeypatch.setattr(render.console, "width", 100)
    root = str(demo_world.workspace.root)
    _detected(root)
    result = runner.invoke(
        app,
        ["--workspace", root, "network", "disrupt", "comms", "--strategy",
         "role:controller,role:runner,degree,betweenness", "--remove", "5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "customer reach" in result.stdout and "100%" in result.stdout


def _comparison(series: dict[str, list[float]], measure: str = "customer_reach") -> Comparison:
    runs = [
        StrategyRun("n", name, "sequential", 1, 1, Recovery(),
                    [{"removed": k, measure: v} for k, v in enumerate(values)], [])
        for name, values in series.items()
    ]  # fmt: skip
    return Comparison("n", 9, 9, "sequential", 5, "first", "strength", Recovery(),
                      {measure: "what it is"}, runs)  # fmt: skip


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ({"degree": [1.0] * 6, "role:x": [1.0] * 4},
         "All 2 strategies leave every customer connected to a deal-line number at every step "
         "they take (up to 5 removals; role:x stops at 3)."),
        ({"degree": [1.0] * 6}, "The degree strategy leaves every customer connected to a "
         "deal-line number for all 5 removals."),
        ({"degree": [1.0, 1.0]}, "The degree strategy leaves every customer connected to a "
         "deal-line number after the one removal."),
        ({"degree": [1.0], "random": [1.0]}, "All 2 strategies leave every customer connected "
         "to a deal-line number (no one was removed)."),
        ({"degree": [0.5, 0.5]}, "The degree strategy leaves the customer reach at 50.0% "
         "after the one removal."),
        ({"degree": [1.0, 0.5], "betweenness": [1.0, 0.5]}, None),
    ],
)  # fmt: skip
def test_the_flat_sentence_says_what_the_steps_show(
    series: dict[str, list[float]], expected: str | None
) -> None:
    [figure] = damage_figures(_comparison(series))
    assert figure.flat == expected
    if expected is None:  # they move, together: one line named for both
        assert list(figure.lines) == ["degree = betweenness"]
        assert figure.notes == ("degree and betweenness give the same figures at every step: "
                                "one line is drawn for them.",)  # fmt: skip
