"""Exploring the comms network a few numbers at a time, as a link chart does.

The network is held once as undirected adjacency (each pair of numbers with its calls and
messages both ways, and the first and last day they were in contact). A chart starts from a
line's numbers or one number and grows by expanding a node: its strongest contacts first, at
most ``cap`` at a time, with the rest counted ("and 120 more") and fetched on request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

import networkit as nkit
import numpy as np
import numpy.typing as npt

from fortress.comms.events import has_number_keys, is_subscriber, numbers_back, party_columns
from fortress.model import columns as c
from fortress.network.comms import NoCommsData
from fortress.network.graph import Network
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace

IntArray = npt.NDArray[np.int64]
EPOCH: Final = date(1970, 1, 1)
MOST_CAP: Final = 500
"""The most contacts one expansion adds (a browser draws thousands, but a person reads tens)."""


class UnknownNumber(LookupError):
    """A number that is not in the network."""


@dataclass(frozen=True)
class ContactGraph:
    """Undirected adjacency in compressed rows: node ``i``'s contacts are
    ``contacts[starts[i]:starts[i + 1]]``, strongest first, with the events between the two
    and (for comms) the first and last day of contact as days since 1970-01-01 (-1 unknown)."""

    name: str
    nodes: list[str]
    starts: IntArray
    contacts: IntArray
    events: IntArray
    first_day: IntArray
    last_day: IntArray
    roles: dict[str, dict[str, str]] = field(default_factory=dict)

    def position(self, node: str) -> int:
        """Where ``node`` is, or UnknownNumber."""
        found = self._index.get(node)
        if found is None:
            raise UnknownNumber(f"{node} is not in the {self.name} network")
        return found

    @property
    def _index(self) -> dict[str, int]:
        cached: dict[str, int] | None = self.__dict__.get("_index_cache")
        if cached is None:
            cached = {node: i for i, node in enumerate(self.nodes)}
            object.__setattr__(self, "_index_cache", cached)
        return cached

    def __contains__(self, node: object) -> bool:
        return node in self._index

    def degree(self, i: int) -> int:
        """How many contacts node ``i`` has in the whole network."""
        return int(self.starts[i + 1] - self.starts[i])


@dataclass(frozen=True, slots=True)
class ChartNode:
    """A node as the chart draws it."""

    id: str
    role: str
    line: str
    contacts: int
    """Contacts in the whole network (the chart may show fewer)."""


@dataclass(frozen=True, slots=True)
class ChartEdge:
    """A pair in contact, with its events both ways and first and last day (None unknown)."""

    source: str
    target: str
    events: int
    first_day: date | None
    last_day: date | None


@dataclass(frozen=True, slots=True)
class Expansion:
    """What an expansion adds to a chart: nodes, the edges that touch them, and for each
    expanded node how many of its contacts are still not on the chart."""

    nodes: list[ChartNode]
    edges: list[ChartEdge]
    more: dict[str, int]


def contact_graph(
    workspace: Workspace, roles: dict[str, dict[str, str]] | None = None
) -> ContactGraph:
    """The workspace's comms network between subscribers, with each pair's days of contact."""
    backend = event_tables.connect(workspace)
    events = event_tables.table(backend, workspace, COMMS)
    if events is None:
        raise NoCommsData("the workspace holds no comms events: ingest some first")
    keyed = has_number_keys(events)
    a, b = party_columns(keyed)
    chosen = events.filter(is_subscriber(events, "a") & is_subscriber(events, "b"))
    chosen = chosen.filter(chosen[a] != chosen[b])
    day = chosen[c.START_UTC].date()
    counted = chosen.group_by(a=chosen[a], b=chosen[b]).aggregate(
        events=chosen.count(), first=day.min(), last=day.max()
    )
    pairs = numbers_back(counted, keyed, "a", "b").to_pyarrow()
    if pairs.num_rows == 0:
        raise NoCommsData("no calls or messages between subscribers")
    first = _days(pairs["first"].to_numpy(zero_copy_only=False))
    last = _days(pairs["last"].to_numpy(zero_copy_only=False))
    counts = pairs["events"].to_numpy().astype(np.int64)
    a, b = pairs["a"].to_pylist(), pairs["b"].to_pylist()
    return _adjacency("comms", a, b, counts, first, last, roles or {})


def _days(values: npt.NDArray[np.generic]) -> IntArray:
    return values.astype("datetime64[D]").astype(np.int64)


def from_network(network: Network) -> ContactGraph:
    """A loaded network file as a contact graph (weights as events; no days known)."""
    undirected = network.as_undirected()
    names = undirected.nodes
    unknown = np.full(undirected.edge_count, -1, dtype=np.int64)
    roles = {n: {"role": a.get("role", ""), "line": a.get("line", "")}
             for n, a in undirected.attributes.items()}  # fmt: skip
    return _adjacency(network.name, [names[i] for i in undirected.sources],
                      [names[i] for i in undirected.targets],
                      np.rint(undirected.weights).astype(np.int64).clip(min=1), unknown, unknown,
                      roles, nodes=names)  # fmt: skip


def _adjacency(
    name: str,
    sources: list[str],
    targets: list[str],
    events: IntArray,
    first: IntArray,
    last: IntArray,
    roles: dict[str, dict[str, str]],
    nodes: list[str] | None = None,
) -> ContactGraph:
    ids, inverse = np.unique(np.asarray(list(nodes or []) + sources + targets, dtype=object),
                             return_inverse=True)  # fmt: skip
    offset, count = len(nodes or []), len(sources)
    a, b = inverse[offset : offset + count], inverse[offset + count :]
    low, high = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((high, low))
    low, high, events, first, last = (
        low[order],
        high[order],
        events[order],
        first[order],
        last[order],
    )
    new_pair = np.ones(count, dtype=bool)
    new_pair[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    starts = np.flatnonzero(new_pair)
    low, high = low[starts], high[starts]
    events = np.add.reduceat(events, starts)
    known_first = np.where(first < 0, np.iinfo(np.int64).max, first)
    first = np.minimum.reduceat(known_first, starts)
    first[first == np.iinfo(np.int64).max] = -1
    last = np.maximum.reduceat(last, starts)
    both = np.concatenate([low, high]), np.concatenate([high, low])
    weight = np.concatenate([events, events])
    days_first, days_last = np.concatenate([first, first]), np.concatenate([last, last])
    rows = np.lexsort((both[1], -weight, both[0]))  # by node, strongest contact first
    counts = np.bincount(both[0], minlength=len(ids))
    return ContactGraph(
        name=name,
        nodes=[str(node) for node in ids],
        starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        contacts=both[1][rows].astype(np.int64),
        events=weight[rows].astype(np.int64),
        first_day=days_first[rows].astype(np.int64),
        last_day=days_last[rows].astype(np.int64),
        roles=roles,
    )


def expand(
    graph: ContactGraph, numbers: list[str], on_chart: set[str], cap: int, skip: int = 0
) -> Expansion:
    """Expand each of ``numbers``: its strongest contacts not yet ``on_chart``, after the
    first ``skip`` of them, at most ``cap`` each; with every edge between what is added and
    what the chart holds."""
    cap = max(1, min(cap, MOST_CAP))
    chart = {graph.position(n) for n in on_chart if n in graph}
    expanded = [graph.position(n) for n in numbers]
    added: list[int] = [i for i in expanded if i not in chart]
    chart.update(expanded)
    for i in expanded:
        fresh = [int(j) for j in graph.contacts[graph.starts[i] : graph.starts[i + 1]]
                 if int(j) not in chart]  # fmt: skip
        taken = fresh[skip : skip + cap]
        added += taken
        chart.update(taken)
    return Expansion(
        nodes=[_chart_node(graph, i) for i in added],
        edges=_edges_touching(graph, set(added), chart),
        more={graph.nodes[i]: _left_off(graph, i, chart) for i in expanded},
    )


def _left_off(graph: ContactGraph, i: int, chart: set[int]) -> int:
    """How many of node ``i``'s contacts are not on the chart."""
    contacts = graph.contacts[graph.starts[i] : graph.starts[i + 1]]
    return int(sum(1 for j in contacts if int(j) not in chart))


def start(graph: ContactGraph, seeds: list[str], hops: int, cap: int) -> Expansion:
    """A chart of ``seeds`` and their contacts out to ``hops`` steps, ``cap`` per node."""
    on_chart: set[str] = set()
    nodes: dict[str, ChartNode] = {}
    edges: dict[tuple[str, str], ChartEdge] = {}
    frontier = list(dict.fromkeys(seeds))
    expanded: list[str] = []
    for _ in range(max(1, min(hops, 3))):
        grown = expand(graph, frontier, on_chart, cap)
        nodes |= {node.id: node for node in grown.nodes}
        edges |= {(e.source, e.target): e for e in grown.edges}
        on_chart |= set(nodes)
        expanded += frontier
        frontier = [node.id for node in grown.nodes if node.id not in frontier]
    chart = {graph.position(n) for n in on_chart}
    more = {n: _left_off(graph, graph.position(n), chart) for n in expanded}
    return Expansion(list(nodes.values()), list(edges.values()), more)


def everything(graph: ContactGraph) -> Expansion:
    """Every node and edge of ``graph`` (a loaded file small enough to draw whole)."""
    every = set(range(len(graph.nodes)))
    return Expansion([_chart_node(graph, i) for i in sorted(every)],
                     _edges_touching(graph, every, every), {})  # fmt: skip


def layout(expansion: Expansion) -> dict[str, tuple[float, float]]:
    """Positions for a chart's nodes: each connected part laid out by PivotMDS (Brandes and
    Pich 2006, NetworKit; linear time, so thousands of nodes take a fraction of a second),
    the parts side by side, largest first. The browser refines small charts itself."""
    index = {node.id: i for i, node in enumerate(expansion.nodes)}
    graph = nkit.Graph(len(index))
    for edge in expansion.edges:
        graph.addEdge(index[edge.source], index[edge.target])
    parts = nkit.components.ConnectedComponents(graph)
    parts.run()
    placed: dict[str, tuple[float, float]] = {}
    names = [node.id for node in expansion.nodes]
    cursor_x, row_y, row_height = 0.0, 0.0, 0.0
    for members in sorted(parts.getComponents(), key=len, reverse=True):
        coords = _part_layout(graph, members)
        size = max(1.0, math.sqrt(len(members)))
        if cursor_x > 4 * math.sqrt(len(index)):  # start a new row of parts
            cursor_x, row_y, row_height = 0.0, row_y - row_height - 1, 0.0
        for node, (x, y) in zip(members, coords, strict=True):
            placed[names[node]] = (cursor_x + x * size, row_y + y * size)
        cursor_x += 2 * size + 1
        row_height = max(row_height, 2 * size)
    return placed


def _part_layout(graph: nkit.Graph, members: list[int]) -> list[tuple[float, float]]:
    """One connected part's positions within [-1, 1]."""
    if len(members) < 3:
        return [(float(k), 0.0) for k in range(len(members))]
    part = nkit.graphtools.subgraphFromNodes(graph, members, compact=True)
    algorithm = nkit.viz.PivotMDS(part, 2, min(30, len(members)))
    algorithm.run()
    coords = np.asarray(algorithm.getCoordinates(), dtype=np.float64)
    coords -= coords.mean(axis=0)
    scale = float(np.abs(coords).max()) or 1.0
    return [(float(x) / scale, float(y) / scale) for x, y in coords]


def _chart_node(graph: ContactGraph, i: int) -> ChartNode:
    node = graph.nodes[i]
    role = graph.roles.get(node, {})
    return ChartNode(node, role.get("role", ""), role.get("line", ""), graph.degree(i))


def _edges_touching(graph: ContactGraph, added: set[int], chart: set[int]) -> list[ChartEdge]:
    edges = []
    for i in sorted(added):
        span = slice(graph.starts[i], graph.starts[i + 1])
        for j, events, first, last in zip(graph.contacts[span], graph.events[span],
                                          graph.first_day[span], graph.last_day[span],
                                          strict=True):  # fmt: skip
            j = int(j)
            if j in chart and (j not in added or i < j):
                low, high = sorted((graph.nodes[i], graph.nodes[j]))
                edges.append(ChartEdge(low, high, int(events), _day(first), _day(last)))
    return edges


def _day(days: np.int64) -> date | None:
    return None if days < 0 else EPOCH + timedelta(days=int(days))


def subnetwork(graph: ContactGraph, nodes: list[str]) -> Network:
    """The network among ``nodes`` (those on a chart), with their roles, for measures and
    the disruption what-if."""
    from fortress.network.graph import build

    inside = {graph.position(n) for n in nodes}
    pairs = []
    for i in sorted(inside):
        span = slice(graph.starts[i], graph.starts[i + 1])
        for j, events in zip(graph.contacts[span], graph.events[span], strict=True):
            if int(j) in inside and i < int(j):
                pairs.append((graph.nodes[i], graph.nodes[int(j)], float(events)))
    roles = {n: graph.roles[n] for n in nodes if n in graph.roles}
    return build(f"{graph.name}: the chart's {len(inside)} nodes", pairs, directed=False,
                 weighted=True, nodes=sorted(nodes), attributes=roles)  # fmt: skip
