"""Drug-market indicators from comms data, per area and month: the deal lines active in an
area (where their customers are) and their confirmed transactions, from the workspace's
latest detection run. They join police.uk districts by name: a cell site's ``area`` must
name the district (the local authority, as police.uk's LSOA names begin)."""

from __future__ import annotations

from collections import defaultdict

from fortress.comms.lines import NoDetection, line_activity, list_lines, show_line
from fortress.store.workspace import Workspace

Key = tuple[str, str]  # (district, YYYY-MM)


def line_indicators(workspace: Workspace) -> dict[str, dict[Key, int]] | None:
    """``{"active deal lines": ..., "confirmed transactions": ...}`` per (area, month), or
    None when no detection has been run."""
    try:
        lines = list_lines(workspace)
    except NoDetection:
        return None
    active: dict[Key, int] = defaultdict(int)
    confirmed: dict[Key, int] = defaultdict(int)
    for line in lines:
        if line.line_id is None:
            continue
        town = _customers_area(workspace, line.line_id)
        if town is None:
            continue
        per_month: dict[str, int] = defaultdict(int)
        for day in line_activity(workspace, line.line_id).days:
            per_month[day.day[:7]] += day.confirmed
        for month, count in per_month.items():
            confirmed[(town, month)] += count
            active[(town, month)] += 1 if count else 0
    return {"active deal lines": dict(active), "confirmed transactions": dict(confirmed)}


def _customers_area(workspace: Workspace, line_id: str) -> str | None:
    """Where the line's customers are (the area of most of their located contacts)."""
    for item in show_line(workspace, line_id).evidence:
        area = item.figures.get("customers_area")
        if item.kind == "away_from_customers" and area:
            return str(area)
    return None
