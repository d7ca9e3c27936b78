"""``fortress lines``, ``numbers``, ``report`` and ``evaluate``: deal lines in the workspace.

Each command calls one service in ``fortress.comms`` (or ``fortress.reports``) and prints
its typed result (``fortress.model.lines``) as JSON, the model's ``model_dump(mode="json")``,
or through ``render_lines``; heavy imports stay inside the commands.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from fortress.cli import render_lines
from fortress.cli.common import JsonOption, fail, open_workspace, print_json
from fortress.cli.progress import working

if TYPE_CHECKING:
    from fortress.comms.quantum import Range
    from fortress.model.lines import LineQuantum
    from fortress.reports.schedule_report import WrittenSchedule

lines_app = typer.Typer(help="Deal lines: detect, list and show them.", no_args_is_help=True)
numbers_app = typer.Typer(
    help="Any number: its behavioural profile, successors when it falls silent, and "
    "judgements of links.",
    no_args_is_help=True,
)
report_app = typer.Typer(help="Self-contained HTML reports.", no_args_is_help=True)

LineId = Annotated[str, typer.Argument(help="A line id from `fortress lines list`.")]
RangeOption = Annotated[
    str | None, typer.Option(help="LOW,CENTRAL,HIGH to replace the default range.")
]


Result = TypeVar("Result")


def _deliver(
    produce: Callable[[], Result], render: Callable[[Result], None], as_json: bool, *, doing: str
) -> None:
    """Run a service (saying what it is ``doing`` on a terminal); print its result as JSON
    or with ``render``; turn the errors a user can cause into a message and exit code 2."""
    from fortress.comms.evaluate import TruthError
    from fortress.comms.judgements import JudgementError
    from fortress.comms.lines import NoDetection
    from fortress.store.events import EngineError

    try:
        with working(doing):
            result = produce()
    except (NoDetection, EngineError, TruthError, JudgementError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        print_json(as_plain(result))
    else:
        render(result)


def as_plain(result: Any) -> Any:
    """A typed result (a model, or a list of them) as JSON-ready values."""
    from pydantic import BaseModel

    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [as_plain(item) for item in result]
    return result


@lines_app.command("detect")
def detect_command(as_json: JsonOption = False) -> None:
    """Score every number for deal-line behaviour and store the result in the workspace."""
    from fortress.comms.lines import run_detection

    _deliver(
        lambda: run_detection(open_workspace(create=True)),
        render_lines.render_detection,
        as_json,
        doing="Detecting deal lines",
    )


@lines_app.command("list")
def list_command(
    include_all: Annotated[
        bool, typer.Option("--all", help="Also list bulk senders scored as not a line.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List the deal lines of the latest detection run, strongest first."""
    from fortress.comms.lines import list_lines

    _deliver(
        lambda: list_lines(open_workspace(), include_all=include_all),
        render_lines.render_lines,
        as_json,
        doing="Listing the lines",
    )


@lines_app.command("show")
def show_command(line_id: LineId, as_json: JsonOption = False) -> None:
    """Show one line: numbers, evidence, customers, runners, handsets and sites."""
    from fortress.comms.lines import show_line

    _deliver(
        lambda: show_line(open_workspace(), line_id),
        render_lines.render_line,
        as_json,
        doing="Gathering the line",
    )


@lines_app.command("activity")
def activity_command(line_id: LineId, as_json: JsonOption = False) -> None:
    """Per day: customer base, potential and confirmed transactions, active hours."""
    from fortress.comms.lines import line_activity

    _deliver(
        lambda: line_activity(open_workspace(), line_id),
        render_lines.render_activity,
        as_json,
        doing="Measuring daily activity",
    )


@lines_app.command("quantum")
def quantum_command(
    line_id: LineId,
    first_day: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    last_day: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    daily_use: RangeOption = None,
    deals: RangeOption = None,
    grams_per_deal: RangeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Drugs supplied by a line: the Crown's and the defence's estimates, with intervals."""
    from dataclasses import replace

    from fortress.comms.lines import line_quantum
    from fortress.comms.quantum import QuantumParams

    def produce() -> LineQuantum:
        defaults = QuantumParams()
        params = replace(
            defaults,
            crown_daily_use_g=_given(daily_use, defaults.crown_daily_use_g),
            deals_per_transaction=_given(deals, defaults.deals_per_transaction),
            grams_per_deal=_given(grams_per_deal, defaults.grams_per_deal),
        )
        return line_quantum(open_workspace(), line_id, first_day, last_day, params)

    _deliver(produce, render_lines.render_quantum, as_json, doing="Estimating quantum")


def _given(text: str | None, default: Range) -> Range:
    from fortress.comms.quantum import parse_range

    return parse_range(text, "given") if text else default


@lines_app.command("safeguarding")
def safeguarding_command(as_json: JsonOption = False) -> None:
    """Possible cuckooed addresses and runner bases, ranked for safeguarding visits."""
    from fortress.comms.lines import safeguarding

    _deliver(
        lambda: safeguarding(open_workspace()),
        render_lines.render_safeguarding,
        as_json,
        doing="Finding places to safeguard",
    )


def evaluate_command(
    truth: Annotated[Path, typer.Option(help="A simulated world's ground_truth.json.")],
    as_json: JsonOption = False,
) -> None:
    """Score the latest detection run against a simulated world's ground truth."""
    from fortress.comms.evaluate import evaluate_workspace

    _deliver(
        lambda: evaluate_workspace(open_workspace(), truth),
        render_lines.render_evaluation,
        as_json,
        doing="Scoring against the ground truth",
    )


FromDay = Annotated[
    str | None, typer.Option("--from", help="First local day, YYYY-MM-DD (default: the first).")
]
ToDay = Annotated[str | None, typer.Option("--to", help="Last local day, YYYY-MM-DD, included.")]
ZoneOption = Annotated[
    str, typer.Option(help="The local clock days and nights are read on (an IANA zone).")
]


@numbers_app.command("profile")
def profile_command(
    number: Annotated[str, typer.Argument(help="A phone number (or a source's subscriber id).")],
    first_day: FromDay = None,
    last_day: ToDay = None,
    zone: ZoneOption = "Europe/London",
    weekly: Annotated[
        bool, typer.Option(help="Each indicator per ISO week, then its mean and std.")
    ] = False,
    split: Annotated[
        bool, typer.Option(help="Also weekdays, weekends, days (07-19) and nights.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """A number's behaviour: contacts, durations, nights, replies, places, its week; each
    indicator with its definition and source (bandicoot's where it defines one)."""
    from fortress.cli.render_numbers import render_profile
    from fortress.comms.profiles import period, profile_number

    _deliver(
        lambda: profile_number(
            open_workspace(), number, period(first_day, last_day, zone), weekly=weekly, split=split
        ),
        render_profile,
        as_json,
        doing="Profiling the number",
    )


@numbers_app.command("profiles")
def profiles_command(
    out: Annotated[Path, typer.Option(help="The table to write: .csv or .parquet.")],
    numbers: Annotated[
        str | None, typer.Option(help="Numbers, comma-separated (default: every number).")
    ] = None,
    first_day: FromDay = None,
    last_day: ToDay = None,
    zone: ZoneOption = "Europe/London",
    as_json: JsonOption = False,
) -> None:
    """Profiles of many numbers as one table, in one query: the indicators that are
    aggregates, one row per number, columns named as in `numbers profile --json`."""
    from fortress.cli.render_numbers import render_profile_table
    from fortress.comms.lines import as_number
    from fortress.comms.profile_table import write_profile_table
    from fortress.comms.profiles import period

    chosen = None if numbers is None else [as_number(n) for n in numbers.split(",") if n.strip()]
    _deliver(
        lambda: write_profile_table(
            open_workspace(), period(first_day, last_day, zone), out, chosen
        ),
        render_profile_table,
        as_json,
        doing="Profiling the numbers",
    )


def schedule_command(
    numbers: Annotated[str, typer.Option(help="Numbers, comma-separated.")],
    out: Annotated[Path, typer.Option(help="The file: .csv, .xlsx, .html or .pdf.")],
    first_day: FromDay = None,
    last_day: ToDay = None,
    zone: ZoneOption = "Europe/London",
    every_event: Annotated[
        bool, typer.Option(help="Every event of the numbers, not only those between them.")
    ] = False,
    attribute: Annotated[
        str | None,
        typer.Option(help="DIRTY,CLEAN: add whether the clean phone travels with the dirty one."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A schedule of events for court: calls, messages, cell sites, changes of handset and
    casework between the numbers, in time order, each row with its exhibit reference."""
    from fortress.casework.schedules import ScheduleProblem, has_casework, make_schedule
    from fortress.cli.render_numbers import render_written_schedule
    from fortress.comms.profiles import period
    from fortress.reports.schedule_report import format_of, write_schedule

    def produce() -> WrittenSchedule:
        format_of(out)  # a bad suffix is refused before any work
        pair = None
        if attribute is not None:
            given = [n.strip() for n in attribute.split(",")]
            if len(given) != 2 or not all(given):
                raise ScheduleProblem("--attribute takes two numbers: DIRTY,CLEAN")
            pair = (given[0], given[1])
        workspace = open_workspace()
        with workspace.sessions() as session:
            schedule = make_schedule(
                workspace, numbers.split(","), period(first_day, last_day, zone),
                casework=session if has_casework(workspace) else None,
                every_event=every_event, attribute=pair, actor="cli",
            )  # fmt: skip
            written = write_schedule(schedule, out)
            session.commit()  # the audit of what it consulted, once it is written
        return written

    _deliver(produce, render_written_schedule, as_json, doing="Making the schedule")


@numbers_app.command("successors")
def successors_command(
    number: Annotated[
        str | None, typer.Argument(help="One number; default: every number that fell silent.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Rank the numbers that take up the contacts of numbers that fall silent."""
    from fortress.comms.lines import successors

    _deliver(
        lambda: successors(open_workspace(), number),
        render_lines.render_successors,
        as_json,
        doing="Ranking successor numbers",
    )


@numbers_app.command("history")
def history_command(
    value: Annotated[str, typer.Argument(help="A phone number, or a handset's IMEI.")],
    as_json: JsonOption = False,
) -> None:
    """A number's handsets (IMEI changes), or a handset's numbers (SIM swaps), with dates."""
    from fortress.comms.lines import identity_history

    _deliver(
        lambda: identity_history(open_workspace(), value),
        render_lines.render_history,
        as_json,
        doing="Reading handset history",
    )


@numbers_app.command("judge")
def judge_command(
    old: Annotated[str, typer.Argument(help="The number that fell silent.")],
    new: Annotated[str, typer.Argument(help="The candidate successor.")],
    verdict: Annotated[str, typer.Option(help="confirmed, rejected or unsure.")],
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record an analyst's judgement of a successor link; later runs respect it."""
    from fortress.comms.judgements import judge_link
    from fortress.comms.lines import as_number

    _deliver(
        lambda: judge_link(open_workspace(), as_number(old), as_number(new), verdict, note),
        render_lines.render_judgement,
        as_json,
        doing="Recording the judgement",
    )


@report_app.command("places")
def report_places_command(
    out: Annotated[Path, typer.Option(help="The HTML file to write.")],
    as_json: JsonOption = False,
) -> None:
    """Write one HTML page of the places section alone (works offline)."""
    from fortress.places.store import NoPlaceData
    from fortress.reports.places_section import write_places_report

    try:
        written = write_places_report(open_workspace(), out)
    except NoPlaceData as exc:
        fail(str(exc))
    if as_json:
        print_json(written)
    else:
        typer.echo(f"wrote {written['file']} ({written['areas']} saved areas)")


@report_app.command("lines")
def report_lines_command(
    out: Annotated[Path, typer.Option(help="The HTML file to write.")],
    as_json: JsonOption = False,
) -> None:
    """Write one HTML page with every line of the latest detection run (works offline)."""
    from fortress.reports.lines_report import write_lines_report

    _deliver(
        lambda: write_lines_report(open_workspace(), out),
        render_lines.render_written,
        as_json,
        doing="Writing the line report",
    )
