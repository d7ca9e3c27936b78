"""The ``fortress`` command line: a thin shell over the domain services.

Commands parse arguments, call one service and format its result (a Rich table, or JSON
with ``--json``). Heavy imports stay inside the commands so ``fortress --help`` is quick.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fortress.cli.backup import backup_command, restore_command
from fortress.cli.basemap import basemap_app
from fortress.cli.casework import (
    audit_app,
    casework_app,
    operations_app,
    serve_command,
    users_app,
)
from fortress.cli.cluster import cluster_app
from fortress.cli.common import (
    JsonOption,
    fail,
    open_workspace,
    print_json,
    report_ingest,
    settings,
)
from fortress.cli.lines import (
    evaluate_command,
    lines_app,
    numbers_app,
    report_app,
    schedule_command,
)
from fortress.cli.network import network_app
from fortress.cli.place import place_app
from fortress.cli.share import share_app
from fortress.store.settings import DATABASE_ENV, DEFAULT_WORKSPACE, WORKSPACE_ENV

if TYPE_CHECKING:
    from fortress.ingest.report import IngestSummary
    from fortress.sources.mapping import MappingSpec
    from fortress.store.workspace import Workspace

app = typer.Typer(
    name="fortress",
    help="Fortress: open intelligence against county-lines drug networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ingest_app = typer.Typer(help="Load source files into the workspace.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(lines_app, name="lines")
app.add_typer(numbers_app, name="numbers")
app.add_typer(report_app, name="report")
app.add_typer(network_app, name="network")
app.add_typer(place_app, name="place")
app.add_typer(basemap_app, name="basemap")
app.add_typer(casework_app, name="casework")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(operations_app, name="operations")
app.add_typer(cluster_app, name="cluster")
app.add_typer(share_app, name="share")
app.command("serve")(serve_command)
app.command("evaluate")(evaluate_command)
app.command("schedule")(schedule_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)


@app.callback()
def main(
    workspace: Annotated[
        Path,
        typer.Option(
            "--workspace",
            "-w",
            envvar=WORKSPACE_ENV,
            help=(
                "Workspace directory. Commands that write create it; the others refuse a "
                "folder that is not a workspace."
            ),
            show_default=True,
        ),
    ] = DEFAULT_WORKSPACE,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar=DATABASE_ENV,
            help="SQLAlchemy URL of the record database (default: SQLite in the workspace).",
        ),
    ] = None,
) -> None:
    """Fortress: open intelligence against county-lines drug networks."""
    settings.workspace = workspace
    settings.database_url = database_url


@app.command()
def status(as_json: JsonOption = False) -> None:
    """Report what the workspace holds."""
    from fortress.cli.render import render_status
    from fortress.store.events import status_report

    report = status_report(open_workspace())
    if as_json:
        print_json(report.to_dict())
    else:
        render_status(report)


@ingest_app.command("comms")
def ingest_comms_command(
    files: Annotated[list[Path], typer.Argument(help="CSV or Parquet files to ingest.")],
    layout: Annotated[
        str | None,
        typer.Option(help="A shipped layout: canonical, operator-cdr, handset-log."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="A mapping spec (YAML) for any other layout.")
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(help="The handset owner's number, for owner-relative layouts."),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Refuse a file if any of its rows is rejected.")
    ] = False,
    on_spark: Annotated[
        bool,
        typer.Option(
            help="Ingest the files in parallel, one per task, on the Spark cluster "
            "FORTRESS_SPARK_MASTER names (else Spark on this machine); its executors "
            "must read the files and the workspace at the same paths."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest communications events (calls and messages). Each file is all-or-nothing."""
    from fortress.ingest.comms import ingest_comms
    from fortress.sources.mapping import SpecError, load_spec, preset

    if layout and mapping:
        fail("give --layout or --mapping, not both")
    try:
        spec = load_spec(mapping) if mapping else preset(layout or "canonical")
    except SpecError as exc:
        fail(str(exc))
    workspace = open_workspace(create=True)
    if on_spark:
        report_ingest(_ingest_on_spark(workspace, files, spec, owner, strict), as_json)
        return
    summaries = [
        _with_progress(
            path,
            lambda p, path=path: ingest_comms(
                workspace, path, spec=spec, owner=owner, strict=strict, progress=p
            ),
            quiet=as_json,
        )
        for path in files
    ]
    report_ingest(summaries, as_json)


@ingest_app.command("cells")
def ingest_cells_command(
    file: Annotated[
        Path, typer.Argument(help="Cell-site CSV: cell_id, lat, lon, azimuth_deg, area.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Ingest a cell-site list."""
    from fortress.ingest.cells import ingest_cells

    summary = ingest_cells(open_workspace(create=True), file)
    report_ingest([summary], as_json)


@ingest_app.command("layouts")
def ingest_layouts(as_json: JsonOption = False) -> None:
    """List the shipped comms layouts."""
    from fortress.sources.mapping import preset, preset_names

    layouts = [
        {"name": name, "version": preset(name).version, "description": preset(name).description}
        for name in preset_names()
    ]
    if as_json:
        print_json(layouts)
        return
    for item in layouts:
        typer.echo(f"{item['name']:<14} v{item['version']}  {item['description']}")


def _ingest_on_spark(
    workspace: Workspace, files: list[Path], spec: MappingSpec, owner: str | None, strict: bool
) -> list[IngestSummary]:
    """``ingest comms --on-spark``: each file's summary notes the executor that did it."""
    from fortress.ingest.on_spark import ingest_comms_on_spark
    from fortress.store.events import EngineError

    try:
        done = ingest_comms_on_spark(
            workspace, files, spec=spec, owner=owner, strict=strict,
            database_url=settings.database_url,
        )  # fmt: skip
    except EngineError as exc:
        fail(str(exc))
    for one in done:
        one.summary.notes.append(f"ingested by a Spark executor on {one.host} (pid {one.pid})")
    return [one.summary for one in done]


def _with_progress(path: Path, run: Any, *, quiet: bool) -> IngestSummary:
    """Run one ingest with a Rich progress bar on standard error."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    if quiet or not sys.stderr.isatty():
        return run(None)  # type: ignore[no-any-return]
    columns = ("{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"ingest {path.name}", total=None)
        return run(lambda done, total: bar.update(task, completed=done, total=total))  # type: ignore[no-any-return]


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Folder to write the world into.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 1,
    scale: Annotated[
        str, typer.Option(help="demo, small, medium, large, or a number of events.")
    ] = "demo",
    file_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    variant: Annotated[
        str,
        typer.Option(help="default, or hard: small lines, many bulk senders, shared customers."),
    ] = "default",
    profile: Annotated[
        str,
        typer.Option(
            help="drawn: behaviour drawn from documented ranges with the seed, so no two "
            "seeds share the same habits (docs/synthetic-world.md); or classic: the world "
            "a seed gave before profiles."
        ),
    ] = "drawn",
    as_json: JsonOption = False,
) -> None:
    """Write a synthetic county-lines world: comms events, cell sites and ground truth."""
    from fortress.cli.render import render_simulation
    from fortress.simulate import simulate as run_simulation

    if file_format not in ("parquet", "csv"):
        fail("--format is parquet or csv")
    chosen: str | int = int(scale) if scale.isdigit() else scale
    try:
        summary = run_simulation(
            out, seed=seed, scale=chosen, fmt=file_format, variant=variant, profile=profile
        )
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        print_json(summary.to_dict())
    else:
        render_simulation(summary.to_dict())


@app.command()
def demo(
    folder: Annotated[
        Path, typer.Option("--dir", help="Folder for the demo's world and workspace.")
    ] = Path("fortress-demo"),
    seed: Annotated[int, typer.Option(help="Random seed of the demo world.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Simulate a small world into a fresh workspace, ingest it and show what is there."""
    from fortress.cli.demo import DemoError, run_demo

    try:
        run_demo(folder, seed=seed, as_json=as_json)
    except DemoError as exc:
        fail(str(exc))


def run() -> None:
    """The ``fortress`` command: ``app``, with a full disk said in words whatever the
    command (each one's writes are all or nothing, so nothing is left half-written)."""
    from fortress.store.workspace import full_disk_message, is_disk_full

    try:
        app()
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        where = getattr(exc, "filename", None) or getattr(exc.__context__, "filename", None)
        try:
            fail(full_disk_message(Path(where).parent if where else settings.workspace))
        except typer.Exit as stop:  # outside the app, nothing turns it into an exit
            raise SystemExit(stop.exit_code) from None
