"""``fortress report network``: one self-contained HTML page about a network from files
(edge lists, matrices, GraphML, graph lines) or the workspace's comms: its figures, an
interactive chart, the most central actors, how the investigation moved across phases
when there are several, and what removing actors would do.

Like the lines report, everything is inline: the page opens on an air-gapped machine.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from markupsafe import Markup

from fortress.network.disrupt import DisruptionPlan, compare
from fortress.network.graph import Network
from fortress.network.measures import Measures, measure
from fortress.network.phases import PhaseOrder, phases
from fortress.reports.network_chart import MAX_CHART_NODES, most_connected, node_chart
from fortress.reports.network_charts import disruption_chart, phase_chart
from fortress.reports.pages import environment
from fortress.reports.svg import PALETTE
from fortress.store.workspace import now_utc, write_atomically

STRATEGIES = [("degree", "degree"), ("betweenness", "betweenness"), ("random", "random")]
CENTRAL_ROWS = 15
OTHER_COMMUNITY = "smaller communities"


def render_network_report(
    networks: list[Network], remove: int = 10, order: PhaseOrder | None = None
) -> str:
    """The page for ``networks`` (phases in order when there are several; the chart, the
    central actors and the disruption are of the last)."""
    latest = networks[-1]
    result = measure(latest)
    colours = _community_colours(result)
    shown = most_connected(latest.as_undirected())
    in_chart = set(shown.nodes)
    chart_rows = [row for row in result.nodes if row["node"] in in_chart]
    chart = node_chart(shown, chart_rows, colours, f"Who is connected to whom in {latest.name}")
    plan = DisruptionPlan(strategy="degree", remove=max(0, min(remove, latest.node_count - 1)))
    disruption = compare(latest, STRATEGIES, plan)
    investigation = phases(networks, order=order) if len(networks) > 1 else None
    return (
        environment()
        .get_template("network.html")
        .render(
            generated=now_utc().strftime("%Y-%m-%d %H:%M UTC"),
            network=result.network,
            chart=Markup(chart),
            colours=colours,
            note=f"Only the {MAX_CHART_NODES} most connected are drawn."
            if latest.node_count > MAX_CHART_NODES
            else "",
            central=sorted(result.nodes, key=lambda r: (-r["betweenness"], r["node"]))[
                :CENTRAL_ROWS
            ],
            directed=latest.directed,
            disruption=disruption,
            disruption_svg=Markup(disruption_chart(disruption)),
            investigation=investigation,
            phases_svg=Markup(phase_chart(investigation)) if investigation else None,
        )
    )


def _community_colours(result: Measures) -> dict[str, str]:
    """Label each node's ``role`` by its community (the largest few get a colour each,
    the rest share grey) and return label -> colour for the legend."""
    sizes = Counter(row["community"] for row in result.nodes)
    largest = sorted(sizes, key=lambda c: (-sizes[c], c))[: len(PALETTE)]
    names = {c: f"community {k + 1} ({sizes[c]})" for k, c in enumerate(largest)}
    for row in result.nodes:
        row["role"] = names.get(row["community"], OTHER_COMMUNITY)
        row["line"] = ""
    colours = {names[c]: PALETTE[k] for k, c in enumerate(largest)}
    if len(sizes) > len(largest):
        colours[OTHER_COMMUNITY] = "#888"
    return colours


def write_network_report(
    networks: list[Network], out: Path, remove: int = 10, order: PhaseOrder | None = None
) -> dict[str, Any]:
    """Write the page to ``out`` (atomically) and say what it holds."""
    html = render_network_report(networks, remove, order)
    write_atomically(out, html)
    return {
        "file": str(out),
        "bytes": len(html.encode("utf-8")),
        "networks": [network.name for network in networks],
    }
