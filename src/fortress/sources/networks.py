"""Read networks from files: square adjacency matrices (UCINET-style CSV), edge lists
(CSV or TSV, with an optional phase column), GraphML, and JSON graphs (NDJSON node and
edge lines as in the ROXANNE collection, or networkx node-link JSON).

The format is told by the file's extension and content (``parse_networks(..., fmt=...)``
overrides it). Every problem is a :class:`~fortress.sources.tabular.FileProblem` naming
the file and, where there is one, the row and column; nothing is guessed silently: how a
file was read (directed or not, weighted or not, rows merged) is in each network's notes.

A source knows formats, not analyses: it returns :class:`ParsedNetwork`, plain rows as the
file gives them; ``fortress.network.sources`` builds the graph from them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree

from fortress.sources.tabular import FileProblem, refuse_binary

Combine = Literal["sum", "max", "last"]
"""How repeated rows for one pair become one edge: their total (the default: calls add
up), the largest, or the last row read (as networkx's ``Graph`` keeps)."""

Format = Literal["auto", "matrix", "edges", "graphml", "json"]
FORMATS: tuple[str, ...] = ("auto", "matrix", "edges", "graphml", "json")

SOURCE_NAMES = ("source", "from", "src", "caller", "sender", "ego", "i")
TARGET_NAMES = ("target", "to", "dst", "callee", "receiver", "alter", "j")
WEIGHT_NAMES = ("weight", "w", "calls", "count", "value")
PHASE_NAMES = ("phase", "period", "window", "time", "wave")


@dataclass(frozen=True)
class ParsedNetwork:
    """One network as a file gives it: (source, target, weight) rows in file order, the
    nodes in order (isolates included), node attributes, and how the file was read."""

    name: str
    directed: bool
    weighted: bool
    pairs: list[tuple[str, str, float]]
    nodes: list[str] = field(default_factory=list)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    combine: Combine = "sum"
    """How repeated rows for one pair are to be combined."""
    notes: tuple[str, ...] = ()


def parse_networks(
    path: Path, fmt: Format = "auto", combine: Combine = "sum"
) -> list[ParsedNetwork]:
    """The network(s) in ``path``: one, or one per phase of an edge list with a phase
    column. Raises :class:`FileProblem` for anything it cannot read."""
    try:
        return _parse(path, fmt, combine)
    except RecursionError as exc:
        raise FileProblem(path, "nested too deeply to be a network") from exc
    except UnicodeError as exc:
        raise FileProblem(path, f"holds text that cannot be read ({exc})") from exc
    except csv.Error as exc:
        raise FileProblem(path, f"not readable as CSV: {exc}") from exc


def _parse(path: Path, fmt: Format, combine: Combine) -> list[ParsedNetwork]:
    text = _read_text(path)
    kind = _detect(path, text) if fmt == "auto" else fmt
    if kind == "graphml":
        return [_graphml(path)]
    if kind == "json":
        return [_json_graph(path, text)]
    rows = _csv_rows(path, text)
    if kind == "matrix" or (kind == "auto" and _looks_like_matrix(rows)):
        return [_matrix(path, rows)]
    return _edge_list(path, rows, combine)


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem(path, f"cannot read: {exc.strerror or exc}") from exc
    refuse_binary(path, data[:4096])
    if not data.strip():
        raise FileProblem(path, "the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():  # a byte-order mark and nothing else, say
        raise FileProblem(path, "the file is empty")
    return text


def _detect(path: Path, text: str) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".graphml" or text.lstrip().startswith("<?xml"):
        return "graphml"
    if suffix in (".json", ".ndjson", ".jsonl") or text.lstrip()[:1] in ("{", "#"):
        return "json"
    return "auto"


def _csv_rows(path: Path, text: str) -> list[list[str]]:
    # CR-only line endings (old Mac exports) are normalised before splitting.
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line.strip()]
    sample = "\n".join(lines[:20])
    delimiter = _delimiter(path, sample)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    if delimiter == " ":
        rows = [[cell for cell in row if cell] for row in rows]
    return [[cell.strip() for cell in row] for row in rows]


def _delimiter(path: Path, sample: str) -> str:
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    if " " in sample:
        return " "
    raise FileProblem(path, "not a table: no comma, tab, semicolon or space separates columns")


def _looks_like_matrix(rows: list[list[str]]) -> bool:
    """A labelled square matrix: the header's labels are the first column's labels."""
    header = rows[0][1:]
    firsts = [row[0] for row in rows[1:] if row]
    return len(header) >= 2 and len(header) == len(firsts) and set(header) == set(firsts)


def _matrix(path: Path, rows: list[list[str]]) -> ParsedNetwork:
    labels = rows[0][1:]
    body = rows[1:]
    if len(set(labels)) != len(labels):
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        raise FileProblem(path, f"matrix labels repeat: {', '.join(repeated[:5])}", row=1)
    if len(body) != len(labels):
        raise FileProblem(
            path,
            f"not a square matrix: {len(labels)} column labels but {len(body)} rows "
            "(a two-mode, people-by-event matrix is not read as a network)",
        )
    values: dict[tuple[str, str], float] = {}
    for number, row in enumerate(body, start=2):
        if len(row) != len(labels) + 1:
            raise FileProblem(
                path, f"{len(row) - 1} values where {len(labels)} were expected", row=number
            )
        for label, cell in zip(labels, row[1:], strict=True):
            value = _number(path, cell or "0", number, label)
            if value:
                values[(row[0], label)] = value
    if set(row[0] for row in body) != set(labels):
        raise FileProblem(path, "row labels differ from column labels")
    symmetric = all(values.get((t, s)) == w for (s, t), w in values.items())
    binary = all(w == 1 for w in values.values())
    pairs = [(s, t, w) for (s, t), w in values.items() if not symmetric or s <= t]
    network = ParsedNetwork(
        path.stem, directed=not symmetric, weighted=not binary, pairs=pairs, nodes=labels
    )
    how = (
        "square matrix; symmetric, so read as undirected"
        if symmetric
        else "square matrix; not symmetric, so read as directed (row sends to column)"
    )
    how += "; binary, so unweighted" if binary else "; cell values are weights"
    return _noted(network, how)


def _number(path: Path, cell: str, row: int, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise FileProblem(path, f"column {column!r}: {cell!r} is not a number", row=row) from None
    if not math.isfinite(value) or value < 0:
        raise FileProblem(
            path, f"column {column!r}: {cell!r} is not a weight (negative or not finite)", row=row
        )
    return value


def _edge_list(path: Path, rows: list[list[str]], combine: Combine) -> list[ParsedNetwork]:
    columns, body, first_row = _edge_columns(path, rows)
    source, target = columns["source"], columns["target"]
    weight, phase = columns.get("weight"), columns.get("phase")
    by_phase: dict[str, list[tuple[str, str, float]]] = {}
    width = max(columns.values()) + 1
    for number, row in enumerate(body, start=first_row):
        if len(row) < width:
            raise FileProblem(path, f"{len(row)} columns where {width} were expected", row=number)
        if not row[source] or not row[target]:
            raise FileProblem(path, "a source or target is blank", row=number)
        w = _number(path, row[weight], number, "weight") if weight is not None else 1.0
        by_phase.setdefault(row[phase] if phase is not None else "", []).append(
            (row[source], row[target], w)
        )
    if not by_phase:
        raise FileProblem(path, "no edges: the file has a header and nothing else")
    how = f"edge list; read as directed (source to target); repeated pairs combined by {combine}"
    if weight is None:
        how += "; no weight column, so unweighted"
    networks = []
    for name, pairs in _phase_order(by_phase):
        label = f"{path.stem}:{name}" if phase is not None else path.stem
        network = ParsedNetwork(
            label, directed=True, weighted=weight is not None, pairs=pairs, combine=combine
        )
        networks.append(_noted(network, how))
    return networks


def _edge_columns(path: Path, rows: list[list[str]]) -> tuple[dict[str, int], list[list[str]], int]:
    """Column positions, the data rows and the first data row's number."""
    header = [cell.lower() for cell in rows[0]]
    found = {
        role: next((i for i, cell in enumerate(header) if cell in names), None)
        for role, names in (
            ("source", SOURCE_NAMES),
            ("target", TARGET_NAMES),
            ("weight", WEIGHT_NAMES),
            ("phase", PHASE_NAMES),
        )
    }
    if found["source"] is not None and found["target"] is not None:
        return {k: v for k, v in found.items() if v is not None}, rows[1:], 2
    first = rows[0]
    if (len(first) == 3 and _is_number(first[2])) or (
        len(first) == 2 and all(map(_is_number, first))
    ):
        positions = {"source": 0, "target": 1} | ({"weight": 2} if len(first) == 3 else {})
        return positions, rows, 1
    raise FileProblem(
        path,
        "not a matrix or an edge list: name the columns source and target (optionally "
        f"weight and phase), or give two or three columns without a header; found {rows[0]}",
        row=1,
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _phase_order(by_phase: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Phases in numeric order when they are numbers, else in order of appearance."""
    names = list(by_phase)
    if all(_is_number(name) for name in names):
        names.sort(key=float)
    for name in names:
        yield name, by_phase[name]


def _graphml(path: Path) -> ParsedNetwork:
    import networkx as nx

    try:
        graph = nx.read_graphml(path)
    except (ElementTree.ParseError, nx.NetworkXError, KeyError, ValueError) as exc:
        raise FileProblem(path, f"not readable as GraphML: {exc}") from exc
    return _from_networkx(path, graph, "GraphML")


def _json_graph(path: Path, text: str) -> ParsedNetwork:
    """A node-link JSON document, or else NDJSON node and edge lines."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    try:
        whole = _json(body)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and ("links" in whole or "edges" in whole):
        return _node_link(path, whole)
    return _ndjson(path, text)


def _node_link(path: Path, data: dict[str, Any]) -> ParsedNetwork:
    import networkx as nx

    key = "links" if "links" in data else "edges"
    try:
        graph = nx.node_link_graph(data, edges=key)
    except (nx.NetworkXError, KeyError, TypeError, ValueError) as exc:
        raise FileProblem(path, f"not a node-link graph: {exc}") from exc
    return _from_networkx(path, graph, "node-link JSON")


def _json(text: str) -> Any:
    """``json.loads``; a lone surrogate escape (``"\\ud800"``), which makes a string no
    file or table can hold, raises ``UnicodeEncodeError`` here rather than later."""
    value = json.loads(text)
    if "\\u" in text:
        json.dumps(value, ensure_ascii=False).encode()
    return value


def _ndjson(path: Path, text: str) -> ParsedNetwork:
    nodes: list[str] = []
    attributes: dict[str, dict[str, str]] = {}
    pairs: list[tuple[str, str, float]] = []
    weighted = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            item = _json(line)
        except json.JSONDecodeError as exc:
            raise FileProblem(path, f"not a JSON line: {exc.msg}", row=number) from None
        kind = item.get("type") if isinstance(item, dict) else None
        properties = item.get("properties") or {} if isinstance(item, dict) else {}
        if kind == "node" and "id" in item:
            node = str(item["id"])
            if node not in attributes:
                nodes.append(node)
            attributes.setdefault(node, {}).update(
                {str(k): str(v) for k, v in properties.items() if not isinstance(v, dict | list)}
            )
        elif kind == "edge" and "source" in item and "target" in item:
            given = properties.get("weight")
            weighted = weighted or given is not None
            w = _number(path, str(given), number, "weight") if given is not None else 1.0
            pairs.append((str(item["source"]), str(item["target"]), w))
        else:
            raise FileProblem(
                path, "expected a node (type, id) or an edge (type, source, target)", row=number
            )
    network = ParsedNetwork(
        path.stem, True, weighted, pairs=pairs, nodes=nodes, attributes=attributes
    )
    return _noted(network, "NDJSON nodes and edges; read as directed (source to target)")


def _from_networkx(path: Path, graph: Any, what: str) -> ParsedNetwork:
    weights = [d.get("weight") for _, _, d in graph.edges(data=True)]
    weighted = any(w is not None for w in weights)
    pairs = [(str(u), str(v), float(d.get("weight", 1.0))) for u, v, d in graph.edges(data=True)]
    attributes = {
        str(n): {str(k): str(v) for k, v in d.items() if not isinstance(v, dict | list)}
        for n, d in graph.nodes(data=True)
    }
    directed = bool(graph.is_directed())
    network = ParsedNetwork(
        path.stem,
        directed=directed,
        weighted=weighted,
        pairs=pairs,
        nodes=[str(n) for n in graph.nodes()],
        attributes=attributes,
    )
    how = f"{what}; {'directed' if directed else 'undirected'} as the file declares"
    return _noted(network, how + ("" if weighted else "; no weights, so unweighted"))


def _noted(network: ParsedNetwork, how: str) -> ParsedNetwork:
    return replace(network, notes=(how, *network.notes))
