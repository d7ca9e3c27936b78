"""One network as Fortress holds it: named nodes, arcs or edges with weights, and the
choices that shape every measure (directed or not, weighted or not) made explicit.

Edges are kept as parallel arrays of node indices and weights so that a 1M-edge comms
graph costs a few tens of MB; compiled libraries (NetworKit) do the computing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from fortress.sources.networks import Combine, ParsedNetwork

_COMBINED = {"sum": "their sum", "max": "the larger", "last": "the later row's"}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Network:
    """A graph with string node ids. ``weighted`` says whether the source gave weights
    (an unweighted source has every weight 1). Self-loops are never kept as edges: they
    are counted in ``self_loops`` and reported, because no measure here uses them."""

    name: str
    directed: bool
    weighted: bool
    nodes: list[str]
    sources: IntArray
    targets: IntArray
    weights: FloatArray
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    self_loops: int = 0
    notes: tuple[str, ...] = ()

    @property
    def node_count(self) -> int:
        """Number of nodes (isolates included)."""
        return len(self.nodes)

    @property
    def edge_count(self) -> int:
        """Number of arcs (directed) or edges (undirected)."""
        return len(self.sources)

    def index(self) -> dict[str, int]:
        """Node id to position."""
        return {node: i for i, node in enumerate(self.nodes)}

    def as_undirected(self, combine: Combine = "sum") -> Network:
        """The undirected view: an edge wherever an arc runs either way, weighing the sum
        of both directions (all calls between the pair), or as ``combine`` says."""
        if not self.directed:
            return self
        low = np.minimum(self.sources, self.targets)
        high = np.maximum(self.sources, self.targets)
        sources, targets, weights = _collapse(low, high, self.weights, combine)
        note = "undirected view: arcs both ways merged into one edge"
        if self.weighted:
            note += f" weighing {_COMBINED[combine]}"
        else:
            weights = np.ones(len(sources))
        return replace(
            self,
            directed=False,
            sources=sources,
            targets=targets,
            weights=weights,
            notes=(*self.notes, note),
        )

    def as_unweighted(self) -> Network:
        """Every weight set to 1."""
        if not self.weighted:
            return self
        return replace(
            self,
            weighted=False,
            weights=np.ones(self.edge_count),
            notes=(*self.notes, "unweighted view: every weight set to 1"),
        )

    def without(self, removed: set[str]) -> Network:
        """The network with ``removed`` nodes and their edges taken out."""
        keep = np.array([node not in removed for node in self.nodes], dtype=bool)
        position = np.cumsum(keep) - 1
        mask = keep[self.sources] & keep[self.targets]
        return replace(
            self,
            nodes=[node for node, kept in zip(self.nodes, keep, strict=True) if kept],
            sources=position[self.sources[mask]],
            targets=position[self.targets[mask]],
            weights=self.weights[mask],
            attributes={n: a for n, a in self.attributes.items() if n not in removed},
        )


def with_attributes(network: Network, attributes: dict[str, dict[str, str]]) -> Network:
    """``network`` with ``attributes`` merged into its nodes' attributes (nodes it does not
    hold are left out)."""
    if not attributes:
        return network
    merged = {node: dict(values) for node, values in network.attributes.items()}
    for node in network.nodes:
        if node in attributes:
            merged.setdefault(node, {}).update(attributes[node])
    return replace(network, attributes=merged)


def build(
    name: str,
    pairs: list[tuple[str, str, float]],
    *,
    directed: bool,
    weighted: bool,
    nodes: list[str] | None = None,
    attributes: dict[str, dict[str, str]] | None = None,
    combine: Combine = "sum",
) -> Network:
    """A network from (source, target, weight) rows. ``nodes`` lists nodes in order
    (isolates included); nodes met only in ``pairs`` follow in order of appearance.
    Repeated pairs are combined by ``combine``; self-loops are counted and set aside."""
    order: dict[str, int] = {node: i for i, node in enumerate(nodes or [])}
    for source, target, _ in pairs:
        order.setdefault(source, len(order))
        order.setdefault(target, len(order))
    loops = sum(1 for source, target, _ in pairs if source == target)
    kept = [(order[s], order[t], w) for s, t, w in pairs if s != t]
    src = np.array([s for s, _, _ in kept], dtype=np.int64)
    dst = np.array([t for _, t, _ in kept], dtype=np.int64)
    wts = np.array([w for _, _, w in kept], dtype=np.float64)
    if not directed:
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
    src, dst, wts = _collapse(src, dst, wts, combine)
    notes = (f"{loops} self-loop(s) set aside (no measure uses them)",) if loops else ()
    return Network(
        name=name,
        directed=directed,
        weighted=weighted,
        nodes=list(order),
        sources=src,
        targets=dst,
        weights=wts if weighted else np.ones(len(src)),
        attributes=attributes or {},
        self_loops=loops,
        notes=notes,
    )


def from_parsed(parsed: ParsedNetwork) -> Network:
    """The network a file gave (``fortress.sources.networks``), with how it was read first
    in its notes."""
    network = build(
        parsed.name,
        parsed.pairs,
        directed=parsed.directed,
        weighted=parsed.weighted,
        nodes=parsed.nodes,
        attributes=parsed.attributes,
        combine=parsed.combine,
    )
    return replace(network, notes=(*parsed.notes, *network.notes))


def _collapse(
    sources: IntArray, targets: IntArray, weights: FloatArray, combine: Combine
) -> tuple[IntArray, IntArray, FloatArray]:
    """One row per (source, target) pair, in order of first appearance."""
    if len(sources) == 0:
        return sources, targets, weights
    width = int(max(sources.max(), targets.max())) + 1
    keys, inverse = np.unique(sources * width + targets, return_inverse=True)
    rows = np.arange(len(sources))
    first = np.full(len(keys), len(sources))
    np.minimum.at(first, inverse, rows)
    if combine == "sum":
        combined: FloatArray = np.bincount(inverse, weights, minlength=len(keys)).astype(float)
    elif combine == "max":
        combined = np.full(len(keys), -np.inf)
        np.maximum.at(combined, inverse, weights)
    else:
        last = np.zeros(len(keys), dtype=np.int64)
        np.maximum.at(last, inverse, rows)
        combined = weights[last]
    order = np.argsort(first, kind="stable")
    pairs: IntArray = keys[order]
    return pairs // width, pairs % width, np.asarray(combined[order], dtype=np.float64)


def neighbours(network: Network) -> tuple[list[set[int]], list[set[int]]]:
    """Out- and in-neighbour sets per node (the same sets twice when undirected)."""
    outgoing: dict[int, set[int]] = defaultdict(set)
    incoming: dict[int, set[int]] = defaultdict(set)
    for s, t in zip(network.sources.tolist(), network.targets.tolist(), strict=True):
        outgoing[s].add(t)
        incoming[t].add(s)
        if not network.directed:
            outgoing[t].add(s)
            incoming[s].add(t)
    n = network.node_count
    return [outgoing[i] for i in range(n)], [incoming[i] for i in range(n)]


def from_columns(
    name: str,
    sources: list[str],
    targets: list[str],
    weights: list[float],
    *,
    directed: bool,
    notes: tuple[str, ...] = (),
) -> Network:
    """A weighted network from columns of distinct (source, target) pairs, such as an
    engine's aggregate; faster than :func:`build` for millions of rows."""
    ids, inverse = np.unique(np.asarray(sources + targets, dtype=object), return_inverse=True)
    count = len(sources)
    src, dst = inverse[:count].astype(np.int64), inverse[count:].astype(np.int64)
    wts = np.asarray(weights, dtype=np.float64)
    loops = src == dst
    network = Network(
        name=name,
        directed=True,
        weighted=True,
        nodes=[str(node) for node in ids],
        sources=src[~loops],
        targets=dst[~loops],
        weights=wts[~loops],
        self_loops=int(loops.sum()),
        notes=notes,
    )
    return network if directed else network.as_undirected()
