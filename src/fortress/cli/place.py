"""``fortress place``: police.uk crime, stop and search and outcomes by area and month."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json, report_ingest
from fortress.cli.progress import working

if TYPE_CHECKING:
    from fortress.ingest.report import IngestSummary
    from fortress.places.evaluate import Evaluation
    from fortress.places.hotspot_map import HotSpots
    from fortress.places.summary import AreaSummary
    from fortress.store.workspace import Workspace

place_app = typer.Typer(
    help="Places: police.uk crime and stop-and-search by area and month.", no_args_is_help=True
)


area_app = typer.Typer(help="Named campaign areas saved in the workspace.", no_args_is_help=True)
place_app.add_typer(area_app, name="area")
PhaseOption = Annotated[str | None, typer.Option(help="Months FROM..TO of this phase.")]


@area_app.command("save")
def area_save_command(
    name: Annotated[str, typer.Argument(help="The name to save it under.")],
    area: Annotated[str, typer.Option(help="An LSOA-name prefix, a codes file or GeoJSON.")],
    clear: PhaseOption = None,
    hold: PhaseOption = None,
    build: PhaseOption = None,
    targets: Annotated[
        str | None,
        typer.Option(
            help="Crime types the campaign targets, comma-separated police.uk categories "
            "(e.g. drugs,possession-of-weapons); the evaluation leads with them."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Save an area (and its campaign's Clear, Hold and Build phases and targets) under a
    name."""
    from fortress.places.areas import AreaProblem
    from fortress.places.campaigns import save_area
    from fortress.places.periods import Period
    from fortress.places.store import NoPlaceData
    from fortress.places.summary import resolve_for_saving

    workspace = open_workspace()
    given = {"clear": clear, "hold": hold, "build": build}
    try:
        phases = {phase: Period.parse(text) for phase, text in given.items() if text}
        chosen = targets.split(",") if targets else ()
        saved = save_area(
            workspace, name, resolve_for_saving(workspace, area), phases, targets=chosen
        )
    except (AreaProblem, NoPlaceData, ValueError) as exc:
        fail(str(exc))
    if as_json:
        print_json(saved.to_dict())
    else:
        aimed = f"; targets {', '.join(saved.targets)}" if saved.targets else ""
        typer.echo(f"saved {saved.name!r}: {saved.how}{aimed}")


@area_app.command("list")
def area_list_command(as_json: JsonOption = False) -> None:
    """The saved areas and their phases."""
    from fortress.places.campaigns import saved_areas

    found = saved_areas(open_workspace())
    if as_json:
        print_json([item.to_dict() for item in found])
        return
    if not found:
        typer.echo("no saved areas")
    for item in found:
        phases = ", ".join(f"{p} {span}" for p, span in item.phases.items())
        aimed = f"; targets {', '.join(item.targets)}" if item.targets else ""
        typer.echo(f"{item.name}: {item.how}" + (f"; {phases}" if phases else "") + aimed)


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
    from fortress.places.files import NoFiles, expand

    workspace = open_workspace(create=True)
    files: list[Path] = []
    for path in paths:
        try:
            files += expand(workspace, path)
        except NoFiles as exc:
            fail(str(exc))
    report_ingest(_ingest_each(workspace, files), as_json)


@place_app.command("fetch")
def fetch_command(
    force: Annotated[str, typer.Option(help="The force as police.uk names it, e.g. hampshire.")],
    first: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    last: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    base_url: Annotated[str, typer.Option(help="Where police.uk's archives are.")] = (
        "https://data.police.uk"
    ),
    as_json: JsonOption = False,
) -> None:
    """Download a force's months from police.uk's archives and ingest them (needs network)."""
    from fortress.places.fetch import FetchProblem, fetch
    from fortress.places.periods import Period

    try:
        period = Period.parse(f"{first}..{last}")
        workspace = open_workspace(create=True)
        files = fetch(workspace, force, period.first, period.last, base_url=base_url)
    except (FetchProblem, ValueError) as exc:
        fail(str(exc))
    report_ingest(_ingest_each(workspace, files), as_json)


@place_app.command("summary")
def summary_command(
    area: Annotated[
        str,
        typer.Option(help="An LSOA-name prefix (e.g. Gosport), a codes file or GeoJSON."),
    ],
    chart: Annotated[
        Path | None, typer.Option(help="Write charts of the monthly counts as an SVG file.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Street-level crime per month and type in an area."""
    from fortress.places.areas import AreaProblem
    from fortress.places.store import NoPlaceData
    from fortress.places.summary import area_summary
    from fortress.reports.place_charts import summary_chart

    try:
        with working("Counting crimes per month"):
            result = area_summary(open_workspace(), area)
    except (AreaProblem, NoPlaceData) as exc:
        fail(str(exc))
    if chart is not None:
        chart.write_text(summary_chart(result), encoding="utf-8")
    if as_json:
        print_json(result.to_dict())
    else:
        _render_summary(result)


@place_app.command("quality")
def quality_command(as_json: JsonOption = False) -> None:
    """Months and categories whose counts depart sharply from their history."""
    from fortress.places.quality import quality
    from fortress.places.store import NoPlaceData

    try:
        with working("Comparing each month with its history"):
            result = quality(open_workspace())
    except NoPlaceData as exc:
        fail(str(exc))
    if as_json:
        print_json(result.to_dict())
        return
    from fortress.cli.render import console

    console.print(f"Method: {result.method}.", highlight=False)
    if not result.flags:
        console.print("No month is flagged.")
    for flag in result.flags:
        console.print(f"[yellow]flag[/] {flag.text}", highlight=False)


@place_app.command("hotspots")
def hotspots_command(
    area: Annotated[str, typer.Option(help="An LSOA-name prefix, a codes file or GeoJSON.")],
    period: Annotated[
        list[str],
        typer.Option(help="Months FROM..TO (YYYY-MM..YYYY-MM); give two to see the change."),
    ],
    crime_type: Annotated[
        str | None, typer.Option("--type", help="One crime type (default: all).")
    ] = None,
    cell_m: Annotated[float, typer.Option(help="Grid cell side in metres.")] = 250,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="Write the map as an SVG file.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Getis-Ord Gi* hot spots on a grid, and emerging, persistent and fading ones."""
    from fortress.places.areas import AreaProblem
    from fortress.places.hotspot_map import find_hotspots
    from fortress.places.periods import Period
    from fortress.places.store import NoPlaceData

    if not 1 <= len(period) <= 2:
        fail("give --period once, or twice to compare two periods")
    if not 25 <= cell_m <= 5_000:
        fail("--cell-m must be between 25 and 5000 metres")
    try:
        periods = [Period.parse(p) for p in period]
        with working("Finding hot spots"):
            result = find_hotspots(
                open_workspace(), area, periods, cell_m=cell_m, crime_type=crime_type
            )
    except (AreaProblem, NoPlaceData, ValueError) as exc:
        fail(str(exc))
    if map_file is not None:
        from fortress.reports.place_charts import hotspot_svg

        map_file.write_text(hotspot_svg(result), encoding="utf-8")
    if as_json:
        print_json(result.to_dict())
        return
    _render_hotspots(result)


def _ingest_each(workspace: Workspace, files: list[Path]) -> list[IngestSummary]:
    """Ingest police.uk files one by one, with a bar of files on a terminal."""
    from fortress.ingest.policeuk import ingest_policeuk

    summaries: list[IngestSummary] = []
    with working("Ingesting police.uk files", steps=len(files)) as shown:
        for file in files:
            if summaries:  # the previous file is done
                shown.step(f"Ingesting {file.name}")
            summaries.append(ingest_policeuk(workspace, file))
    return summaries


def _render_hotspots(result: HotSpots) -> None:
    from fortress.cli.render import console

    console.print(f"{result.area} ({result.how})", highlight=False)
    console.print(f"Method: {result.method}.", highlight=False)
    for p in result.periods:
        console.print(
            f"{p.period}: {p.crimes:,} located crimes; {p.hot_cells} hot cells, "
            f"{p.cold_cells} cold cells",
            highlight=False,
        )
    if result.change is not None:
        change = result.change
        console.print(
            f"Change: {change['emerging']} emerging, {change['persistent']} persistent, "
            f"{change['fading']} fading hot-spot cells",
            highlight=False,
        )


@place_app.command("evaluate")
def evaluate_command(
    area: Annotated[str, typer.Option(help="The campaign area (prefix, codes file, GeoJSON).")],
    before: Annotated[str, typer.Option(help="Months before: FROM..TO (YYYY-MM..YYYY-MM).")],
    after: Annotated[str, typer.Option(help="Months after: FROM..TO.")],
    compare: Annotated[
        str | None, typer.Option(help="Comparison areas, comma-separated (e.g. Havant,Fareham).")
    ] = None,
    auto_compare: Annotated[
        bool,
        typer.Option("--auto-compare", help="Match comparison districts on the before period."),
    ] = False,
    targets: Annotated[
        str | None,
        typer.Option(
            help="Crime types the campaign targeted, comma-separated police.uk categories "
            "(default: those saved with the area)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Before and after, against comparison areas, with an interval and a displacement check."""
    from fortress.places.areas import AreaProblem
    from fortress.places.evaluate import EvaluationProblem, evaluate
    from fortress.places.periods import Period
    from fortress.places.store import NoPlaceData

    try:
        with working("Evaluating the campaign against comparison areas"):
            result = evaluate(
                open_workspace(),
                area,
                Period.parse(before),
                Period.parse(after),
                compare=[c.strip() for c in compare.split(",") if c.strip()] if compare else None,
                auto_compare=auto_compare,
                targets=targets.split(",") if targets else None,
            )
    except (AreaProblem, EvaluationProblem, NoPlaceData, ValueError) as exc:
        fail(str(exc))
    if as_json:
        print_json(result.to_dict())
        return
    _render_evaluation(result)


def _render_evaluation(result: Evaluation) -> None:
    from rich.table import Table

    from fortress.cli.render import console

    against = ", ".join(c.name for c in result.comparisons)
    first = result.results[0]
    table = Table(
        title=f"{result.area.name}: {result.before} against {result.after}, relative to "
        f"{against}; crimes per month ({first.months_before} and {first.months_after} months "
        "with data)",
        title_justify="left",
    )
    columns = ("crime type", "before, per month", "after, per month", "raw change",
               "estimate (95% CI)", "BH p")  # fmt: skip
    for name in columns:
        table.add_column(name, justify="left" if name == "crime type" else "right")
    for row in result.results:
        estimate = (
            "too few"
            if row.estimate is None or row.low is None or row.high is None
            else f"{row.estimate:+.1%} ({row.low:+.1%} to {row.high:+.1%})"
        )
        raw = "" if row.naive_change is None else f"{row.naive_change:+.1%}"
        adjusted = "" if row.q_value is None else f"{row.q_value:.3f}"
        label = row.crime_type + (" (targeted)" if row.targeted else "")
        table.add_row(label, f"{row.before_per_month:,.1f}", f"{row.after_per_month:,.1f}",
                      raw, estimate, adjusted)  # fmt: skip
    console.print(table)
    console.print(result.headline, highlight=False)
    for row in [*result.results, *result.displacement]:
        console.print(row.text, highlight=False)
    console.print(f"Method: {result.method}.", highlight=False)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)


@place_app.command("drug-market")
def drug_market_command(
    lag: Annotated[int, typer.Option(help="Months between the indicator and violence.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """The lagged association of drug-market indicators with violence, by district."""
    from fortress.places.market import drug_market
    from fortress.places.store import NoPlaceData

    try:
        with working("Fitting the drug-market association"):
            result = drug_market(open_workspace(), lag)
    except (NoPlaceData, ValueError) as exc:
        fail(str(exc))
    if as_json:
        print_json(result.to_dict())
        return
    from fortress.cli.render import console

    for item in result.results:
        console.print(item.text, highlight=False)
    if result.left_out_months:
        left_out = ", ".join(result.left_out_months)
        console.print(f"Left out (flagged by the data-quality check): {left_out}.")
    console.print(f"Method: {result.method}.", highlight=False)
    console.print(f"[yellow]Caveats[/]: {result.caveats}", highlight=False)


SHORT_TYPES = {
    "Anti-social behaviour": "ASB",
    "Criminal damage and arson": "Damage & arson",
    "Possession of weapons": "Weapons",
    "Theft from the person": "Person theft",
    "Violence and sexual offences": "Violence & sex",
}


def _render_summary(result: AreaSummary) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from fortress.cli.render import console

    months = result.months
    table = Table(
        title=f"{result.area.name}: street-level crime by month ({result.area.how})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
    )
    table.add_column("crime type", no_wrap=True, min_width=14)
    for month in months:
        table.add_column(month[2:], justify="right", no_wrap=True, min_width=5)
    table.add_column("total", justify="right", no_wrap=True, min_width=6)
    counts = result.grid()
    for crime_type in result.crime_types:
        cells = [f"{counts[(m, crime_type)]:,}" for m in months]
        label = SHORT_TYPES.get(crime_type, crime_type)
        table.add_row(label, *cells, f"{result.totals[crime_type]:,}")
    month_totals = result.month_totals()
    table.add_row(
        "all", *(f"{month_totals[m]:,}" for m in months), f"{result.total:,}", style="bold"
    )
    needed = 24 + 8 * (len(months) + 1)
    (console if console.width >= needed else Console(width=needed)).print(table)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)
