"""The network report for networks from files: CAVIAR's eleven phases through the CLI,
self-contained, and working in a real browser (Debian's chromium) with every network
request blocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from helpers.browser import offline_page


@pytest.fixture(scope="module")
def report(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    phases = [
        str(shared_data / "caviar" / "original_mitx_phases" / f"phase{k}.csv") for k in range(1, 12)
    ]
    out = tmp_path_factory.mktemp("report") / "caviar.html"
    result = CliRunner().invoke(app, ["report", "network", *phases, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "11 network(s)" in result.output
    return out


def test_the_page_holds_every_part_and_fetches_nothing(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html and " src=" not in html
    assert set(re.findall(r"https?://[^\"' )]+", html)) <= {"http://www.w3.org/2000/svg"}
    for part in ('id="network-chart"', 'id="phases"', 'id="disruption"', "Across the phases"):
        assert part in html
    assert html.count("<td>phase") == 11  # one row per phase
    assert "<title>Who is connected to whom in phase11</title>" in html
    assert "deal line" not in html.lower()  # nothing of the lines report leaks in


def test_the_page_works_in_a_browser_offline(report: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    with offline_page() as (page, requested):
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report.as_uri())
        chart = page.locator("#network-chart")
        assert chart.locator("circle").count() == 41  # every actor of phase 11
        chart.locator("circle").first.click()
        assert "contacts shown" in page.locator("#node-detail").inner_text()
        page.locator("#node-search").fill("1")  # Daniel Serero, n1 in the literature
        page.locator("#node-search").press("Enter")
        assert page.locator("#node-detail").inner_text().startswith("1 (community")
        assert page.locator("#phases > svg").count() == 1
        header = page.locator("#disruption table tr").first.inner_text()
        assert all(s in header for s in ("degree", "betweenness", "random"))
        page.screenshot(path=str(tmp_path / "network.png"), full_page=True)
    assert requested == [report.as_uri()]
    assert errors == []


def test_files_in_shell_order_make_the_last_phase_the_last(
    shared_data: Path, tmp_path: Path
) -> None:
    """Issue #14, 3: given phase1 phase10 phase11 phase2 ... the page is about phase 11,
    the last of 11, and the phases table runs 1 to 11."""
    folder = shared_data / "caviar" / "original_mitx_phases"
    shell_order = sorted(str(path) for path in folder.glob("phase*.csv"))
    out = tmp_path / "caviar.html"
    result = CliRunner().invoke(app, ["report", "network", *shell_order, "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<title>Who is connected to whom in phase11</title>" in html
    rows = re.findall(r"<tr><td>(phase\d+)</td>", html)
    assert rows == [f"phase{k}" for k in range(1, 12)]
