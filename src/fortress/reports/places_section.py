"""The places section of the workspace report: data-quality flags, and for each saved
campaign area with a Hold phase, its monthly chart, its hot spots before and during Hold,
and the evaluation of Hold against the same months a year earlier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from fortress.places.campaigns import SavedArea, saved_areas
from fortress.places.evaluate import EvaluationProblem, evaluate
from fortress.places.hotspot_map import find_hotspots
from fortress.places.quality import quality
from fortress.places.store import CRIMES, NoPlaceData
from fortress.reports.pages import environment
from fortress.reports.place_charts import campaign_chart, hotspot_svg
from fortress.store.workspace import Workspace, now_utc, write_atomically


def places_section(workspace: Workspace) -> dict[str, Any] | None:
    """What the report shows about places, or None when no crime data is ingested."""
    if not workspace.data_files(CRIMES):
        return None
    return {
        "quality": quality(workspace),
        "areas": [
            _area(workspace, area) for area in saved_areas(workspace) if "hold" in area.phases
        ],
    }


def _area(workspace: Workspace, saved: SavedArea) -> dict[str, Any]:
    hold = saved.phases["hold"]
    before = hold.shifted(-12)
    shown: dict[str, Any] = {
        "name": saved.name,
        "how": saved.how,
        "phases": saved.phases,
        "targets": saved.targets,
        "before": str(before),
        "hold": str(hold),
    }
    try:
        evaluation = evaluate(workspace, saved.name, before, hold, auto_compare=True)
        shown["evaluation"] = evaluation
        shown["chart"] = Markup(campaign_chart(evaluation))
        hot = find_hotspots(workspace, saved.name, [before, hold])
        shown["hotspots"] = hot
        shown["hotspot_map"] = Markup(hotspot_svg(hot))
    except (EvaluationProblem, ValueError) as exc:
        shown["problem"] = str(exc)
    return shown


def write_places_report(workspace: Workspace, out: Path) -> dict[str, Any]:
    """The places section as a page of its own (for a workspace without comms data)."""
    places = places_section(workspace)
    if places is None:
        raise NoPlaceData("the workspace holds no police.uk crimes: run `fortress place ingest`")
    html = (
        environment()
        .get_template("places.html")
        .render(
            places=places,
            workspace=str(workspace.root),
            generated=now_utc().strftime("%Y-%m-%d %H:%M UTC"),
        )
    )
    write_atomically(out, html)
    return {"file": str(out), "bytes": len(html.encode("utf-8")), "areas": len(places["areas"])}
