"""The interactive network chart of the HTML reports: an inline SVG whose nodes carry
their figures, for the few lines of inline script in ``templates/_network_chart.html``."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import networkx as nx
import numpy as np

from fortress.network.graph import Network

MAX_CHART_NODES = 400
"""More circles than this are unreadable, and the layout slows down."""
SIZE = 640


def most_connected(undirected: Network, limit: int = MAX_CHART_NODES) -> Network:
    """``undirected`` itself, or only its ``limit`` nodes of highest degree."""
    if undirected.node_count <= limit:
        return undirected
    degree = np.bincount(
        np.concatenate([undirected.sources, undirected.targets]), minlength=undirected.node_count
    )
    kept = set(np.argsort(-degree, kind="stable")[:limit].tolist())
    return undirected.without({n for i, n in enumerate(undirected.nodes) if i not in kept})


def node_chart(
    people: Network, rows: list[dict[str, Any]], colours: dict[str, str], title: str
) -> str:
    """The network as an SVG for ``_network_chart.html``: a spring layout, one circle per
    node sized by degree and coloured by its ``role`` (a key of ``colours``), each with its
    figures for the page's script."""
    graph = nx.Graph()
    graph.add_nodes_from(people.nodes)
    graph.add_edges_from(
        (people.nodes[s], people.nodes[t])
        for s, t in zip(people.sources.tolist(), people.targets.tolist(), strict=True)
    )
    layout = nx.spring_layout(graph, seed=1)
    xs = [p[0] for p in layout.values()] or [0.0]
    ys = [p[1] for p in layout.values()] or [0.0]
    left, top = min(xs), min(ys)
    span_x, span_y = (max(xs) - left) or 1.0, (max(ys) - top) or 1.0

    def at(node: str) -> tuple[float, float]:
        x, y = layout[node]
        return 20 + (SIZE - 40) * (x - left) / span_x, 20 + (SIZE - 40) * (y - top) / span_y

    parts = []
    for u, v in graph.edges():
        (x1, y1), (x2, y2) = at(u), at(v)
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'data-a="{escape(u)}" data-b="{escape(v)}"/>'
        )
    for row in rows:
        x, y = at(row["node"])
        colour = colours.get(row["role"], "#888")
        radius = 3 + min(row["degree"], 30) / 5
        detail = {k: row[k] for k in ("node", "role", "line", "degree", "betweenness")}
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}" tabindex="0" '
            f"data-node='{escape(json.dumps(detail), quote=True)}'>"
            f"<title>{escape(row['node'])} ({escape(row['role'] or 'contact')})</title></circle>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" id="network-chart" width="{SIZE}" '
        f'height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}" class="chart network">'
        f"<title>{escape(title)}</title>"
        f'<g class="edges">{"".join(p for p in parts if p.startswith("<line"))}</g>'
        f'<g class="nodes">{"".join(p for p in parts if p.startswith("<circle"))}</g></svg>'
    )
