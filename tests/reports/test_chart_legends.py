"""Every chart explains itself (issue #14, defect 10): each colour that marks data is in the
chart's legend, each axis has at least three tick labels at round values, and the campaign
chart covers what its table covers (the area and its comparison areas over the evaluated
months) with the campaign's start marked."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.ingest.policeuk import ingest_policeuk
from fortress.reports import svg
from fortress.store.workspace import Workspace
from helpers.policeuk import Crime, write_street

runner = CliRunner()
NS = "{http://www.w3.org/2000/svg}"
CHROME = {"axis", "grid", "rule", "label"}
MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04", "2025-01", "2025-02", "2025-03", "2025-04"]
TOWNS = {"Campaignton": (-1.10, 50.80, 60), "Otherby": (-1.30, 50.90, 45),
         "Thirdford": (-1.50, 50.70, 80), "Fourthwick": (-1.70, 50.60, 70)}  # fmt: skip


def _colours(element: ET.Element) -> set[str]:
    return {
        value.lower()
        for key in ("fill", "stroke")
        if (value := element.get(key)) and value != "none" and not value.startswith("url(")
    }


def _check(chart: str, axes: set[str]) -> None:
    """The chart's data colours are all in its legend; each of ``axes`` has 3+ round ticks."""
    root = ET.fromstring(chart)
    legend: set[str] = set()
    inside: set[int] = set()
    for group in root.iter(f"{NS}g"):
        if "legend" in (group.get("class") or "").split():
            for element in group.iter():
                legend |= _colours(element)
                inside.add(id(element))
    assert legend, "the chart has no legend"
    unexplained = set()
    for element in root.iter():
        tag = element.tag.removeprefix(NS)
        if id(element) in inside or tag in ("svg", "g", "text", "title", "style"):
            continue
        if CHROME & set((element.get("class") or "").split()):
            continue
        unexplained |= _colours(element) - legend
    assert not unexplained, f"colours drawn but not in the legend: {sorted(unexplained)}"
    for axis in axes:
        ticks = [t.text or "" for t in root.iter(f"{NS}text") if t.get("data-axis") == axis]
        assert len(ticks) >= 3, f"the {axis} axis has {len(ticks)} tick labels"
        if axis == "y":
            values = [float(t.replace(",", "")) for t in ticks]
            steps = {round(b - a, 9) for a, b in itertools.pairwise(values)}
            assert len(steps) == 1 and values[0] == 0
            step = steps.pop()
            mantissa = step / 10 ** math.floor(math.log10(step))
            assert round(mantissa, 6) in (1, 2, 2.5, 5), f"y ticks {values} are not round"


def _svgs(text: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", text, flags=re.S)


def test_the_shared_charts_explain_every_colour_and_axis() -> None:
    labels = ["24-01", "24-02", "24-03", "24-04", "24-05"]
    series: dict[str, list[float | None]] = {
        "all": [582, 640, None, 700, 655],
        "asb": [71, 80, 90, None, 60],
    }
    _check(svg.line_chart("lines", labels, series), {"x", "y"})
    marked = svg.line_chart("lines", labels, series, markers=[(2.5, "hold starts 2024-04")])
    _check(marked, {"x", "y"})
    assert "hold starts 2024-04" in marked
    days = [{"day": f"2025-03-{d:02d}", "base": 3, "potential": d % 7, "confirmed": d % 3}
            for d in range(1, 15)]  # fmt: skip
    _check(svg.daily_bars("days", days), {"x", "y"})
    rows = [{"label": "07700 900123", "start": date(2025, 1, 3), "end": date(2025, 2, 9),
             "group": "line number"},
            {"label": "handset 1", "start": date(2025, 1, 20), "end": date(2025, 3, 1),
             "group": "handset"}]  # fmt: skip
    _check(svg.timeline("numbers", rows, date(2025, 1, 1), date(2025, 3, 31)), {"x"})
    hours = [[(day * 24 + hour) % 37 for hour in range(24)] for day in range(7)]
    _check(svg.hour_matrix("hours", hours), {"x"})
    _check(svg.hour_matrix("no events", [[0] * 24 for _ in range(7)]), {"x"})
    contacts = [
        {
            "other": "+447700900002",
            "made_utc": ["2025-01-03T10:00:00"],
            "received_utc": ["2025-01-04T23:59:00", "2025-01-09T01:00:00"],
            "events": 3,
        }
    ]
    _check(svg.contact_timeline("contacts", "+447700900001", contacts), {"x"})
    customers = [{"lat": 50.8, "lon": -1.1, "customers": 4, "cell_id": "c1", "area": "Gosport"}]
    sites = [{"lat": 50.81, "lon": -1.12, "events": 40, "cell_id": "c2", "area": "Gosport"}]
    _check(svg.point_map("map", customers, sites), set())


@pytest.fixture
def towns(workspace: Workspace, tmp_path: Path) -> Workspace:
    """Three towns over eight months, crimes scattered about each with a busy corner."""
    rng = np.random.default_rng(14)
    for month in MONTHS:
        crimes = []
        for k, (town, (lon, lat, level)) in enumerate(TOWNS.items()):
            for n in range(int(rng.poisson(level))):
                corner = n % 4 == 0
                spread = 0.001 if corner else 0.02
                kind = ("Burglary", "Drugs", "Anti-social behaviour")[n % 3]
                at = float(rng.normal(lon, spread)), float(rng.normal(lat, spread))
                crimes.append(Crime(f"E0100000{k}", f"{town} 001A", kind, *at))
        assert ingest_policeuk(workspace, write_street(tmp_path, month, crimes)).ok
    return workspace


def _place(workspace: Workspace, *args: str) -> str:
    done = runner.invoke(app, ["--workspace", str(workspace.root), *args])
    assert done.exit_code == 0, done.stderr
    return done.stdout


def test_the_places_charts_explain_every_colour_and_axis(towns: Workspace, tmp_path: Path) -> None:
    chart = tmp_path / "summary.svg"
    _place(towns, "place", "summary", "--area", "Campaignton", "--chart", str(chart))
    for drawn in _svgs(chart.read_text(encoding="utf-8"))[1:]:  # the file's own wrapper first
        _check(drawn, {"x", "y"})
    for periods in (["2024-01..2024-04"], ["2024-01..2024-04", "2025-01..2025-04"]):
        hot = tmp_path / "hot.svg"
        args = [a for p in periods for a in ("--period", p)]
        _place(towns, "place", "hotspots", "--area", "Campaignton", *args, "--map", str(hot))
        _check(hot.read_text(encoding="utf-8"), set())


def test_the_campaign_chart_covers_what_its_table_covers(towns: Workspace, tmp_path: Path) -> None:
    _place(towns, "place", "area", "save", "Campaign", "--area", "Campaignton",
           "--clear", "2024-12", "--hold", "2025-01..2025-04")  # fmt: skip
    out = tmp_path / "places.html"
    _place(towns, "report", "places", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    section = page[page.index("<h3>Campaign</h3>") :]
    caption = re.search(r"<caption>(.*?)</caption>", section, flags=re.S)
    assert caption is not None
    compared = re.search(r"relative to (.*?) \(matched", caption.group(1))
    assert compared is not None
    charts = _svgs(section[: section.index("<table>")])
    assert charts, "no chart beside the evaluation table"
    campaign = charts[-1]
    _check(campaign, {"x", "y"})
    root = ET.fromstring(campaign)
    named = " ".join(t.text or "" for g in root.iter(f"{NS}g") if g.get("class") == "legend"
                     for t in g.iter(f"{NS}text"))  # fmt: skip
    for area in ["Campaign", *compared.group(1).split(", ")]:
        assert area in named, f"{area} is in the table but not the chart"
    assert "hold" in named and "start" in named  # the campaign's start is marked
    months = [t.text for t in root.iter(f"{NS}text") if t.get("data-axis") == "x"]
    assert months[0] == "24-01" and months[-1] == "25-04"  # the evaluated months, no more


def test_a_long_legend_wraps_instead_of_running_off_the_chart() -> None:
    """The two-period hot-spot map's first legend entry started left of the chart
    ("ot spot (both periods)"): entries wrap onto rows within the bounds."""
    import re

    from fortress.reports.svg import legend, legend_rows

    entries = [(f"a fairly long legend entry number {k}", "#123456", "box") for k in range(6)]
    drawn = legend(entries, 840, y=22, left=20)
    xs = [float(x) for x in re.findall(r'<rect x="(-?[\d.]+)"', drawn)]
    assert len(xs) == 6 and min(xs) >= 20
    assert legend_rows(entries, 840, left=20) == len(
        set(re.findall(r'<rect x="[^"]+" y="(\d+)"', drawn))
    )
    assert drawn.index("number 0") < drawn.index("number 5")  # the order is kept
