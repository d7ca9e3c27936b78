"""Exports so that nothing is trapped in Fortress: GraphML and GEXF (Gephi, yEd, igraph),
CSV entity and link files that i2 Analyst's Notebook imports, and FollowTheMoney
entities (Aleph).

Each carries the node attributes and edge weights; the i2 and FollowTheMoney files name
their columns and schemata in ``docs/methods/networks.md``. A file name without the
format's extension gets it, and no file is replaced unless ``force`` says so.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Literal

from fortress.model.values import REGISTRY
from fortress.network.graph import Network

ExportFormat = Literal["graphml", "gexf", "i2", "ftm"]
EXPORT_FORMATS: tuple[str, ...] = ("graphml", "gexf", "i2", "ftm")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "graphml": (".graphml", ".xml"),
    "gexf": (".gexf",),
    "i2": (".csv",),
    "ftm": (".json", ".jsonl", ".ndjson", ".ftm"),
}
"""Per format, the extensions a file of it may have; the first is added when missing."""
ADDED = {"graphml": ".graphml", "gexf": ".gexf", "i2": "", "ftm": ".ftm.json"}


class WouldOverwrite(FileExistsError):
    """An export whose files are already there (and ``force`` was not given)."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        names = ", ".join(str(path) for path in paths)
        super().__init__(f"{names} already exist(s): nothing written; --force replaces")


def export_paths(fmt: ExportFormat, out: Path) -> list[Path]:
    """The files an export of ``fmt`` to ``out`` writes: ``out`` with the format's
    extension added when it has none of the format's; for ``i2``, ``STEM-entities.csv``
    and ``STEM-links.csv``."""
    if fmt == "i2":
        stem = out.with_suffix("") if out.suffix.lower() == ".csv" else out
        return [Path(f"{stem}-entities.csv"), Path(f"{stem}-links.csv")]
    if out.suffix.lower() in EXTENSIONS[fmt]:
        return [out]
    return [out.with_name(out.name + ADDED[fmt])]


def export(network: Network, fmt: ExportFormat, out: Path, *, force: bool = False) -> list[Path]:
    """Write ``network`` as ``fmt`` to ``out`` (a file; for ``i2``, the stem of two files;
    see :func:`export_paths`). Returns the files written. Raises :class:`WouldOverwrite`,
    writing nothing, when a file is already there and not ``force``."""
    paths = export_paths(fmt, out)
    present = [path for path in paths if path.exists()]
    if present and not force:
        raise WouldOverwrite(present)
    if fmt in ("graphml", "gexf"):
        return [_networkx_file(network, fmt, paths[0])]
    if fmt == "i2":
        return _i2(network, paths[0], paths[1])
    return [_ftm(network, paths[0])]


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


def _i2(network: Network, entities: Path, links: Path) -> list[Path]:
    """``<stem>-entities.csv`` (Entity ID, Entity Type, Label, attributes) and
    ``<stem>-links.csv`` (From ID, To ID, Link Type, Direction, Weight): the two-file
    layout an Analyst's Notebook import specification maps column by column."""
    keys = sorted({k for values in network.attributes.values() for k in values})
    with entities.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Entity ID", "Entity Type", "Label", *keys])
        for node in network.nodes:
            values = network.attributes.get(node, {})
            kind = "Telephone" if is_number(node) else "Person"
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


def is_number(node: str) -> bool:
    """Whether a node is a phone number (E.164), not a named actor."""
    return REGISTRY["msisdn"].validate(node)


def _ftm(network: Network, out: Path) -> Path:
    """One FollowTheMoney entity per line, as FollowTheMoney models calls: a phone number
    is not an entity of its own but the ``callerNumber`` or ``receiverNumber`` of a
    ``Call``; a named actor is a ``Person`` (``name``, attributes in ``notes``).

    * an arc between numbers, or between a number and an actor, is a ``Call`` with the
      numbers and, for an actor, ``caller`` or ``receiver``; its ``summary`` gives the
      contact count (one ``Call`` per pair stands for all the contacts the network
      aggregates), its ``description`` the roles and other attributes of the numbers;
    * an arc between two actors is an ``UnknownLink`` (``subject``, ``object``, ``role``
      = "N contacts"): a file's tie between people need not be a call.

    Numbers are written as Fortress cleaned them: followthemoney's own phone cleaning
    drops numbers it thinks unallocated (Ofcom's drama ranges among them), so they are
    added as already clean and its validator refuses those few."""
    from followthemoney import model

    ids: dict[str, str] = {}
    with out.open("w", encoding="utf-8") as handle:
        for node in network.nodes:
            if is_number(node):
                continue
            person = model.make_entity("Person")
            person.make_id("fortress", network.name, node)
            person.add("name", node)
            notes = _attributes_text(network, node)
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
            count = f"{w:g} contacts" if network.weighted else "contact"
            if source in ids and target in ids:
                link = model.make_entity("UnknownLink")
                link.make_id("fortress", network.name, source, target)
                link.add("subject", ids[source])
                link.add("object", ids[target])
                link.add("role", count)
                handle.write(json.dumps(link.to_dict()) + "\n")
                continue
            call = model.make_entity("Call")
            call.make_id("fortress", network.name, source, target)
            for node, (entity, number) in (
                (source, ("caller", "callerNumber")),
                (target, ("receiver", "receiverNumber")),
            ):
                if node in ids:
                    call.add(entity, ids[node])
                else:
                    call.add(number, node, cleaned=True)
            call.add("summary", f"{count} from {source} to {target} ({network.name})")
            roles = [
                f"{side} {node}: {_attributes_text(network, node)}"
                for side, node in (("caller", source), ("receiver", target))
                if node not in ids and network.attributes.get(node)
            ]
            if roles:
                call.add("description", "; ".join(roles))
            handle.write(json.dumps(call.to_dict()) + "\n")
    return out


def _attributes_text(network: Network, node: str) -> str:
    return "; ".join(f"{k}: {v}" for k, v in network.attributes.get(node, {}).items())
