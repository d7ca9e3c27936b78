"""The network section of the workspace report: the deal lines' people as an interactive
chart (inline SVG and a few lines of inline script: nothing is fetched), the most central
of them, and what taking out controllers, runners or the most connected would do to the
lines' reach of their customers.
"""

from __future__ import annotations

from typing import Any

from fortress.network.comms import NoCommsData, comms_network, line_roles
from fortress.network.graph import Network, with_attributes
from fortress.network.measures import MeasureOptions, measure
from fortress.network.service import role_disruption
from fortress.reports.network_chart import MAX_CHART_NODES, most_connected, node_chart
from fortress.reports.network_charts import damage_html
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
    everyone = _people_network(network, roles.roles)
    people = most_connected(everyone)
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
        "nodes": everyone.node_count,
        "edges": everyone.edge_count,
        "disruption": disruption.to_dict(),
        "disruption_svg": damage_html(
            disruption,
            "customer_reach",
            "Customers still connected to a deal line, by actors removed",
        ),
        "note": (
            f"Only the {MAX_CHART_NODES} most connected are drawn."
            if everyone.node_count > people.node_count
            else ""
        ),
    }


def _people_network(network: Network, roles: dict[str, dict[str, str]]) -> Network:
    """The lines' numbers, controllers, runners and customers and the contacts among
    them (undirected)."""
    others = {node for node in network.nodes if node not in roles}
    return with_attributes(network, roles).without(others).as_undirected()
