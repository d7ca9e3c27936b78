"""``fortress lines ...`` and ``fortress evaluate``: deal lines found in the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json
from fortress.store.events import EngineError

lines_app = typer.Typer(help="Deal lines: detect, list and show them.", no_args_is_help=True)


@lines_app.command("detect")
def detect_command(as_json: JsonOption = False) -> None:
    """Score every number for deal-line behaviour and store the result in the workspace."""
    from fortress.cli.render_lines import render_detection
    from fortress.comms.lines import NoDetection, run_detection

    try:
        summary = run_detection(open_workspace())
    except (NoDetection, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(summary)
    else:
        render_detection(summary)


@lines_app.command("list")
def list_command(
    include_all: Annotated[
        bool, typer.Option("--all", help="Also list bulk senders scored as not a line.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List the deal lines of the latest detection run, strongest first."""
    from fortress.cli.render_lines import render_lines
    from fortress.comms.lines import NoDetection, list_lines

    try:
        lines = list_lines(open_workspace(), include_all=include_all)
    except (NoDetection, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(lines)
    else:
        render_lines(lines)


@lines_app.command("show")
def show_command(
    line_id: Annotated[str, typer.Argument(help="A line id from `fortress lines list`.")],
    as_json: JsonOption = False,
) -> None:
    """Show one line: numbers, evidence, customers, runners, handsets and sites."""
    from fortress.cli.render_lines import render_line
    from fortress.comms.lines import NoDetection, show_line

    try:
        line = show_line(open_workspace(), line_id)
    except (NoDetection, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(line)
    else:
        render_line(line)


def evaluate_command(
    truth: Annotated[Path, typer.Option(help="A simulated world's ground_truth.json.")],
    as_json: JsonOption = False,
) -> None:
    """Score the latest detection run against a simulated world's ground truth."""
    from fortress.cli.render_lines import render_evaluation
    from fortress.comms.evaluate import TruthError, evaluate_workspace
    from fortress.comms.lines import NoDetection

    try:
        report = evaluate_workspace(open_workspace(), truth)
    except (NoDetection, TruthError, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(report)
    else:
        render_evaluation(report)


numbers_app = typer.Typer(
    help="Any number: successors when it falls silent, and judgements of links.",
    no_args_is_help=True,
)


@numbers_app.command("successors")
def successors_command(
    number: Annotated[
        str | None, typer.Argument(help="One number; default: every number that fell silent.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Rank the numbers that take up the contacts of numbers that fall silent."""
    from fortress.cli.render_lines import render_successors
    from fortress.comms.lines import NoDetection, successors

    try:
        found = successors(open_workspace(), number)
    except (NoDetection, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(found)
    else:
        render_successors(found)


@numbers_app.command("judge")
def judge_command(
    old: Annotated[str, typer.Argument(help="The number that fell silent.")],
    new: Annotated[str, typer.Argument(help="The candidate successor.")],
    verdict: Annotated[str, typer.Option(help="confirmed, rejected or unsure.")],
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record an analyst's judgement of a successor link; later runs respect it."""
    from fortress.comms.judgements import JudgementError, judge_link
    from fortress.comms.lines import _as_number

    try:
        recorded = judge_link(open_workspace(), _as_number(old), _as_number(new), verdict, note)
    except JudgementError as exc:
        fail(str(exc))
    if as_json:
        print_json(recorded)
    else:
        typer.echo(f"{recorded['old']} -> {recorded['new']}: {verdict}")


@lines_app.command("activity")
def activity_command(
    line_id: Annotated[str, typer.Argument(help="A line id from `fortress lines list`.")],
    as_json: JsonOption = False,
) -> None:
    """Per day: customer base, potential and confirmed transactions, active hours."""
    from fortress.cli.render_lines import render_activity
    from fortress.comms.lines import NoDetection, line_activity

    try:
        activity = line_activity(open_workspace(), line_id)
    except (NoDetection, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(activity)
    else:
        render_activity(activity)


@lines_app.command("safeguarding")
def safeguarding_command(as_json: JsonOption = False) -> None:
    """Possible cuckooed addresses and runner bases, ranked for safeguarding visits."""
    from fortress.cli.render_lines import render_safeguarding
    from fortress.comms.lines import NoDetection, safeguarding

    try:
        sites = safeguarding(open_workspace())
    except (NoDetection, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(sites)
    else:
        render_safeguarding(sites)


RangeOption = Annotated[
    str | None, typer.Option(help="LOW,CENTRAL,HIGH to replace the default range.")
]


@lines_app.command("quantum")
def quantum_command(
    line_id: Annotated[str, typer.Argument(help="A line id from `fortress lines list`.")],
    first_day: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    last_day: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    daily_use: RangeOption = None,
    deals: RangeOption = None,
    grams_per_deal: RangeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Drugs supplied by a line: the Crown's and the defence's estimates, with intervals."""
    from dataclasses import replace

    from fortress.cli.render_lines import render_quantum
    from fortress.comms.lines import NoDetection, line_quantum
    from fortress.comms.quantum import QuantumParams, parse_range

    params = QuantumParams()
    try:
        if daily_use:
            params = replace(params, crown_daily_use_g=parse_range(daily_use, "given"))
        if deals:
            params = replace(params, deals_per_transaction=parse_range(deals, "given"))
        if grams_per_deal:
            params = replace(params, grams_per_deal=parse_range(grams_per_deal, "given"))
        result = line_quantum(open_workspace(), line_id, first_day, last_day, params)
    except (ValueError, NoDetection, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(result)
    else:
        render_quantum(result)


report_app = typer.Typer(help="Self-contained HTML reports.", no_args_is_help=True)


@report_app.command("lines")
def report_lines_command(
    out: Annotated[Path, typer.Option(help="The HTML file to write.")],
    as_json: JsonOption = False,
) -> None:
    """Write one HTML page with every line of the latest detection run (works offline)."""
    from fortress.comms.lines import NoDetection
    from fortress.reports.lines_report import write_lines_report

    try:
        written = write_lines_report(open_workspace(), out)
    except (NoDetection, EngineError) as exc:
        fail(str(exc))
    if as_json:
        print_json(written)
    else:
        typer.echo(f"wrote {written['file']}: {written['lines']} lines, {written['bytes']:,} bytes")
