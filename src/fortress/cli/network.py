"""``fortress network``: criminal networks from files or the workspace's comms data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json
from fortress.cli.lines import report_app
from fortress.cli.progress import working

network_app = typer.Typer(
    help="Networks from files or comms data: measures over time and disruption.",
    no_args_is_help=True,
)

Sources = Annotated[
    list[str],
    typer.Argument(
        help="Network files (adjacency matrix or edge list CSV, GraphML, JSON graph), or "
        "`comms` for the workspace's comms events.",
        show_default=False,
    ),
]
OneSource = Annotated[str, typer.Argument(help="One network file, or `comms`.")]
Undirected = Annotated[
    bool, typer.Option("--undirected", help="Read every network as undirected (arcs merged).")
]
Unweighted = Annotated[bool, typer.Option("--unweighted", help="Set every weight to 1.")]
People = Annotated[
    bool,
    typer.Option(
        "--people",
        help="With `comms`: merge line and runner phones into their holders' personal phones.",
    ),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="auto, matrix, edges, graphml or json.")
]
CombineOption = Annotated[str, typer.Option(help="Repeated rows for one pair: sum, max or last.")]
WindowOption = Annotated[
    int | None,
    typer.Option("--window-days", help="With `comms`: one phase per window of N days."),
]
WeightsOption = Annotated[
    str,
    typer.Option(
        "--weights",
        help="How paths read weights: strength (length 1/weight) or distance (length = weight).",
    ),
]


def _views(
    undirected: bool,
    unweighted: bool,
    fmt: str,
    combine: str,
    window_days: int | None,
    people: bool,
) -> Any:
    """How to read the sources, after checking the options a person typed."""
    from fortress.network.sources import Views
    from fortress.sources.networks import FORMATS

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if combine not in ("sum", "max", "last"):
        fail(f"--combine must be sum, max or last, not {combine!r}")
    return Views(undirected, unweighted, fmt, combine, window_days, people)  # type: ignore[arg-type]


def _load(
    sources: list[str],
    undirected: bool,
    unweighted: bool,
    fmt: str,
    combine: str,
    window_days: int | None = None,
    people: bool = False,
) -> list[Any]:
    from fortress.network.comms import NoCommsData
    from fortress.network.sources import load_networks
    from fortress.sources.tabular import FileProblem

    views = _views(undirected, unweighted, fmt, combine, window_days, people)
    try:
        return load_networks(sources, views, open_workspace)
    except (FileProblem, NoCommsData, ValueError) as exc:
        fail(str(exc))


OrderOption = Annotated[
    str | None,
    typer.Option(
        "--order",
        help="Phase names in order, separated by commas. Without it, several files are "
        "taken in natural order of their names (phase2 before phase10).",
    ),
]


def _load_phases(
    sources: list[str],
    order: str | None,
    undirected: bool,
    unweighted: bool,
    fmt: str,
    combine: str,
    window_days: int | None = None,
    people: bool = False,
) -> tuple[list[Any], Any]:
    """The sources as phases in order, with the order used printed (and any warning)."""
    from fortress.network.comms import NoCommsData
    from fortress.network.phases import OrderError
    from fortress.network.sources import load_phases
    from fortress.sources.tabular import FileProblem

    views = _views(undirected, unweighted, fmt, combine, window_days, people)
    names = [name.strip() for name in order.split(",") if name.strip()] if order else None
    try:
        networks, used = load_phases(sources, views, open_workspace, names)
    except (FileProblem, NoCommsData, OrderError, ValueError) as exc:
        fail(str(exc))
    if len(networks) > 1:
        typer.echo(used.describe(), err=True)
    if used.warning:
        typer.secho(f"warning: {used.warning}", err=True, fg="yellow")
    return networks, used


def _one_network(networks: list[Any]) -> Any:
    if len(networks) != 1:
        names = ", ".join(n.name for n in networks[:5])
        fail(f"this command takes one network; the sources hold {len(networks)} ({names})")
    return networks[0]


@network_app.command("measures")
def measures_command(
    sources: Sources,
    undirected: Undirected = False,
    unweighted: Unweighted = False,
    weights: WeightsOption = "strength",
    group: Annotated[
        str | None,
        typer.Option(help="Node attribute naming groups, for Gould-Fernandez brokerage roles."),
    ] = None,
    top: Annotated[int, typer.Option(help="Nodes to show per network in the table.")] = 15,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Also write every node's measures to this CSV.")
    ] = None,
    pivots: Annotated[
        int,
        typer.Option(
            min=1,
            help="Above 20,000 nodes, betweenness and closeness are estimated from this many "
            "random nodes: more is slower and closer to exact.",
        ),
    ] = 50,
    people: People = False,
    fmt: FormatOption = "auto",
    combine: CombineOption = "sum",
    as_json: JsonOption = False,
) -> None:
    """Per-node centralities, k-cores, communities and brokerage; per-network size,
    density, components and centralisation."""
    from fortress.cli.render_network import render_measures
    from fortress.network.brokerage import GroupError
    from fortress.network.measures import MeasureOptions, measure, write_csv

    if weights not in ("strength", "distance"):
        fail(f"--weights must be strength or distance, not {weights!r}")
    options = MeasureOptions(weights=weights, group=group, pivots=pivots)  # type: ignore[arg-type]
    try:
        with working("Measuring the network"):
            networks = _load(sources, undirected, unweighted, fmt, combine, people=people)
            results = [measure(network, options) for network in networks]
    except GroupError as exc:
        fail(str(exc))
    if csv_out is not None:
        write_csv(results, csv_out)
    if as_json:
        print_json([result.to_dict() for result in results])
    else:
        render_measures(results, top)


@network_app.command("phases")
def phases_command(
    sources: Sources,
    undirected: Undirected = False,
    unweighted: Unweighted = False,
    window_days: WindowOption = None,
    annotate: Annotated[
        Path | None,
        typer.Option(help="CSV with a `node` column and any attributes (role, name ...)."),
    ] = None,
    phase_notes: Annotated[
        Path | None,
        typer.Option(help="CSV with a `phase` column and any facts (seizures, arrests ...)."),
    ] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Write an SVG chart of centralisation and positions.")
    ] = None,
    top: Annotated[int, typer.Option(help="Most central actors listed per phase.")] = 5,
    order: OrderOption = None,
    people: People = False,
    fmt: FormatOption = "auto",
    combine: CombineOption = "sum",
    as_json: JsonOption = False,
) -> None:
    """Several networks (files in phase order, one edge list with a phase column, or
    comms windows) as one investigation: who enters and leaves, how positions and
    centralisation move."""
    from fortress.cli.render_network import render_phases
    from fortress.network.phases import Annotations, phases, read_annotations
    from fortress.reports.network_charts import phase_chart
    from fortress.sources.tabular import FileProblem

    with working("Reading the phases"):
        networks, used = _load_phases(
            sources, order, undirected, unweighted, fmt, combine, window_days, people
        )
    if len(networks) < 2:
        fail("phases needs at least two networks (files, phases of an edge list, or windows)")
    try:
        annotations = Annotations(
            read_annotations(annotate, "node") if annotate else {},
            read_annotations(phase_notes, "phase") if phase_notes else {},
        )
    except FileProblem as exc:
        fail(str(exc))
    with working("Measuring each phase"):
        result = phases(networks, annotations, top=top, order=used)
    if chart is not None:
        chart.write_text(phase_chart(result), encoding="utf-8")
    if as_json:
        print_json(result.to_dict())
    else:
        render_phases(result)


@network_app.command("disrupt")
def disrupt_command(
    source: OneSource,
    strategy: Annotated[
        str,
        typer.Option(
            help="degree, weighted-degree, betweenness, pagerank, katz, collective-influence, "
            "random, names:A;B, "
            "role:VALUE or line:LINE_ID; several separated by commas are compared.",
        ),
    ] = "degree,betweenness,random",
    remove: Annotated[int, typer.Option(help="How many actors to take out.")] = 10,
    mode: Annotated[
        str, typer.Option(help="sequential (one at a time) or block (--step at a time).")
    ] = "sequential",
    step: Annotated[int, typer.Option(help="Actors per block in block mode.")] = 5,
    recovery: Annotated[
        str, typer.Option(help="none, replacement, reconnection or both (see the methods).")
    ] = "none",
    runs: Annotated[int, typer.Option(help="Runs to average for random or recovery.")] = 20,
    ties: Annotated[
        str,
        typer.Option(help="Equal scores: first or last in node order, or highest-id."),
    ] = "first",
    weights: WeightsOption = "strength",
    annotate: Annotated[
        Path | None, typer.Option(help="CSV with a `node` column (and `role`, for role:).")
    ] = None,
    chart: Annotated[Path | None, typer.Option(help="Write an SVG chart of the damage.")] = None,
    undirected: Undirected = False,
    unweighted: Unweighted = False,
    fmt: FormatOption = "auto",
    combine: CombineOption = "sum",
    as_json: JsonOption = False,
) -> None:
    """Take actors out by strategy and measure the damage step by step, optionally with
    the network recovering; several strategies side by side."""
    from fortress.cli.render_network import render_disruption
    from fortress.network.disrupt import StrategyError, compare
    from fortress.network.service import DisruptError, plan_disruption

    with working("Reading the network"):
        network = _one_network(_load([source], undirected, unweighted, fmt, combine))
    try:
        network, strategies, plan = plan_disruption(
            network,
            source=source,
            strategies=strategy,
            options={
                "remove": remove,
                "mode": mode,
                "step": step,
                "recovery": recovery,
                "runs": runs,
                "ties": ties,
                "weights": weights,
            },
            annotate=annotate,
            workspace=open_workspace if source == "comms" else None,
        )
        with working(f"Taking out up to {remove} actors by each strategy"):
            result = compare(network, strategies, plan)
    except (DisruptError, StrategyError) as exc:
        fail(str(exc))
    if chart is not None:
        from fortress.reports.network_charts import disruption_chart

        chart.write_text(disruption_chart(result), encoding="utf-8")
    if as_json:
        print_json(result.to_dict())
    else:
        render_disruption(result)


@network_app.command("targets")
def targets_command(
    source: OneSource,
    k: Annotated[int, typer.Option("--k", help="Size of the set to take out.")] = 5,
    undirected: Undirected = False,
    unweighted: Unweighted = False,
    fmt: FormatOption = "auto",
    combine: CombineOption = "sum",
    as_json: JsonOption = False,
) -> None:
    """The k actors whose removal fragments the network most (key players), beside the k
    most central, with the trade-off explained."""
    from fortress.cli.render_network import render_targets
    from fortress.network.targets import key_players

    try:
        with working(f"Searching for the {k} key players"):
            network = _one_network(_load([source], undirected, unweighted, fmt, combine))
            result = key_players(network, k)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        print_json(result.to_dict())
    else:
        render_targets(result)


@network_app.command("export")
def export_command(
    source: OneSource,
    to: Annotated[str, typer.Option("--to", help="graphml, gexf, i2 or ftm.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="File to write (.graphml, .gexf, .ftm.json added when missing; i2: the "
            "stem of two CSVs).",
        ),
    ],
    annotate: Annotated[
        Path | None, typer.Option(help="CSV with a `node` column and attributes to carry.")
    ] = None,
    undirected: Undirected = False,
    unweighted: Unweighted = False,
    fmt: FormatOption = "auto",
    combine: CombineOption = "sum",
    force: Annotated[
        bool, typer.Option("--force", help="Replace files that are already there.")
    ] = False,
) -> None:
    """Write a network for Gephi (GEXF), any graph tool (GraphML), i2 Analyst's Notebook
    (entity and link CSVs) or Aleph (FollowTheMoney entities). A name without the
    format's extension gets it; an existing file is never replaced without --force."""
    from fortress.network.export import EXPORT_FORMATS, export
    from fortress.network.graph import with_attributes
    from fortress.network.phases import read_annotations
    from fortress.sources.tabular import FileProblem

    if to not in EXPORT_FORMATS:
        fail(f"--to must be one of {', '.join(EXPORT_FORMATS)}, not {to!r}")
    with working("Reading the network"):
        network = _one_network(_load([source], undirected, unweighted, fmt, combine))
    try:
        if annotate is not None:
            network = with_attributes(network, read_annotations(annotate, "node"))
        written = export(network, to, out, force=force)  # type: ignore[arg-type]
    except (FileProblem, OSError) as exc:
        fail(str(exc))
    for path in written:
        typer.echo(f"wrote {path}")


@report_app.command("network")
def report_network_command(
    sources: Sources,
    out: Annotated[Path, typer.Option(help="The HTML file to write.")],
    remove: Annotated[
        int, typer.Option(min=0, help="Actors to take out in the disruption comparison.")
    ] = 10,
    undirected: Undirected = False,
    unweighted: Unweighted = False,
    people: People = False,
    window_days: WindowOption = None,
    order: OrderOption = None,
    fmt: FormatOption = "auto",
    combine: CombineOption = "sum",
    as_json: JsonOption = False,
) -> None:
    """Write one HTML page about a network (several sources: phases in order): figures, an
    interactive chart, the most central actors, the phases, and what removing actors would
    do. Works offline."""
    from fortress.reports.network_report import write_network_report

    try:
        with working("Writing the network report"):
            networks, used = _load_phases(
                sources, order, undirected, unweighted, fmt, combine, window_days, people
            )
            written = write_network_report(networks, out, remove, used)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    if as_json:
        print_json(written)
    else:
        size = f"{written['bytes']:,} bytes"
        typer.echo(f"wrote {written['file']}: {len(networks)} network(s), {size}")
