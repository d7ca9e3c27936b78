"""``fortress demo``: the whole pipeline so far on a small synthetic world.

Simulates a world as CSV files (the shape an analyst brings), ingests the cell sites and
comms events into a fresh workspace, shows that a second ingest of the same file adds
nothing, prints what the workspace holds, then detects deal lines, scores them against
the world's ground truth, measures the comms network, compares disruption strategies by
the lines' reach of their customers, ingests the world's synthetic police.uk crime files,
evaluates the campaign in the first line's town, and writes the report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from fortress.casework.schedules import line_parties, make_schedule
from fortress.cli.common import print_json
from fortress.cli.demo_app import ACTOR, prepare_app
from fortress.cli.progress import working
from fortress.cli.render import console, render_ingest, render_simulation, render_status
from fortress.cli.render_lines import render_detection, render_evaluation
from fortress.cli.render_network import render_disruption, render_measures
from fortress.comms.evaluate import evaluate_workspace
from fortress.comms.lines import list_lines, run_detection, show_line
from fortress.comms.profiles import period
from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.ingest.policeuk import ingest_policeuk
from fortress.ingest.report import IngestSummary
from fortress.model.lines import DetectionRun, Evaluation, LineSummary, WrittenReport
from fortress.network.disrupt import Comparison
from fortress.network.measures import Measures
from fortress.network.service import comms_overview
from fortress.places.campaigns import save_area
from fortress.places.evaluate import evaluate
from fortress.places.periods import Period
from fortress.places.summary import resolve_for_saving
from fortress.reports.lines_report import write_lines_report
from fortress.reports.schedule_report import write_schedule
from fortress.simulate import simulate
from fortress.sources.mapping import preset
from fortress.store import events
from fortress.store.workspace import Workspace

MARKER = ".fortress-demo"
DEMO_STEPS = 9


class DemoError(Exception):
    """The demo cannot run (for example, its folder holds something else)."""


def run_demo(folder: Path, *, seed: int = 1, as_json: bool = False) -> dict[str, Any]:
    """Run the demo in ``folder`` (replacing an earlier demo there) and print it."""
    fresh_folder(folder)
    with working("Simulating a small county-lines world", steps=DEMO_STEPS) as shown:
        world = simulate(folder / "world", seed=seed, scale="demo", fmt="csv", crime=True)
        shown.step("Ingesting its cell sites and comms events")
        workspace = Workspace.open(folder / "workspace")
        cells_file = folder / "world" / "cells.csv"
        summaries = [ingest_cells(workspace, cells_file)]
        comms_files = sorted((folder / "world" / "comms").glob("*.csv"))
        spec = preset("canonical")
        summaries += [ingest_comms(workspace, path, spec=spec) for path in comms_files]
        again = ingest_comms(workspace, comms_files[0], spec=spec)
        report: dict[str, Any] = {
            "world": world.to_dict(),
            "ingest": [s.to_dict() for s in summaries],
            "reingest_of_first_file": again.to_dict(),
            "status": events.workspace_status(workspace),
        }
        shown.step("Detecting deal lines")
        detection = run_detection(workspace)
        report["deal_lines"] = detection.model_dump(mode="json")
        shown.step("Scoring them against the world's ground truth")
        evaluation = evaluate_workspace(workspace, world.ground_truth)
        report["evaluation"] = evaluation.model_dump(mode="json")
        shown.step("Measuring the comms network and comparing disruption strategies")
        measures, disruption = comms_overview(workspace)
        report |= {
            "network": {"network": measures.network, "most_central": _most_central(measures)},
            "disruption": disruption.to_dict(),
        }
        shown.step("Ingesting police.uk crime files and evaluating the campaign")
        report["places"] = _places(workspace, world.crime_files)
        shown.step("Writing the line report")
        written = write_lines_report(workspace, folder / "lines.html")
        report["report"] = written.model_dump(mode="json")
        shown.step("Preparing the app: one user per role and some casework")
        opened = prepare_app(workspace, folder, list_lines(workspace))
        report["app"] = opened.to_dict()
        shown.step("Writing the schedule of events of the strongest line")
        report["schedule"] = _schedule(workspace, folder, list_lines(workspace)[0])
    if as_json:
        print_json(report)
    else:
        _render(report, summaries, again, measures, disruption, (detection, evaluation, written))
    return report


def fresh_folder(folder: Path) -> None:
    """Empty ``folder`` for a new demo, marked as the demo's; refuse a folder an earlier
    demo did not make (it may hold someone's work)."""
    if folder.exists():
        if not (folder / MARKER).exists():
            raise DemoError(
                f"{folder} exists and is not an earlier demo; choose another with --dir"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by fortress demo; safe to delete\n", encoding="utf-8")


def _places(workspace: Workspace, files: list[Path]) -> dict[str, Any]:
    """Ingest the world's crime files, save its campaign area and evaluate the Hold phase
    against the same months a year earlier, relative to matched towns."""
    ingested = [ingest_policeuk(workspace, path) for path in files]
    campaign = json.loads((files[0].parent / "campaign.json").read_text(encoding="utf-8"))
    phases = {phase: Period(*campaign[phase]) for phase in ("clear", "hold")}
    town = campaign["town"]
    area = resolve_for_saving(workspace, town)
    save_area(workspace, f"{town} campaign", area, phases)
    hold = phases["hold"]
    result = evaluate(workspace, f"{town} campaign", hold.shifted(-12), hold, auto_compare=True)
    return {
        "ingested_rows": sum(s.accepted for s in ingested),
        "files": len(ingested),
        "campaign": campaign,
        "evaluation": result.to_dict(),
    }


def _schedule(workspace: Workspace, folder: Path, strongest: LineSummary) -> dict[str, Any]:
    """The schedule of events between the strongest line's numbers, runners and controllers,
    as printable HTML and as CSV (audited as the demo's consultation)."""
    line = show_line(workspace, str(strongest.line_id))
    with workspace.sessions.begin() as session:
        schedule = make_schedule(workspace, line_parties(line), period(None, None),
                                 casework=session, actor=ACTOR)  # fmt: skip
    written = [write_schedule(schedule, folder / f"schedule.{fmt}") for fmt in ("html", "csv")]
    return {"line_id": line.line_id, "numbers": schedule.numbers,
            "files": [w.model_dump(mode="json") for w in written]}  # fmt: skip


def _most_central(measures: Measures, top: int = 10) -> list[dict[str, Any]]:
    return sorted(measures.nodes, key=lambda row: -row["betweenness"])[:top]


def _render(
    report: dict[str, Any],
    summaries: list[IngestSummary],
    again: IngestSummary,
    measures: Measures,
    disruption: Comparison,
    lines: tuple[DetectionRun, Evaluation, WrittenReport],
) -> None:
    detection, evaluation, written = lines
    render_simulation(report["world"])
    render_ingest(summaries)
    console.print(
        f"Ingesting {Path(again.file).name} a second time: {again.accepted:,} added, "
        f"{again.duplicates:,} recognised as duplicates."
    )
    render_status(report["status"])
    render_detection(detection)
    render_evaluation(evaluation)
    console.print("[bold]The comms network[/] (fortress network measures comms)")
    render_measures([measures], top=8)
    console.print("[bold]Disruption what-if[/] (fortress network disrupt comms)")
    render_disruption(disruption)
    places = report["places"]
    console.print(
        f"[bold]Places[/] (fortress place ingest, evaluate): {places['ingested_rows']:,} "
        f"synthetic police.uk crimes in {places['files']} monthly files; the campaign in "
        f"{places['campaign']['town']} (Hold from {places['campaign']['hold'][0]}; built to "
        f"cut anti-social behaviour by {1 - places['campaign']['asb_factor_from_hold']:.0%}):",
        highlight=False,
    )
    for row in places["evaluation"]["results"][:2]:
        console.print(f"  {row['text']}", highlight=False)
    console.print(
        f"Line report (open in a browser; works offline): {written.file}", highlight=False
    )
    made = report["schedule"]
    html, table = made["files"]
    console.print(
        f"Schedule of events for court (fortress schedule) between {made['line_id']}'s "
        f"numbers, runners and controllers: {html['rows']:,} rows, each with its exhibit "
        f"reference: {html['file']} (printable) and {table['file']}.",
        highlight=False,
    )
    app = report["app"]
    console.print(
        f"[bold]Open the app[/] on this workspace: run [bold]{app['serve']}[/] and go to "
        f"{app['address']}; sign in as {', '.join(app['users'])} (their passwords, made for "
        f"this demo, are in {app['passwords_file']}).",
        highlight=False,
    )
