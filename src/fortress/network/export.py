"""Exports so that nothing is trapped in Fortress: GraphML and GEXF (Gephi, yEd, igraph),
CSV entity and link files that i2 Analyst's Notebook imports, and FollowTheMoney
entities (Aleph).

Each carries the node attributes and edge weights; the i2 and FollowTheMoney files name
their columns and schemata in ``docs/methods/networks.md``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Literal

from fortress.network.graph import Network

ExportFormat = Literal["graphml", "gexf", "i2", "ftm"]
EXPORT_FORMATS: tuple[str, ...] = ("graphml", "gexf", "i2", "ftm")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export(network: Network, fmt: ExportFormat, out: Path) -> list[Path]:
    """Write ``network`` as ``fmt`` to ``out`` (a file; for ``i2``, the stem of two files).
    Returns the files written."""
    if fmt in ("graphml", "gexf"):
        return [_networkx_file(network, fmt, out)]
    if fmt == "i2":
        return _i2(network, out)
    return [_ftm(network, out)]


def _as_networkx(network: Network) -> Any:
    import networkx as nx

    graph: Any = nx.DiGraph() if network.directed else nx.Graph()
    graph.graph["name"] = network.name
    for node in network.nodes:
        graph.add_node(node, label=node, **network.attributes.get(node, {}))
    for s, t, w in zip(
        network.sources.tolist(), network.targets.tolist(), network.weights.tolist(), strict=True
    ):
        graph.add_edge(network.nodes[s], network.nodes[t], weight=w)
    return graph


def _networkx_file(network: Network, fmt: str, out: Path) -> Path:
    import networkx as nx

    graph = _as_networkx(network)
    if fmt == "graphml":
        nx.write_graphml(graph, out)
    else:
        nx.write_gexf(graph, out)
    return out


def _i2(network: Network, out: Path) -> list[Path]:
    """``<stem>-entities.csv`` (Entity ID, Entity Type, Label, attributes) and
    ``<stem>-links.csv`` (From ID, To ID, Link Type, Direction, Weight): the two-file
    layout an Analyst's Notebook import specification maps column by column."""
    stem = out.with_suffix("")
    entities, links = Path(f"{stem}-entities.csv"), Path(f"{stem}-links.csv")
    keys = sorted({k for values in network.attributes.values() for k in values})
    with entities.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Entity ID", "Entity Type", "Label", *keys])
        for node in network.nodes:
            values = network.attributes.get(node, {})
            kind = "Telephone" if node.startswith("+") else "Person"
            writer.writerow(_safe([node, kind, node, *(values.get(k, "") for k in keys)]))
    direction = "Arrow on Head" if network.directed else "No Arrows"
    with links.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["From ID", "To ID", "Link Type", "Direction", "Weight"])
        for s, t, w in zip(
            network.sources.tolist(),
            network.targets.tolist(),
            network.weights.tolist(),
            strict=True,
        ):
            writer.writerow(
                _safe([network.nodes[s], network.nodes[t], "Contact", direction, f"{w:g}"])
            )
    return [entities, links]


def _safe(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run as formulas are prefixed with an apostrophe. A phone
    number's leading ``+`` is left alone: digits after it are not a formula to run."""
    return [
        "'" + cell
        if cell.startswith(FORMULA_STARTS) and not cell[1:].replace(" ", "").isdigit()
        else cell
        for cell in cells
    ]


def _ftm(network: Network, out: Path) -> Path:
    """One FollowTheMoney entity per line: a ``Person`` per actor (with the number as
    ``phone`` when it is one) and an ``UnknownLink`` per edge, its ``role`` giving the
    contact count."""
    from followthemoney import model

    ids: dict[str, str] = {}
    with out.open("w", encoding="utf-8") as handle:
        for node in network.nodes:
            person = model.make_entity("Person")
            person.make_id("fortress", network.name, node)
            person.add("name", node)
            if node.startswith("+"):
                person.add("phone", node, quiet=True)
            notes = "; ".join(f"{k}: {v}" for k, v in network.attributes.get(node, {}).items())
            if notes:
                person.add("notes", notes)
            ids[node] = str(person.id)
            handle.write(json.dumps(person.to_dict()) + "\n")
        for s, t, w in zip(
            network.sources.tolist(),
            network.targets.tolist(),
            network.weights.tolist(),
            strict=True,
        ):
            source, target = network.nodes[s], network.nodes[t]
            link = model.make_entity("UnknownLink")
            link.make_id("fortress", network.name, source, target)
            link.add("subject", ids[source])
            link.add("object", ids[target])
            link.add("role", f"{w:g} contacts" if network.weighted else "contact")
            handle.write(json.dumps(link.to_dict()) + "\n")
    return out
