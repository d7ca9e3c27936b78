"""Rich rendering of network results."""

from __future__ import annotations

from rich.table import Table

from fortress.cli.render import console
from fortress.network.disrupt import LARGE_BETWEENNESS_PIVOTS, Comparison
from fortress.network.measures import Measures
from fortress.network.phases import Investigation
from fortress.network.targets import KeyPlayers

NODE_COLUMNS = (
    ("degree", "degree", "{:.0f}"),
    ("weighted_degree", "weighted\ndegree", "{:,.0f}"),
    ("betweenness", "between-\nness", "{:.3f}"),
    ("betweenness_se", "betw.\ns.e.", "{:.3f}"),
    ("closeness", "close-\nness", "{:.3f}"),
    ("eigenvector", "eigen-\nvector", "{:.3f}"),
    ("pagerank", "Page-\nRank", "{:.3f}"),
    ("core", "k-core", "{:.0f}"),
    ("community", "commu-\nnity", "{:.0f}"),
)
"""Key, header and format of each node column of the measures table (headers split in two
so that the table, numbers in full, fits a 100-column terminal)."""


def render_measures(results: list[Measures], top: int) -> None:
    """Per network: its figures, then the ``top`` nodes by betweenness. A measure with no
    value for any node is left out of the table and the reason printed under it."""
    for result in results:
        figures = result.network
        kind = "directed" if figures["directed"] else "undirected"
        kind += ", weighted" if figures["weighted"] else ", unweighted"
        console.print(
            f"[bold]{figures['name']}[/] ({kind}): {figures['nodes']:,} nodes, "
            f"{figures['edges']:,} {'arcs' if figures['directed'] else 'edges'}, density "
            f"{figures['density']:.4f}, {figures['components']} component(s) (largest "
            f"{figures['largest_component_share']:.0%}), degree centralisation "
            f"{figures['degree_centralisation']:.3f}, betweenness centralisation "
            f"{figures['betweenness_centralisation']:.3f}"
            + (
                f" (standard error {figures['betweenness_centralisation_se']:.3f})"
                if "betweenness_centralisation_se" in figures
                else ""
            )
            + (
                f", {figures['communities']} communities (modularity {figures['modularity']:.3f})"
                if "communities" in figures
                else ""
            ),
            highlight=False,
        )
        for note in figures["notes"]:
            console.print(f"  [dim]{note}[/]", highlight=False)
        nodes = result.nodes
        present = [col for col in NODE_COLUMNS if nodes and col[0] in nodes[0]]
        empty = [col for col in present if all(row[col[0]] is None for row in nodes)]
        shown = [col for col in present if col not in empty]
        table = Table(title_justify="left")
        table.add_column(
            "node", no_wrap=True, min_width=max((len(r["node"]) for r in nodes), default=4)
        )
        for _, label, _ in shown:
            table.add_column(label, justify="right", overflow="fold")
        if nodes and "brokerage" in nodes[0]:
            table.add_column("broker-\nage", justify="right", overflow="fold")
        ranked = sorted(nodes, key=lambda row: -(row["betweenness"] or 0.0))[:top]
        for row in ranked:
            cells = [row["node"]]
            cells += ["-" if row[key] is None else fmt.format(row[key]) for key, _, fmt in shown]
            if "brokerage" in row:
                cells.append(str(row["brokerage"]["total"]))
            table.add_row(*cells)
        console.print(table)
        reasons = figures.get("not_defined", {})
        for key, _, _ in empty:
            why = reasons.get(key, "no node has a value")
            console.print(f"  {key}: {why}.", highlight=False)
        if any(row[key] is None for row in ranked for key, _, _ in shown):
            console.print("  [dim]-: no value for that node (see --json methods)[/]")
        if "brokerage" in (nodes[0] if nodes else {}):
            console.print(
                "  [dim]brokerage: open two-paths the node brokers between groups "
                "(Gould-Fernandez; --json has each role)[/]",
                highlight=False,
            )
        if "betweenness_se" in (nodes[0] if nodes else {}):
            console.print(
                f"  [dim]betweenness: {figures['methods']['betweenness']}[/]", highlight=False
            )
        if "weighted_closeness" in (nodes[0] if nodes else {}):
            console.print(
                "  [dim]closeness: over hop counts, 0 to 1; weighted closeness (paths of "
                "strong ties shorter, not bounded by 1) is in --json and --csv[/]",
                highlight=False,
            )


def render_phases(result: Investigation) -> None:
    """One row per phase, then each phase's most central actors, then the actors whose
    position moved most."""
    phases = result.phases
    noted = any(v for row in phases for v in row.annotations.values())
    table = Table(title="Phases", title_justify="left")
    table.add_column("phase", no_wrap=True)
    for name in ("nodes", "edges", "density", "deg. centr.", "betw. centr.", "entered / left"):
        table.add_column(name, justify="right")
    if noted:
        table.add_column("notes")
    for row in phases:
        cells = [
            row.phase,
            f"{row.nodes:,}",
            f"{row.edges:,}",
            f"{row.density:.3f}",
            f"{row.degree_centralisation:.3f}",
            f"{row.betweenness_centralisation:.3f}",
            f"+{len(row.entered)} / -{len(row.left)}",
        ]
        if noted:
            cells.append("; ".join(f"{k} {v}" for k, v in row.annotations.items() if v))
        table.add_row(*cells)
    console.print(table)
    console.print("[bold]Most central by betweenness[/], per phase:")
    for row in phases:
        top = ", ".join(f"{m.node} {m.betweenness:.2f}" for m in row.most_central[:3])
        console.print(f"  {row.phase}: {top or '-'}", highlight=False)
    actors = Table(title="Actors by mean betweenness (absent counted as 0)", title_justify="left")
    for name in ("actor", "role", "present", "rank per phase (- absent)", "mean"):
        actors.add_column(name, justify="right" if name == "mean" else "left")
    for actor in result.actors[:10]:
        ranks = " ".join("-" if r is None else str(r) for r in actor.betweenness_rank)
        role = actor.annotations.get("role", "")
        actors.add_row(
            actor.node,
            role,
            f"{actor.phases_present}/{len(result.phases)}",
            ranks,
            f"{actor.mean_betweenness_absent_as_zero:.3f}",
        )
    console.print(actors)


def render_disruption(result: Comparison) -> None:
    """Per damage figure, one row per step and one column per strategy (the same steps
    and values as ``--chart``); a figure that no strategy moves is one sentence. Then who
    each strategy removed."""
    from fortress.reports.network_charts import damage_figures

    recovery = result.recovery
    console.print(
        f"[bold]{result.network}[/]: {result.nodes:,} actors, {result.mode} removal"
        + (
            f", recovery: replace {recovery.replace}, inherit {recovery.inherit}, "
            f"reconnect {recovery.reconnect}"
            if recovery.active
            else ""
        ),
        highlight=False,
    )
    averaged = [run for run in result.strategies if run.runs > 1]
    if averaged:
        console.print(
            "  [dim]"
            + ", ".join(f"{run.strategy}: mean of {run.runs} runs" for run in averaged)
            + " (--json has the 5th and 95th percentiles)[/]",
            highlight=False,
        )
    for figure in damage_figures(result):
        if figure.flat is not None:
            console.print(f"[bold]{figure.label}[/]: {figure.flat}", highlight=False)
            continue
        table = Table(
            title=f"{figure.label}: {result.measures[figure.measure]}", title_justify="left"
        )
        table.add_column("removed", justify="right", overflow="fold")
        for name in figure.series:
            table.add_column(name, justify="right", overflow="fold")
        for k, removed in enumerate(figure.removed):
            table.add_row(
                str(removed), *(figure.format(values[k]) for values in figure.series.values())
            )
        console.print(table)
        for note in figure.notes:
            console.print(f"  [dim]{note}[/]", highlight=False)
    for run in result.strategies:
        runs = f" (first of {run.runs} runs)" if run.runs > 1 else ""
        console.print(f"  {run.strategy} removed{runs}: {', '.join(run.removed)}", highlight=False)
        if run.ranking_checks:
            console.print(
                f"  [dim]{run.strategy}: betweenness estimated from "
                f"{LARGE_BETWEENNESS_PIVOTS} random sources at each step; at "
                f"{run.unseparated_steps()} of {len(run.ranking_checks)} steps the actor taken "
                "did not lead the first one left by more than the sampling error (95%), so "
                "another draw of sources could have taken someone else (--json: "
                "ranking_checks)[/]",
                highlight=False,
            )


def render_targets(result: KeyPlayers) -> None:
    """The three candidate sets and what removing each would do."""
    table = Table(title=f"{result.network}: sets of {result.k} to take out", title_justify="left")
    for name in ("set", "members", "fragmentation", "largest component", "components"):
        table.add_column(name, justify="left" if name in ("set", "members") else "right")
    for name, found in result.sets.items():
        table.add_row(
            name.replace("_", " "),
            ", ".join(found.nodes),
            f"{found.fragmentation:.3f}",
            f"{found.largest_component_share:.0%}",
            str(found.components),
        )
    console.print(table)
    console.print(result.trade_off, highlight=False)
    console.print(f"[dim]{result.search}[/]", highlight=False)
