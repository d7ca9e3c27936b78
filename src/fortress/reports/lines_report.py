"""``fortress report lines``: one self-contained HTML page for every line in the workspace.

Everything is inline (CSS, SVG and the network chart's few lines of script; no script,
font, image or stylesheet is fetched), so the page opens on an air-gapped machine and can
be attached to a case file as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from fortress.comms.lines import (
    latest_run,
    line_activity,
    line_map,
    line_quantum,
    line_week_hours,
    list_lines,
    safeguarding,
    show_line,
)
from fortress.model.lines import (
    DayActivity,
    LineDetail,
    LineMap,
    LineQuantum,
    Safeguarding,
    WeekHours,
    WrittenReport,
)
from fortress.reports import svg
from fortress.reports.network_section import ROLE_COLOURS, network_section
from fortress.reports.pages import environment
from fortress.reports.places_section import places_section
from fortress.store.workspace import Workspace, now_utc, write_atomically


def render_lines_report(workspace: Workspace) -> str:
    """The whole page as HTML text."""
    run = latest_run(workspace)
    sites = safeguarding(workspace)
    lines = [
        line_section(workspace, item.line_id, sites)
        for item in list_lines(workspace)
        if item.line_id is not None
    ]
    template = environment().get_template("lines.html")
    network = network_section(workspace)
    if network is not None:
        for key in ("chart", "disruption_svg"):
            network[key] = Markup(network[key])
    return template.render(
        places=places_section(workspace),
        network=network,
        roles=ROLE_COLOURS,
        generated=now_utc().strftime("%Y-%m-%d %H:%M UTC"),
        workspace=str(workspace.root),
        run=run,
        lines=lines,
        sites=sites,
    )


def write_lines_report(workspace: Workspace, out: Path) -> WrittenReport:
    """Write the page to ``out`` (atomically) and say what it holds."""
    html = render_lines_report(workspace)
    write_atomically(out, html)
    return WrittenReport(
        file=str(out), bytes=len(html.encode("utf-8")), lines=html.count('class="line"')
    )


@dataclass(frozen=True, slots=True)
class LineSection:
    """What the page shows of one line: the services' results and the charts drawn
    from them (the template reads ``section.line`` and the rest by attribute)."""

    line: LineDetail
    days: list[DayActivity]
    quantum: LineQuantum | None
    map: LineMap
    hours: WeekHours
    sites_for_line: list[Safeguarding]
    timeline_svg: Markup
    activity_svg: Markup
    hours_svg: Markup
    map_svg: Markup
    movements_svg: Markup | None


def line_section(workspace: Workspace, line_id: str, sites: list[Safeguarding]) -> LineSection:
    """One line's results and charts; ``sites``: the latest run's safeguarding list."""
    shown = show_line(workspace, line_id)
    activity = line_activity(workspace, line_id)
    days = activity.days
    quantum = line_quantum(workspace, line_id, activity=activity) if days else None
    points = line_map(workspace, line_id)
    hours = line_week_hours(workspace, line_id)
    first, last = svg.as_date(shown.first_seen_utc), svg.as_date(shown.last_seen_utc)
    return LineSection(
        line=shown,
        days=days,
        quantum=quantum,
        map=points,
        hours=hours,
        sites_for_line=[s for s in sites if s.line_id == line_id],
        timeline_svg=Markup(
            svg.timeline(f"Numbers and handsets of {line_id}", _timeline(shown), first, last)
        ),
        activity_svg=Markup(
            svg.daily_bars(f"Daily activity of {line_id}", [d.model_dump() for d in days])
        ),
        hours_svg=Markup(
            svg.hour_matrix(f"Events by weekday and hour (local time), {line_id}", hours.counts)
        ),
        map_svg=Markup(
            svg.point_map(
                f"Customers by home cell, {line_id}",
                [p.model_dump() for p in points.customers],
                [p.model_dump() for p in points.line_sites],
            )
        ),
        movements_svg=Markup(
            svg.timeline(f"Runners' nights by area, {line_id}", _movements(shown), first, last)
        )
        if shown.runner_movements
        else None,
    )


def _timeline(shown: LineDetail) -> list[dict[str, Any]]:
    rows = [
        {
            "label": f"number {n.number}",
            "start": svg.as_date(n.first_seen_utc),
            "end": svg.as_date(n.last_seen_utc),
            "group": "number",
        }
        for n in shown.number_history
    ]
    rows += [
        {
            "label": f"IMEI {h.imei}",
            "start": svg.as_date(h.first_utc),
            "end": svg.as_date(h.last_utc),
            "group": "handset",
        }
        for h in shown.handsets
    ]
    return rows


def _movements(shown: LineDetail) -> list[dict[str, Any]]:
    return [
        {
            "label": f"runner {runner}",
            "start": svg.as_date(stint.from_),
            "end": svg.as_date(stint.to),
            "group": stint.area,
        }
        for runner, moved in shown.runner_movements.items()
        for stint in moved.stints
    ]
