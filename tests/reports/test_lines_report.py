"""The line report: self-contained, and rendered by a real browser (Debian's chromium)
with every network request blocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fortress.comms.lines import list_lines, run_detection
from fortress.reports.lines_report import write_lines_report
from helpers.browser import offline_page
from helpers.worlds import World


@pytest.fixture(scope="module")
def report(demo_world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_detection(demo_world.workspace)
    out = tmp_path_factory.mktemp("report") / "lines.html"
    written = write_lines_report(demo_world.workspace, out)
    assert written.lines == len(list_lines(demo_world.workspace)) == 3
    return out


def test_the_page_fetches_nothing(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html and " src=" not in html
    assert html.count("<script>") == 1  # the network chart's own few lines, inline
    addresses = set(re.findall(r"https?://[^\"' )]+", html))
    assert addresses <= {"http://www.w3.org/2000/svg"}  # an XML namespace, never fetched


def test_the_page_renders_in_a_browser_offline(report: Path, tmp_path: Path) -> None:
    with offline_page() as (page, requested):
        page.goto(report.as_uri())
        sections = page.locator("section.line")
        assert sections.count() == 3
        for k in range(3):
            charts = sections.nth(k).locator("svg.chart")
            assert charts.count() >= 3
            box = charts.first.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 50
        assert page.locator("text=For safeguarding visits, not for enforcement").count() >= 1
        _the_network_chart_responds(page)
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert requested == [report.as_uri()]


def _the_network_chart_responds(page) -> None:  # type: ignore[no-untyped-def]
    """Clicking a number highlights its contacts and says who it is; searching finds one."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    chart = page.locator("#network-chart")
    assert chart.locator("circle").count() > 20
    line_number = chart.locator("circle[fill='#d1495b']").first
    line_number.click()
    detail = page.locator("#node-detail").inner_text()
    assert "(line, line-" in detail and "contacts shown" in detail
    assert chart.locator("circle.near").count() > 1
    number = detail.split(" ")[0]
    page.locator("#node-reset").click()
    assert page.locator("#node-detail").inner_text() == ""
    page.locator("#node-search").fill(number)
    page.locator("#node-search").press("Enter")
    assert page.locator("#node-detail").inner_text().startswith(number)
    assert page.locator("#network table").count() == 2
    assert errors == []
