"""Rich rendering of network results."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from fortress.cli.render import console
from fortress.network.measures import Measures

NODE_COLUMNS = (
    ("degree", "degree", "{:.0f}"),
    ("weighted_degree", "weighted", "{:,.0f}"),
    ("betweenness", "betweenness", "{:.3f}"),
    ("closeness", "closeness", "{:.3f}"),
    ("eigenvector", "eigenvector", "{:.3f}"),
    ("pagerank", "PageRank", "{:.3f}"),
    ("core", "k-core", "{:.0f}"),
    ("community", "community", "{:.0f}"),
)


def render_measures(results: list[Measures], top: int) -> None:
    """Per network: its figures, then the ``top`` nodes by betweenness."""
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
                f", {figures['communities']} communities (modularity {figures['modularity']:.3f})"
                if "communities" in figures
                else ""
            ),
            highlight=False,
        )
        for note in figures["notes"]:
            console.print(f"  [dim]{note}[/]", highlight=False)
        table = Table(title_justify="left")
        table.add_column("node")
        present = [col for col in NODE_COLUMNS if col[0] in result.nodes[0]] if result.nodes else []
        for _, label, _ in present:
            table.add_column(label, justify="right")
        if result.nodes and "brokerage" in result.nodes[0]:
            table.add_column("brokerage (total)", justify="right")
        ranked = sorted(result.nodes, key=lambda row: -(row["betweenness"] or 0.0))[:top]
        for row in ranked:
            cells = [row["node"]]
            cells += ["-" if row[key] is None else fmt.format(row[key]) for key, _, fmt in present]
            if "brokerage" in row:
                cells.append(str(row["brokerage"]["total"]))
            table.add_row(*cells)
        console.print(table)


def render_phases(result: dict[str, Any]) -> None:
    """One row per phase, then the actors whose position moved most."""
    table = Table(title="Phases", title_justify="left")
    for name in ("phase", "nodes", "edges", "density", "deg. centr.", "betw. centr."):
        table.add_column(name, justify="left" if name == "phase" else "right")
    table.add_column("most central (betweenness)")
    table.add_column("entered / left", justify="right")
    table.add_column("notes")
    for row in result["phases"]:
        table.add_row(
            row["phase"],
            f"{row['nodes']:,}",
            f"{row['edges']:,}",
            f"{row['density']:.3f}",
            f"{row['degree_centralisation']:.3f}",
            f"{row['betweenness_centralisation']:.3f}",
            ", ".join(f"{m['node']} {m['betweenness']:.2f}" for m in row["most_central"][:3]),
            f"+{len(row['entered'])} / -{len(row['left'])}",
            "; ".join(f"{k} {v}" for k, v in row["annotations"].items() if v),
        )
    console.print(table)
    actors = Table(title="Actors by mean betweenness (absent counted as 0)", title_justify="left")
    for name in ("actor", "role", "present", "rank per phase (- absent)", "mean"):
        actors.add_column(name, justify="right" if name == "mean" else "left")
    for actor in result["actors"][:10]:
        ranks = " ".join("-" if r is None else str(r) for r in actor["betweenness_rank"])
        role = next(iter(actor["annotations"].values()), "") if actor["annotations"] else ""
        actors.add_row(
            actor["node"],
            role,
            f"{actor['phases_present']}/{len(result['phases'])}",
            ranks,
            f"{actor['mean_betweenness_absent_as_zero']:.3f}",
        )
    console.print(actors)


def render_disruption(result: dict[str, Any]) -> None:
    """Damage per step, one column per strategy and figure; then who was removed."""
    strategies = result["strategies"]
    figures = list(result["measures"])
    recovery = result["recovery"]
    console.print(
        f"[bold]{result['network']}[/]: {result['nodes']:,} actors, {result['mode']} removal"
        + (
            ""
            if recovery["model"] == "none"
            else ", recovery: " + ", ".join(f"{k} {v}" for k, v in recovery.items() if k != "model")
        ),
        highlight=False,
    )
    table = Table(title_justify="left")
    table.add_column("removed", justify="right")
    for strategy in strategies:
        for name in figures:
            table.add_column(f"{strategy['strategy']}\n{name.replace('_', ' ')}", justify="right")
    longest = max(len(s["steps"]) for s in strategies)
    for k in range(longest):
        cells = [str(max(s["steps"][min(k, len(s["steps"]) - 1)]["removed"] for s in strategies))]
        for strategy in strategies:
            steps = strategy["steps"]
            for name in figures:
                cells.append(f"{steps[k][name]:.3f}" if k < len(steps) else "")
        table.add_row(*cells)
    console.print(table)
    for strategy in strategies:
        runs = f" (first of {strategy['runs']} runs)" if strategy["runs"] > 1 else ""
        console.print(
            f"  {strategy['strategy']} removed{runs}: {', '.join(strategy['removed'])}",
            highlight=False,
        )


def render_targets(result: dict[str, Any]) -> None:
    """The three candidate sets and what removing each would do."""
    table = Table(
        title=f"{result['network']}: sets of {result['k']} to take out", title_justify="left"
    )
    for name in ("set", "members", "fragmentation", "largest component", "components"):
        table.add_column(name, justify="left" if name in ("set", "members") else "right")
    for name, row in result["sets"].items():
        table.add_row(
            name.replace("_", " "),
            ", ".join(m["node"] for m in row["members"]),
            f"{row['fragmentation']:.3f}",
            f"{row['largest_component_share']:.0%}",
            str(row["components"]),
        )
    console.print(table)
    console.print(result["trade_off"], highlight=False)
    console.print(f"[dim]{result['search']}[/]", highlight=False)
