"""The bridge to NetworKit, the compiled graph library that does the computing."""

from __future__ import annotations

from typing import Literal

import networkit as nkit
import numpy as np

from fortress.network.graph import Network

WeightMeaning = Literal["strength", "distance"]
"""How path-based measures read a weight: as the strength of a tie (more calls, closer:
path length 1/weight, the usual reading for comms data; Opsahl et al. 2010), or as a
distance (path length = weight)."""


def to_networkit(network: Network, *, lengths: WeightMeaning | None = None) -> nkit.Graph:
    """The network as a NetworKit graph. With ``lengths``, weights become path lengths
    (``strength``: 1/weight; ``distance``: the weight); otherwise they stay strengths."""
    weights = network.weights
    if lengths == "strength" and network.weighted:
        weights = 1.0 / weights
    graph = nkit.graph.GraphFromCoo(
        (weights, (network.sources, network.targets)),
        n=network.node_count,
        weighted=network.weighted,
        directed=network.directed,
    )
    return graph


def seed(value: int) -> None:
    """Make NetworKit's randomised algorithms repeatable."""
    nkit.setSeed(value, False)
    np.random.seed(value)
