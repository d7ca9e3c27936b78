"""``fortress network``: criminal networks from files or the workspace's comms data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json

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
Undirected = Annotated[
    bool, typer.Option("--undirected", help="Read every network as undirected (arcs merged).")
]
Unweighted = Annotated[bool, typer.Option("--unweighted", help="Set every weight to 1.")]
FormatOption = Annotated[
    str, typer.Option("--format", help="auto, matrix, edges, graphml or json.")
]
CombineOption = Annotated[str, typer.Option(help="Repeated rows for one pair: sum, max or last.")]
WeightsOption = Annotated[
    str,
    typer.Option(
        "--weights",
        help="How paths read weights: strength (length 1/weight) or distance (length = weight).",
    ),
]


def _load(
    sources: list[str], undirected: bool, unweighted: bool, fmt: str, combine: str
) -> list[Any]:
    from fortress.network.comms import NoCommsData
    from fortress.network.sources import Views, load_networks
    from fortress.sources.networks import FORMATS
    from fortress.sources.tabular import FileProblem

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if combine not in ("sum", "max", "last"):
        fail(f"--combine must be sum, max or last, not {combine!r}")
    views = Views(undirected, unweighted, fmt, combine)  # type: ignore[arg-type]
    try:
        return load_networks(sources, views, open_workspace)
    except (FileProblem, NoCommsData) as exc:
        fail(str(exc))


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
    options = MeasureOptions(weights=weights, group=group)  # type: ignore[arg-type]
    networks = _load(sources, undirected, unweighted, fmt, combine)
    try:
        results = [measure(network, options) for network in networks]
    except GroupError as exc:
        fail(str(exc))
    if csv_out is not None:
        write_csv(results, csv_out)
    if as_json:
        print_json([result.to_dict() for result in results])
    else:
        render_measures(results, top)
