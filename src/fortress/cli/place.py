"""``fortress place``: police.uk crime, stop and search and outcomes by area and month."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json, report_ingest

place_app = typer.Typer(
    help="Places: police.uk crime and stop-and-search by area and month.", no_args_is_help=True
)


@place_app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="police.uk CSVs (street, stop-and-search, outcomes), folders of them, or "
            "the police.uk archive zip.",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Ingest police.uk files, checking their published headers."""
    from fortress.ingest.policeuk import ingest_policeuk
    from fortress.places.files import NoFiles, expand

    workspace = open_workspace()
    files: list[Path] = []
    for path in paths:
        try:
            files += expand(workspace, path)
        except NoFiles as exc:
            fail(str(exc))
    report_ingest([ingest_policeuk(workspace, file) for file in files], as_json)


@place_app.command("summary")
def summary_command(
    area: Annotated[
        str,
        typer.Option(help="An LSOA-name prefix (e.g. Gosport) or a file of LSOA codes."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Street-level crime per month and type in an area."""
    from fortress.places.areas import AreaProblem
    from fortress.places.store import NoPlaceData
    from fortress.places.summary import area_summary

    try:
        result = area_summary(open_workspace(), area)
    except (AreaProblem, NoPlaceData) as exc:
        fail(str(exc))
    if as_json:
        print_json(result)
    else:
        _render_summary(result)


@place_app.command("quality")
def quality_command(as_json: JsonOption = False) -> None:
    """Months and categories whose counts depart sharply from their history."""
    from fortress.places.quality import quality
    from fortress.places.store import NoPlaceData

    try:
        result = quality(open_workspace())
    except NoPlaceData as exc:
        fail(str(exc))
    if as_json:
        print_json(result)
        return
    from fortress.cli.render import console

    console.print(f"Method: {result['method']}.", highlight=False)
    if not result["flags"]:
        console.print("No month is flagged.")
    for flag in result["flags"]:
        console.print(f"[yellow]flag[/] {flag['text']}", highlight=False)


SHORT_TYPES = {
    "Anti-social behaviour": "ASB",
    "Criminal damage and arson": "Damage & arson",
    "Possession of weapons": "Weapons",
    "Theft from the person": "Person theft",
    "Violence and sexual offences": "Violence & sex",
}


def _render_summary(result: dict[str, Any]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from fortress.cli.render import console

    months = result["months"]
    table = Table(
        title=f"{result['area']['name']}: street-level crime by month ({result['area']['how']})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
    )
    table.add_column("crime type", no_wrap=True, min_width=14)
    for month in months:
        table.add_column(month[2:], justify="right", no_wrap=True, min_width=5)
    table.add_column("total", justify="right", no_wrap=True, min_width=6)
    counts = {(row["month"], row["crime_type"]): row["count"] for row in result["counts"]}
    for crime_type in result["crime_types"]:
        cells = [f"{counts[(m, crime_type)]:,}" for m in months]
        label = SHORT_TYPES.get(crime_type, crime_type)
        table.add_row(label, *cells, f"{result['totals'][crime_type]:,}")
    month_totals = [sum(counts[(m, t)] for t in result["crime_types"]) for m in months]
    table.add_row("all", *(f"{n:,}" for n in month_totals), f"{result['total']:,}", style="bold")
    needed = 24 + 8 * (len(months) + 1)
    (console if console.width >= needed else Console(width=needed)).print(table)
    for warning in result["warnings"]:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)
