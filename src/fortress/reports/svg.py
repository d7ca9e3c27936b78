"""Small inline-SVG charts (no JavaScript, no fonts or files fetched): timelines, daily
bars, and a map of points. Every chart has a title and a text alternative; the page shows
the same figures in a table beside it."""

from __future__ import annotations

import math
from datetime import date, datetime
from html import escape
from typing import Any

WIDTH = 860
PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8c564b")


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
    parts = []
    x = right
    for k in range(len(groups) - 1, -1, -1):
        name = groups[k]
        x -= 14 + 7 * len(name)
        colour = PALETTE[k % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="15" class="axis">{escape(name)}</text>'
        )
    return "".join(parts)


def _axis_dates(first: date, last: date, left: int, right: int, y: int) -> str:
    days = (last - first).days
    ticks = (
        [first, last]
        if days < 2
        else [first, date.fromordinal((first.toordinal() + last.toordinal()) // 2), last]
    )
    parts = []
    for k, tick in enumerate(ticks):
        x = _x(tick, first, last, left, right)
        anchor = "start" if k == 0 else "end" if k == len(ticks) - 1 else "middle"
        parts.append(f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" class="axis">{tick}</text>')
    return "".join(parts)


def daily_bars(title: str, days: list[dict[str, Any]]) -> str:
    """Potential (light) and confirmed (dark) transactions per day, base as a line."""
    left, right, top, bottom = 50, WIDTH - 20, 20, 200
    if not days:
        return _svg(60, title, ['<text x="10" y="30">No activity.</text>'])
    peak = max(max(d["base"], d["potential"], 1) for d in days)
    width = (right - left) / len(days)
    scale = (bottom - top) / peak
    body = [
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="rule"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="axis">{peak}</text>',
        f'<text x="{left - 6}" y="{bottom}" text-anchor="end" class="axis">0</text>',
    ]
    points = []
    for k, d in enumerate(days):
        x = left + k * width
        for key, cls in (("potential", "potential"), ("confirmed", "confirmed")):
            h = d[key] * scale
            body.append(
                f'<rect x="{x + 1:.1f}" y="{bottom - h:.1f}" width="{max(width - 2, 1):.1f}" '
                f'height="{h:.1f}" class="{cls}"><title>{d["day"]}: {d[key]} {key}</title></rect>'
            )
        points.append(f"{x + width / 2:.1f},{bottom - d['base'] * scale:.1f}")
    body.append(f'<polyline points="{" ".join(points)}" class="base"/>')
    body.append(
        f'<text x="{left}" y="{bottom + 18}" class="axis">{days[0]["day"]}</text>'
        f'<text x="{right}" y="{bottom + 18}" text-anchor="end" class="axis">'
        f"{days[-1]['day']}</text>"
    )
    return _svg(bottom + 26, title, body)


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
    body = [_circle(place(p), p) for p in customers] + [_square(place(p), p) for p in inside]
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
        f'<circle cx="{at[0]:.1f}" cy="{at[1]:.1f}" r="{r:.1f}" class="customer"><title>'
        f"{escape(p['cell_id'])} ({escape(p['area'])}): {p['customers']} customers"
        "</title></circle>"
    )


def _square(at: tuple[float, float], p: dict[str, Any]) -> str:
    return (
        f'<rect x="{at[0] - 5:.1f}" y="{at[1] - 5:.1f}" width="10" height="10" class="site">'
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
    title: str, labels: list[str], series: dict[str, list[float | None]], *, height: int = 260
) -> str:
    """Lines over ordered categories (phases): one per series, broken where a value is
    missing (an actor absent from a phase), with a legend and a 0-to-max axis."""
    left, right, top, bottom = 60, WIDTH - 20, 28, height - 36
    values = [v for points in series.values() for v in points if v is not None]
    peak = max(values, default=1.0) or 1.0
    step = (right - left) / max(len(labels) - 1, 1)

    def at(i: int, v: float) -> tuple[float, float]:
        return left + i * step, bottom - (bottom - top) * v / peak

    body = [
        _legend(list(series), right),
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="grid"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="axis">'
        f"{f'{peak:,.0f}' if float(peak).is_integer() else f'{peak:.2f}'}</text>",
        f'<text x="{left - 6}" y="{bottom}" text-anchor="end" class="axis">0</text>',
    ]
    for i, label in enumerate(labels):
        x = left + i * step
        body.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" class="axis">'
            f"{escape(label)}</text>"
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
