"""The network section of the workspace report: the deal lines' people as an interactive
chart (inline SVG and a few lines of inline script: nothing is fetched), the most central
of them, and what taking out controllers, runners or the most connected would do to the
lines' reach of their customers.
"""

from __future__ import annotations

from typing import Any

from fortress.network.comms import NoCommsData, comms_network, line_roles
from fortress.network.graph import Network
from fortress.network.measures import MeasureOptions, measure
from fortress.network.service import role_disruption, with_attributes
from fortress.reports.network_chart import MAX_CHART_NODES, most_connected, node_chart
from fortress.reports.svg import line_chart
from fortress.store.workspace import Workspace

ROLE_COLOURS = {
    "line": "#d1495b",
    "controller": "#6a4c93",
    "runner": "#edae49",
    "customer": "#1b6ca8",
}


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
        "chart": node_chart(
            people,
            rows,
            ROLE_COLOURS,
            "Contacts among the lines' numbers, controllers, runners and customers",
        ),
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
    return most_connected(with_attributes(network, roles).without(others).as_undirected())


def _reach_chart(disruption: dict[str, Any]) -> str:
    strategies = disruption["strategies"]
    labels = [
        str(step["removed"]) for step in max(strategies, key=lambda s: len(s["steps"]))["steps"]
    ]
    series: dict[str, list[float | None]] = {
        s["strategy"]: [step.get("customer_reach") for step in s["steps"]] for s in strategies
    }
    return line_chart("Customers still connected to a deal line, by actors removed", labels, series)
