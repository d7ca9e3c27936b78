"""Rich rendering of network results."""

from __future__ import annotations

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
