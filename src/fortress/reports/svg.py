"""Small inline-SVG charts (no JavaScript, no fonts or files fetched): timelines, daily
bars, lines over months or phases, and a map of points. Every chart has a title and a text
alternative; the page shows the same figures in a table beside it.

Conventions every chart keeps (``tests/reports/test_chart_legends.py`` checks them): each
colour that marks data has an entry in the chart's legend (``<g class="legend">``), and each
axis has at least three tick labels (``<text data-axis="x|y">``) at round values
(``nice_ticks``)."""

from __future__ import annotations

import itertools
import math
from datetime import date, datetime
from html import escape
from typing import Any

WIDTH = 860
PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8c564b")
MARKER = "#555555"
"""Vertical event lines (a campaign phase starting)."""
POTENTIAL, CONFIRMED, BASE = "#b9d3e8", "#1b6ca8", "#d1495b"
CUSTOMER, SITE = "#1b6ca8", "#d1495b"


def nice_ticks(
    high: float, low: float = 0.0, *, count: int = 4, whole: bool = False
) -> list[float]:
    """Tick values from ``low`` (rounded down) to at least ``high`` in steps of 1, 2, 2.5 or 5
    times a power of ten, about ``count`` intervals and never fewer than two (so at least
    three ticks): 0 to 700 gives 0, 250, 500, 750. ``whole``: steps of at least 1."""
    if not high > low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    if whole:
        step = max(1.0, float(math.ceil(step)))
    start = math.floor(low / step + 1e-9) * step
    ticks = [start]
    while ticks[-1] < high - 1e-9 * step or len(ticks) < 3:
        ticks.append(round(start + len(ticks) * step, 10))
    return ticks


def tick_text(value: float) -> str:
    """A tick value as written on an axis: ``1,250``, ``2.5``."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _y_axis(ticks: list[float], left: int, right: int, y_of: Any) -> list[str]:
    parts = []
    for value in ticks:
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" class="grid" '
            'stroke="#dddddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis" '
            f'data-axis="y">{tick_text(value)}</text>'
        )
    return parts


LegendEntry = tuple[str, str, str]
LEGEND_ROW = 16
"""Pixels from one legend row to the next."""


def _legend_rows(
    entries: list[LegendEntry], right: int, left: int
) -> list[list[tuple[LegendEntry, int]]]:
    """Entries with their x, laid out leftwards from ``right`` and wrapped onto another row
    before one would start left of ``left`` (the first entry stays first on the top row)."""
    rows: list[list[tuple[LegendEntry, int]]] = [[]]
    x = right
    for entry in reversed(entries):
        step = 22 + 7 * len(entry[0])
        if x - step < left and rows[-1]:
            rows.append([])
            x = right
        x -= step
        rows[-1].append((entry, x))
    return rows[::-1]


def legend_rows(entries: list[LegendEntry], right: int, *, left: int = 0) -> int:
    """How many rows ``legend`` takes for ``entries`` between ``left`` and ``right``."""
    return len(_legend_rows(entries, right, left))


def legend(entries: list[LegendEntry], right: int, *, y: int = 6, left: int = 0) -> str:
    """A legend laid out leftwards from ``right``, wrapping onto rows below ``y`` rather
    than running past ``left``: (name, colour, shape) with shape ``box`` (a filled square),
    ``line`` (a stroke) or ``dash`` (a dashed stroke)."""
    parts = []
    for row, placed in enumerate(_legend_rows(entries, right, left)):
        top = y + row * LEGEND_ROW
        for (name, colour, shape), x in placed:
            if shape == "box":
                swatch = f'<rect x="{x}" y="{top}" width="10" height="10" fill="{colour}"/>'
            else:
                dash = ' stroke-dasharray="4 3"' if shape == "dash" else ""
                swatch = (
                    f'<line x1="{x - 4}" y1="{top + 5}" x2="{x + 10}" y2="{top + 5}" '
                    f'stroke="{colour}" stroke-width="2"{dash}/>'
                )
            parts.append(
                f'{swatch}<text x="{x + 14}" y="{top + 9}" class="axis">{escape(name)}</text>'
            )
    return f'<g class="legend">{"".join(parts)}</g>'


def _svg(height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _x(when: date, first: date, last: date, left: int, right: int) -> float:
    span = max((last - first).days, 1)
    return left + (right - left) * (when - first).days / span


def timeline(title: str, rows: list[dict[str, Any]], first: date, last: date) -> str:
    """Horizontal bars: ``{label, start: date, end: date, group}``; rows sharing a label
    share a line, and colours (with a legend) follow the group."""
    left, right, top, step = 190, WIDTH - 20, 30, 24
    labels = list(dict.fromkeys(row["label"] for row in rows))
    height = top + step * len(labels) + 30
    groups = sorted({row["group"] for row in rows})
    body = [_axis_dates(first, last, left, right, height - 12), _legend(groups, right)]
    for label in labels:
        y = top + labels.index(label) * step
        body.append(
            f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" class="label">'
            f"{escape(label)}</text>"
        )
    for row in rows:
        y = top + labels.index(row["label"]) * step
        x0 = _x(row["start"], first, last, left, right)
        x1 = max(_x(row["end"], first, last, left, right), x0 + 3)
        colour = PALETTE[groups.index(row["group"]) % len(PALETTE)]
        body.append(
            f'<rect x="{x0:.1f}" y="{y + 3}" width="{x1 - x0:.1f}" height="{step - 8}" '
            f'fill="{colour}"><title>{escape(row["label"])} ({escape(row["group"])}): '
            f"{row['start']} to {row['end']}</title></rect>"
        )
    return _svg(height, title, body)


def _legend(groups: list[str], right: int) -> str:
    return legend([(g, PALETTE[k % len(PALETTE)], "box") for k, g in enumerate(groups)], right)


def _axis_dates(first: date, last: date, left: int, right: int, y: int) -> str:
    """First, last and evenly spaced days between: at least three ticks (a span under two
    days is widened to three for the axis)."""
    days = max((last - first).days, 2)
    count = min(5, days + 1)
    ticks = [
        date.fromordinal(first.toordinal() + round(k * days / (count - 1))) for k in range(count)
    ]
    end = date.fromordinal(first.toordinal() + days)
    parts = []
    for k, tick in enumerate(ticks):
        x = _x(tick, first, end, left, right)
        anchor = "start" if k == 0 else "end" if k == len(ticks) - 1 else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" class="axis" data-axis="x">'
            f"{tick}</text>"
        )
    return "".join(parts)


def daily_bars(title: str, days: list[dict[str, Any]]) -> str:
    """Potential (light) and confirmed (dark) transactions per day, base as a line."""
    left, right, top, bottom = 50, WIDTH - 20, 24, 200
    if not days:
        return _svg(60, title, ['<text x="10" y="30">No activity.</text>'])
    peak = max(max(d["base"], d["potential"], 1) for d in days)
    ticks = nice_ticks(peak, whole=True)
    width = (right - left) / len(days)
    scale = (bottom - top) / ticks[-1]
    body = [
        legend(
            [
                ("potential", POTENTIAL, "box"),
                ("confirmed", CONFIRMED, "box"),
                ("base", BASE, "line"),
            ],
            right,
        ),
        *_y_axis(ticks, left, right, lambda v: bottom - v * scale),
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="rule"/>',
    ]
    points = []
    for k, d in enumerate(days):
        x = left + k * width
        for key, colour in (("potential", POTENTIAL), ("confirmed", CONFIRMED)):
            h = d[key] * scale
            body.append(
                f'<rect x="{x + 1:.1f}" y="{bottom - h:.1f}" width="{max(width - 2, 1):.1f}" '
                f'height="{h:.1f}" class="{key}" fill="{colour}"><title>{d["day"]}: {d[key]} '
                f"{key}</title></rect>"
            )
        points.append(f"{x + width / 2:.1f},{bottom - d['base'] * scale:.1f}")
    body.append(f'<polyline points="{" ".join(points)}" class="base" fill="none" stroke="{BASE}"/>')
    count = min(len(days), 5)
    for k in range(count):
        i = round(k * (len(days) - 1) / max(count - 1, 1))
        x = left + i * width + width / 2
        anchor = "start" if k == 0 else "end" if k == count - 1 else "middle"
        body.append(
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="{anchor}" class="axis" '
            f'data-axis="x">{days[i]["day"]}</text>'
        )
    return _svg(bottom + 26, title, body)


HEAT = ("#eef3f8", "#b9d3e8", "#6fa3cc", "#1b6ca8", "#0b3c61")
"""The hour matrix's shades: no event, then four bands, lightest to darkest."""
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hour_matrix(title: str, counts: list[list[int]]) -> str:
    """Seven rows (Monday first) of 24 hourly cells shaded by count: no event, then four
    equal bands up to a round number at or above the busiest hour (the legend gives each
    band's range)."""
    left, top, cell, gap = 60, 40, (WIDTH - 80) / 24, 2
    peak = max((max(row) for row in counts), default=0)
    edges = nice_ticks(peak, count=4, whole=True)[:5]
    bands = list(itertools.pairwise(edges))
    entries = [("no event", HEAT[0], "box")] + [
        (_band(low + 1, high), HEAT[k + 1], "box") for k, (low, high) in enumerate(bands)
    ]
    body = [legend(entries, WIDTH - 20)]
    for day, row in enumerate(counts):
        y = top + day * 22
        body.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" class="label">'
                    f"{DAY_NAMES[day]}</text>")  # fmt: skip
        for hour, n in enumerate(row):
            band = next((k + 1 for k, (_, high) in enumerate(bands) if n <= high), len(bands))
            body.append(
                f'<rect x="{left + hour * cell:.1f}" y="{y}" width="{cell - gap:.1f}" '
                f'height="20" fill="{HEAT[band if n else 0]}"><title>{DAY_NAMES[day]} '
                f"{hour:02d}:00 to {hour:02d}:59: {n:,} events</title></rect>"
            )
    bottom = top + 7 * 22
    for hour in range(0, 24, 3):
        body.append(f'<text x="{left + hour * cell:.1f}" y="{bottom + 14}" class="axis" '
                    f'data-axis="x">{hour:02d}:00</text>')  # fmt: skip
    return _svg(bottom + 22, title, body)


MADE, RECEIVED = "#1b6ca8", "#d1495b"


def contact_timeline(title: str, number: str, rows: list[dict[str, Any]]) -> str:
    """One theme line per other number (as i2's timeline charts draw them): a tick above
    the line for each event ``number`` made to it, below for each it received. ``rows``:
    ``{other, made_utc: [ISO], received_utc: [ISO], events}``."""
    times = [datetime.fromisoformat(t) for r in rows for t in r["made_utc"] + r["received_utc"]]
    if not times:
        return _svg(60, title, ['<text x="10" y="30">No contact with the chosen numbers.</text>'])
    left, right, top, step = 190, WIDTH - 20, 36, 34
    first = min(times).date()
    end = date.fromordinal(first.toordinal() + max((max(times).date() - first).days + 1, 2))
    start = datetime.combine(first, datetime.min.time())
    width = (datetime.combine(end, datetime.min.time()) - start).total_seconds()

    def x_of(text: str) -> float:
        seconds = (datetime.fromisoformat(text) - start).total_seconds()
        return left + (right - left) * seconds / width

    body = [legend([(f"made by {number}", MADE, "line"), (f"received by {number}", RECEIVED,
                                                           "line")], right)]  # fmt: skip
    for k, row in enumerate(rows):
        y = top + k * step + 12
        shown = len(row["made_utc"]) + len(row["received_utc"])
        more = f" (first {shown:,} of {row['events']:,})" if shown < row["events"] else ""
        body.append(
            f'<text x="{left - 8}" y="{y + 4}" text-anchor="end" class="label">'
            f"{escape(row['other'])}{more}</text>"
            f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" class="rule" stroke="#999999"/>'
        )
        for key, colour, dy in (("made_utc", MADE, -9), ("received_utc", RECEIVED, 9)):
            ticks = " ".join(f"M{x_of(t):.1f} {y}v{dy}" for t in row[key])
            if ticks:
                body.append(f'<path d="{ticks}" stroke="{colour}" stroke-width="1" fill="none">'
                            f"<title>{escape(row['other'])}: {len(row[key]):,} "
                            f"{key.split('_')[0]}</title></path>")  # fmt: skip
    height = top + step * len(rows) + 24
    body.append(_axis_dates(first, end, left, right, height - 8))
    return _svg(height, title, body)


def sparkline(title: str, counts: list[int], width: int = 140, height: int = 28) -> str:
    """A word-sized chart of counts per day (Tufte's sparkline): no axes, the height of
    each day relative to the busiest, explained by ``title`` and the text beside it."""
    peak = max(counts, default=0) or 1
    step = (width - 2) / max(len(counts) - 1, 1)
    ys = [height - 2 - (height - 4) * n / peak for n in counts]
    points = " ".join(f"{1 + k * step:.1f},{y:.1f}" for k, y in enumerate(ys))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="spark"><title>{escape(title)}</title>'
        f'<polyline points="{points}" fill="none" stroke="{MADE}" stroke-width="1.2"/></svg>'
    )


def _band(low: float, high: float) -> str:
    return tick_text(high) if low == high else f"{tick_text(low)} to {tick_text(high)}"


def point_map(title: str, customers: list[dict[str, Any]], sites: list[dict[str, Any]]) -> str:
    """Customers per home cell (circles, area by count) and line-phone cells (squares),
    framed on the customers; line-phone cells far outside the frame are named instead."""
    frame = customers or sites
    if not frame:
        return _svg(60, title, ['<text x="10" y="30">No located customers or sites.</text>'])
    lat0 = sum(p["lat"] for p in frame) / len(frame)
    k = math.cos(math.radians(lat0))
    xs = [p["lon"] * k for p in frame]
    ys = [p["lat"] for p in frame]
    size = max(max(xs) - min(xs), max(ys) - min(ys), 0.01) * 1.2
    x_mid, y_mid = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    height, side = 420, 360

    def place(p: dict[str, Any]) -> tuple[float, float]:
        return (
            WIDTH / 2 + (p["lon"] * k - x_mid) / size * side,
            height / 2 - (p["lat"] - y_mid) / size * side,
        )

    inside = [p for p in sites if 0 <= place(p)[0] <= WIDTH and 0 <= place(p)[1] <= height]
    outside = [p for p in sites if p not in inside]
    body = [
        legend([("customers per home cell", CUSTOMER, "box"), ("line-phone cell", SITE, "box")],
               WIDTH - 20),
        *(_circle(place(p), p) for p in customers),
        *(_square(place(p), p) for p in inside),
    ]  # fmt: skip
    for area in sorted({p["area"] for p in customers + inside}):
        members = [place(p) for p in customers + inside if p["area"] == area]
        x = sum(m[0] for m in members) / len(members)
        y = min(m[1] for m in members) - 14
        body.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" class="label">'
            f"{escape(area)}</text>"
        )
    if outside:
        far: dict[str, int] = {}
        for p in outside:
            far[p["area"]] = far.get(p["area"], 0) + int(p["events"])
        names = ", ".join(f"{escape(a)} ({n:,} events)" for a, n in sorted(far.items()))
        body.append(
            f'<text x="10" y="{height - 10}" class="label">Line phone also used outside this '
            f"view: {names}</text>"
        )
    return _svg(height, title, body)


def _circle(at: tuple[float, float], p: dict[str, Any]) -> str:
    r = 3 + 3 * math.sqrt(p["customers"])
    return (
        f'<circle cx="{at[0]:.1f}" cy="{at[1]:.1f}" r="{r:.1f}" class="customer" '
        f'fill="{CUSTOMER}" fill-opacity="0.55"><title>'
        f"{escape(p['cell_id'])} ({escape(p['area'])}): {p['customers']} customers"
        "</title></circle>"
    )


def _square(at: tuple[float, float], p: dict[str, Any]) -> str:
    return (
        f'<rect x="{at[0] - 5:.1f}" y="{at[1] - 5:.1f}" width="10" height="10" class="site" '
        f'fill="{SITE}">'
        f"<title>{escape(p['cell_id'])} ({escape(p['area'])}): line phone, {p['events']} "
        "events</title></rect>"
    )


def as_date(value: str | datetime | date) -> date:
    """A date from an ISO string, datetime or date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def line_chart(
    title: str,
    labels: list[str],
    series: dict[str, list[float | None]],
    *,
    height: int = 260,
    markers: list[tuple[float, str]] | None = None,
    y_title: str | None = None,
) -> str:
    """Lines over ordered categories (months, phases): one per series, broken where a value
    is missing (an actor absent from a phase), with a legend, a y-axis of round ticks from 0
    and, optionally, ``markers``: (position, name) dashed vertical lines at a position
    between categories (1.5 is halfway between the second and third), named in the legend
    (a campaign phase starting)."""
    entries = [(name, PALETTE[k % len(PALETTE)], "line") for k, name in enumerate(series)]
    entries += [(name, MARKER, "dash") for _, name in markers or []]
    left, right, bottom = 60, WIDTH - 20, height - 36
    top = 28 + LEGEND_ROW * (legend_rows(entries, right, left=left) - 1)  # below the legend
    values = [v for points in series.values() for v in points if v is not None]
    ticks = nice_ticks(max(values, default=1.0) or 1.0)
    step = (right - left) / max(len(labels) - 1, 1)

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * v / ticks[-1]

    def at(i: float, v: float) -> tuple[float, float]:
        return left + i * step, y_of(v)

    body = [legend(entries, right, left=left), *_y_axis(ticks, left, right, y_of)]
    if y_title:
        body.append(
            f'<text x="12" y="{(top + bottom) / 2:.1f}" class="axis" '
            f'transform="rotate(-90 12 {(top + bottom) / 2:.1f})" text-anchor="middle">'
            f"{escape(y_title)}</text>"
        )
    every = max(1, math.ceil(len(labels) / 24))
    for i, label in enumerate(labels):
        if i % every and i != len(labels) - 1:
            continue
        body.append(
            f'<text x="{left + i * step:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'class="axis" data-axis="x">{escape(label)}</text>'
        )
    for position, name in markers or []:
        x = left + position * step
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{MARKER}" '
            f'stroke-width="1.5" stroke-dasharray="4 3"><title>{escape(name)}</title></line>'
        )
    for k, (name, points) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(points):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(at(i, v))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                body.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
            for x, y in run:
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(name)}</title></circle>"
                )
    return _svg(height, title, body)


def standalone(charts: list[str], height: int = 260) -> str:
    """Charts of ``height`` stacked in one SVG file with its own styles (for ``--chart``)."""
    body = "".join(
        f'<g transform="translate(0,{i * (height + 20)})">{chart}</g>'
        for i, chart in enumerate(charts)
    )
    total = len(charts) * (height + 20)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{total}">'
        "<style>.axis{font:11px sans-serif;fill:#333}.grid{stroke:#999}</style>"
        f"{body}</svg>"
    )
