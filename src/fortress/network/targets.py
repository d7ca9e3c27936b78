"""Key players: the set of k actors whose removal fragments the network most (Borgatti
2006, "Identifying sets of key players in a social network", *Computational and
Mathematical Organization Theory* 12:21-34, KPP-Neg), beside the k most central actors.

Fragmentation of what remains after removing a set: ``F = 1 - sum s(s-1) / (n(n-1))``
over the sizes ``s`` of the remaining connected components (undirected view), ``n`` the
number of remaining actors: 0 when everyone can still reach everyone, 1 when no one can
reach anyone. The search is Borgatti's: start from the top k by betweenness (and again
from the top k by degree), then swap a member for a candidate while that raises F.
Candidates are every actor in networks of at most ``ALL_CANDIDATES_UP_TO`` actors, else
the most central ``candidates``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from fortress.network.graph import Network
from fortress.network.measures import DEFAULT_PIVOTS, EXACT_UP_TO, estimate_betweenness
from fortress.network.nk import to_networkit

ALL_CANDIDATES_UP_TO = 500
SAME = 1e-12
"""Fragmentations closer than this are equal."""


@dataclass(frozen=True, slots=True)
class Member:
    """An actor of a set, with its degree and betweenness (undirected, unweighted view)."""

    node: str
    degree: int
    betweenness: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"node": self.node, "degree": self.degree, "betweenness": self.betweenness}


@dataclass(frozen=True, slots=True)
class TargetSet:
    """A set of actors and what removing it leaves: the fragmentation F, the largest
    component as a share of the actors remaining, and the number of components."""

    members: tuple[Member, ...]
    fragmentation: float
    largest_component_share: float
    components: int

    @property
    def nodes(self) -> tuple[str, ...]:
        """The members' names, in the set's order."""
        return tuple(member.node for member in self.members)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "members": [member.to_dict() for member in self.members],
            "fragmentation": self.fragmentation,
            "largest_component_share": self.largest_component_share,
            "components": self.components,
        }


@dataclass(frozen=True, slots=True)
class KeyPlayers:
    """The key-player set of size ``k`` beside the top ``k`` by degree and by betweenness,
    the fragmentation before any removal, how the search went and what the sets' figures
    say (``trade_off``)."""

    network: str
    k: int
    fragmentation_before: float
    search: str
    key_players: TargetSet
    top_degree: TargetSet
    top_betweenness: TargetSet
    trade_off: str

    @property
    def sets(self) -> dict[str, TargetSet]:
        """The three sets by name, in the order they are shown."""
        return {
            "key_players": self.key_players,
            "top_degree": self.top_degree,
            "top_betweenness": self.top_betweenness,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "network": self.network,
            "k": self.k,
            "fragmentation_before": self.fragmentation_before,
            "search": self.search,
            "sets": {name: found.to_dict() for name, found in self.sets.items()},
            "trade_off": self.trade_off,
        }


def fragmentation(undirected: Network, removed: set[int]) -> float:
    """F of ``undirected`` without the actors at positions ``removed``."""
    keep = np.ones(undirected.node_count, dtype=bool)
    keep[list(removed)] = False
    n = int(keep.sum())
    if n < 2:
        return 1.0
    mask = keep[undirected.sources] & keep[undirected.targets]
    position = np.cumsum(keep) - 1
    adjacency = sparse.csr_matrix(
        (np.ones(int(mask.sum())), (position[undirected.sources[mask]],
                                    position[undirected.targets[mask]])),
        shape=(n, n),
    )  # fmt: skip
    _, labels = csgraph.connected_components(adjacency, directed=False)
    sizes = np.bincount(labels).astype(float)
    return float(1 - np.sum(sizes * (sizes - 1)) / (n * (n - 1)))


def key_players(network: Network, k: int, candidates: int = 100) -> KeyPlayers:
    """The key-player set of size ``k`` beside the top-k by degree and by betweenness."""
    if not 1 <= k < network.node_count:
        raise ValueError(f"k must be between 1 and {network.node_count - 1}")
    undirected = network.as_undirected().as_unweighted()
    n = undirected.node_count
    degree = np.bincount(np.concatenate([undirected.sources, undirected.targets]), minlength=n)
    graph = to_networkit(undirected)
    betweenness = estimate_betweenness(graph, n <= EXACT_UP_TO, DEFAULT_PIVOTS).scores
    by_degree = _top(degree.astype(float), k)
    by_betweenness = _top(betweenness, k)
    pool = (
        list(range(n))
        if n <= ALL_CANDIDATES_UP_TO
        else sorted(
            set(_top(betweenness, candidates)) | set(_top(degree.astype(float), candidates))
        )
    )
    searches = [_swap_search(undirected, start, pool) for start in (by_betweenness, by_degree)]
    chosen, swaps = max(searches, key=lambda found: fragmentation(undirected, set(found[0])))
    key, central, connected = (
        _describe(network, undirected, members, degree, betweenness)
        for members in (chosen, by_betweenness, by_degree)
    )
    before = fragmentation(undirected, set())
    return KeyPlayers(
        network=network.name,
        k=k,
        fragmentation_before=before,
        search=f"greedy swaps from the top {k} by betweenness and by degree over "
        f"{len(pool)} candidates; the better result kept ({swaps} improving swaps)",
        key_players=key,
        top_degree=connected,
        top_betweenness=central,
        trade_off=_trade_off(key, central, connected, degree, undirected.index(), before),
    )


def _top(scores: np.ndarray, k: int) -> list[int]:
    order = np.lexsort((np.arange(len(scores)), -np.round(scores, 12)))
    return [int(i) for i in order[:k]]


def _swap_search(undirected: Network, start: list[int], pool: list[int]) -> tuple[list[int], int]:
    chosen = list(start)
    best = fragmentation(undirected, set(chosen))
    swaps = 0
    improved = True
    while improved:
        improved = False
        for slot in range(len(chosen)):
            for candidate in pool:
                if candidate in chosen:
                    continue
                trial = [*chosen[:slot], candidate, *chosen[slot + 1 :]]
                value = fragmentation(undirected, set(trial))
                if value > best + 1e-12:
                    chosen, best, improved = trial, value, True
                    swaps += 1
    return chosen, swaps


def _describe(
    network: Network,
    undirected: Network,
    members: list[int],
    degree: np.ndarray,
    betweenness: np.ndarray,
) -> TargetSet:
    removed = set(members)
    remaining = undirected.without({network.nodes[i] for i in removed})
    keep = undirected.node_count - len(removed)
    _, labels = csgraph.connected_components(
        sparse.csr_matrix(
            (np.ones(remaining.edge_count), (remaining.sources, remaining.targets)),
            shape=(keep, keep),
        ),
        directed=False,
    )
    return TargetSet(
        members=tuple(
            Member(network.nodes[i], int(degree[i]), float(betweenness[i])) for i in members
        ),
        fragmentation=fragmentation(undirected, removed),
        largest_component_share=float(np.bincount(labels).max() / keep) if keep else 0.0,
        components=int(labels.max() + 1) if keep else 0,
    )


def _trade_off(
    key: TargetSet,
    central: TargetSet,
    by_degree: TargetSet,
    degree: np.ndarray,
    position: dict[str, int],
    before: float,
) -> str:
    """What the three sets' figures say, and nothing they do not: each sentence is
    chosen by comparing the figures printed in it (to 12 decimals). ``degree`` is
    indexed by ``position``, the network's node positions."""
    text = (
        f"Removing the key-player set leaves fragmentation {key.fragmentation:.3f} and a "
        f"largest component of {key.largest_component_share:.0%} of those remaining; the "
        f"{len(central.members)} most central by betweenness leave "
        f"{central.fragmentation:.3f} and {central.largest_component_share:.0%}, and the "
        f"top by degree {by_degree.fragmentation:.3f} (before any removal: {before:.3f})."
    )
    if all(found.fragmentation <= before + SAME for found in (key, by_degree, central)):
        return text + (
            f" None of these sets splits the network further: the best set of "
            f"{len(key.members)} the search found leaves the others as connected as they were."
        )
    only_key = [node for node in key.nodes if node not in central.nodes]
    only_central = [node for node in central.nodes if node not in key.nodes]
    if not only_key:
        return text + (
            " The most central by betweenness are the key-player set itself: no swap the "
            "search tried fragments the network more."
        )
    swapped_in = ", ".join(f"{node} (degree {degree[position[node]]})" for node in only_key)
    swapped_out = ", ".join(f"{node} (degree {degree[position[node]]})" for node in only_central)
    text += f" The key-player set takes {swapped_in} instead of {swapped_out}"
    if key.fragmentation > central.fragmentation + SAME:
        return text + (
            ": actors whose contacts stay connected to each other without them matter less "
            "to the structure than those whose removal cuts groups apart, however central."
        )
    return text + (
        ", and the two sets fragment the network equally: either serves, and which to "
        "choose is a matter of what else is known about them."
    )
