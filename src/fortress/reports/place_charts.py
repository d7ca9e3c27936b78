"""Charts of the places results: monthly counts of an area, a campaign against its
comparison areas with the phases marked, and the hot-spot map. They draw the typed results
the places services return and compute nothing of their own."""

from __future__ import annotations

from html import escape

import numpy as np

from fortress.places.evaluate import Evaluation
from fortress.places.hotspot_map import HotSpots
from fortress.places.periods import Period, month_index
from fortress.places.summary import AreaSummary
from fortress.reports.svg import (
    LEGEND_ROW,
    WIDTH,
    legend,
    legend_rows,
    line_chart,
    nice_ticks,
    standalone,
)

HOTSPOT_COLOURS = {
    "persistent": "#8b1e3f",
    "emerging": "#f18f01",
    "fading": "#7b3294",
    "hot": "#d1495b",
    "cold": "#1b6ca8",
}
HOTSPOT_MEANING = {
    "persistent": "persistent hot spot (both periods)",
    "emerging": "emerging hot spot (later period only)",
    "fading": "fading hot spot (earlier period only)",
    "hot": "hot spot",
    "cold": "cold spot",
}
GREYS = ("#e6e6e6", "#cccccc", "#a8a8a8", "#808080", "#595959", "#333333")
OUTLINE = "#333333"


def summary_chart(result: AreaSummary, top: int = 6) -> str:
    """An SVG file: all crime per month, and the ``top`` crime types per month (types with
    no crime are left out; a tie at the cut is named in the title); months missing from the
    data are gaps, not joined across."""
    months = Period(result.months[0], result.months[-1]).months() if result.months else []
    counts = result.grid()
    held = set(result.months)
    totals = result.month_totals()
    everything = {"all crime": [float(totals[m]) if m in held else None for m in months]}
    recorded = sorted((t for t, n in result.totals.items() if n), key=lambda t: -result.totals[t])
    leading = recorded[:top]
    tied = [t for t in recorded[top:] if leading and result.totals[t] == result.totals[leading[-1]]]
    by_type: dict[str, list[float | None]] = {
        t: [float(counts[(m, t)]) if m in held else None for m in months] for t in leading
    }
    name = result.area.name
    labels = [m[2:] for m in months]
    second = f"The {len(leading)} most common crime types, {name}"
    if tied:
        second += f" ({', '.join(tied)} tied with {leading[-1]} and not drawn)"
    if not leading:
        second = f"No street-level crime recorded in {name}"
    return standalone(
        [
            line_chart(f"All street-level crime per month, {name}", labels, everything,
                       y_title="crimes per month"),
            line_chart(second, labels, by_type, y_title="crimes per month"),
        ]
    )  # fmt: skip


def campaign_chart(evaluation: Evaluation) -> str:
    """All crime per month in the campaign area and each comparison area over the evaluated
    months, each as an index (its mean month before = 100, so areas of any size share the
    axis), with the start of the after period and of each saved phase marked."""
    series = evaluation.series
    months = list(series[0].months) if series else []
    lines = {
        (s.name if s.role == "campaign" else f"{s.name} (comparison)"): list(s.index)
        for s in series
    }
    starts: dict[str, list[str]] = {}
    starts.setdefault(evaluation.after.first, []).append("after period")
    for phase, span in evaluation.phases.items():
        starts.setdefault(span.first, []).append(phase)
    markers = []
    for month, names in sorted(starts.items()):
        if months and months[0] < month <= months[-1]:
            position = month_index(month) - month_index(months[0]) - 0.5
            markers.append((position, f"{' and '.join(names)} start {month}"))
    title = (
        f"All crime per month, {evaluation.area.name} and its comparison areas, "
        f"{evaluation.before} and {evaluation.after} (index: each area's mean month before = 100)"
    )
    return line_chart(title, [m[2:] for m in months], lines, markers=markers,
                      y_title="index, mean month before = 100")  # fmt: skip


def hotspot_svg(result: HotSpots) -> str:
    """A map of the grid cells with crimes (greys by count, each shade in the legend) and the
    significant ones (coloured by class, or by change when there are two periods), for the
    last period, with the area's outline; every colour drawn is in the legend."""
    cells = result.cells
    periods = [p.period for p in result.periods]
    west = min(c.west for c in cells)
    east = max(c.east for c in cells)
    south = min(c.south for c in cells)
    north = max(c.north for c in cells)
    k = float(np.cos(np.radians((south + north) / 2)))
    width, height, top = WIDTH, 680, 70
    scale = min((width - 40) / ((east - west) * k), (height - top - 20) / (north - south))

    def x(lon: float) -> float:
        return 20 + (lon - west) * k * scale

    def y(lat: float) -> float:
        return top + (north - lat) * scale

    last = periods[-1]
    busiest = max((c.periods[last].crimes for c in cells if last in c.periods), default=1) or 1
    edges = nice_ticks(busiest, whole=True)
    shades = GREYS[-(len(edges) - 1) :] if len(edges) - 1 <= len(GREYS) else GREYS

    def shade(count: int) -> str:
        for i in range(1, len(edges)):
            if count <= edges[i]:
                return shades[min(i - 1, len(shades) - 1)]
        return shades[-1]

    body: list[str] = []
    used_kinds: list[str] = []
    for c in cells:
        figures = c.periods.get(last)
        kind = c.change or (figures.kind if figures else "")
        crimes = figures.crimes if figures else 0
        if not kind and not crimes:
            continue  # a cell significant only in the earlier period, now empty and not fading
        if kind:
            fill = HOTSPOT_COLOURS[kind]
            if kind not in used_kinds:
                used_kinds.append(kind)
        else:
            fill = shade(crimes)
        label = f"{crimes} crimes in {last}; Gi* {figures.gi_star if figures else 0}"
        if kind:
            label += f" — {HOTSPOT_MEANING[kind]}"
        body.append(
            f'<rect x="{x(c.west):.1f}" y="{y(c.north):.1f}" '
            f'width="{(c.east - c.west) * k * scale:.1f}" '
            f'height="{(c.north - c.south) * scale:.1f}" fill="{fill}">'
            f"<title>{escape(label)}</title></rect>"
        )
    for ring in result.outline:
        path = " ".join(f"{x(lon):.1f},{y(lat):.1f}" for lon, lat in ring)
        body.append(f'<polygon points="{path}" fill="none" stroke="{OUTLINE}" stroke-width="1"/>')
    expected = ["persistent", "emerging", "fading"] if len(periods) == 2 else ["hot", "cold"]
    kinds = expected + [kind for kind in used_kinds if kind not in expected]
    first_row = [(HOTSPOT_MEANING[kind], HOTSPOT_COLOURS[kind], "box") for kind in kinds]
    if result.outline:
        first_row.append(("area boundary", OUTLINE, "line"))
    second_row = []
    for i in range(1, len(edges)):
        colour = shades[min(i - 1, len(shades) - 1)]
        low, high = int(edges[i - 1]) + 1, int(edges[i])
        span = f"{low:,}" if low == high else f"{low:,}-{high:,}"
        second_row.append((f"{span} crimes", colour, "box"))
    right = width - 20
    shades_y = 22 + LEGEND_ROW * legend_rows(first_row, right, left=20)
    title = (
        f"Hot spots of {result.crime_type} crime, {result.area}, "
        f"{' vs '.join(periods)} ({result.cell_m:g} m cells; shading and classes for {last})"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart"><title>{escape(title)}</title>'
        f'<text x="20" y="14" font-size="13" font-family="sans-serif">{escape(title)}</text>'
        f'<g font-family="sans-serif" font-size="11">{legend(first_row, right, y=22, left=20)}'
        f"{legend(second_row, right, y=shades_y, left=20)}</g>{''.join(body)}</svg>"
    )
