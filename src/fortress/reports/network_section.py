"""The network section of the workspace report: the deal lines' people as an interactive
chart (inline SVG and a few lines of inline script: nothing is fetched), the most central
of them, and what taking out controllers, runners or the most connected would do to the
lines' reach of their customers.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import networkx as nx

from fortress.network.comms import NoCommsData, comms_network, line_roles
from fortress.network.graph import Network
from fortress.network.measures import MeasureOptions, measure
from fortress.network.service import role_disruption, with_attributes
from fortress.reports.svg import line_chart
from fortress.store.workspace import Workspace

MAX_CHART_NODES = 400
ROLE_COLOURS = {
    "line": "#d1495b",
    "controller": "#6a4c93",
    "runner": "#edae49",
    "customer": "#1b6ca8",
}
SIZE = 640


def network_section(workspace: Workspace) -> dict[str, Any] | None:
    """The section's parts, or None when there are no comms events or no lines."""
    try:
        network = comms_network(workspace)
    except NoCommsData:
        return None
    roles = line_roles(workspace)
    if roles is None or not roles.roles:
        return None
    people = _people_network(network, roles.roles)
    rows = measure(people, MeasureOptions(communities=False)).nodes
    for row in rows:
        row["role"] = roles.roles.get(row["node"], {}).get("role", "")
        row["line"] = roles.roles.get(row["node"], {}).get("line", "")
    disruption = role_disruption(with_attributes(network, roles.roles), roles, remove=5)
    return {
        "chart": _chart(people, rows),
        "central": sorted(rows, key=lambda r: -r["betweenness"])[:10],
        "nodes": people.node_count,
        "edges": people.edge_count,
        "disruption": disruption,
        "disruption_svg": _reach_chart(disruption),
        "note": (
            f"Only the {MAX_CHART_NODES} most connected are drawn."
            if people.node_count >= MAX_CHART_NODES
            else ""
        ),
    }


def _people_network(network: Network, roles: dict[str, dict[str, str]]) -> Network:
    """The lines' numbers, controllers, runners and customers and the contacts among
    them (the most connected ``MAX_CHART_NODES`` when there are more)."""
    others = {node for node in network.nodes if node not in roles}
    people = with_attributes(network, roles).without(others).as_undirected()
    if people.node_count <= MAX_CHART_NODES:
        return people
    degree = {node: 0 for node in people.nodes}
    for s, t in zip(people.sources.tolist(), people.targets.tolist(), strict=True):
        degree[people.nodes[s]] += 1
        degree[people.nodes[t]] += 1
    kept = sorted(degree, key=lambda node: -degree[node])[:MAX_CHART_NODES]
    return people.without(set(people.nodes) - set(kept))


def _chart(people: Network, rows: list[dict[str, Any]]) -> str:
    graph = nx.Graph()
    graph.add_nodes_from(people.nodes)
    graph.add_edges_from(
        (people.nodes[s], people.nodes[t])
        for s, t in zip(people.sources.tolist(), people.targets.tolist(), strict=True)
    )
    layout = nx.spring_layout(graph, seed=1)
    xs = [p[0] for p in layout.values()] or [0.0]
    ys = [p[1] for p in layout.values()] or [0.0]

    def at(node: str) -> tuple[float, float]:
        x, y = layout[node]
        span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
        return 20 + (SIZE - 40) * (x - min(xs)) / span_x, 20 + (SIZE - 40) * (y - min(ys)) / span_y

    parts = []
    for u, v in graph.edges():
        (x1, y1), (x2, y2) = at(u), at(v)
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'data-a="{escape(u)}" data-b="{escape(v)}"/>'
        )
    for row in rows:
        x, y = at(row["node"])
        colour = ROLE_COLOURS.get(row["role"], "#888")
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
        f"<title>Contacts among the lines' numbers, controllers, runners and customers</title>"
        f'<g class="edges">{"".join(p for p in parts if p.startswith("<line"))}</g>'
        f'<g class="nodes">{"".join(p for p in parts if p.startswith("<circle"))}</g></svg>'
    )


def _reach_chart(disruption: dict[str, Any]) -> str:
    strategies = disruption["strategies"]
    labels = [
        str(step["removed"]) for step in max(strategies, key=lambda s: len(s["steps"]))["steps"]
    ]
    series: dict[str, list[float | None]] = {
        s["strategy"]: [step.get("customer_reach") for step in s["steps"]] for s in strategies
    }
    return line_chart("Customers still connected to a deal line, by actors removed", labels, series)
