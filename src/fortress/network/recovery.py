"""How a network answers a removal: two documented recovery rules.

* **Replacement** (Bright et al. 2017, "Criminal network vulnerabilities and adaptations",
  *Global Crime* 18(4); Duijn, Kashirin and Sloot 2014, "The relative ineffectiveness of
  criminal network disruption", *Scientific Reports* 4:4238): with probability ``replace``
  a removed actor is replaced by a newcomer, who takes over each of the actor's ties to
  those still present with probability ``inherit``. In comms data this is the successor
  number of a blocked deal line, or a new runner on the same customers.
* **Reconnection** (Morselli and Petit 2007, "Law-enforcement disruption of a drug
  importation network", *Global Crime* 8(2); Duijn et al. 2014): with probability
  ``reconnect`` the removed actor's contacts re-form around the best connected of them,
  who links to each of the others (a broker's role taken over from within).

The probabilities are the analyst's scenario, not estimates: the literature shows both
happen, not how often for a given network. ``--recovery`` presets name common scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from fortress.network.graph import Network


@dataclass(frozen=True, slots=True)
class Recovery:
    """The scenario: how likely each recovery rule fires per removed actor."""

    replace: float = 0.0
    inherit: float = 0.75
    reconnect: float = 0.0

    @property
    def active(self) -> bool:
        """Whether the network recovers at all."""
        return self.replace > 0 or self.reconnect > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready scenario: ``{"model": "none"}`` when the network does not recover."""
        if not self.active:
            return {"model": "none"}
        return {
            "model": "replacement and reconnection (docs/methods/networks.md)",
            "replace": self.replace,
            "inherit": self.inherit,
            "reconnect": self.reconnect,
        }


PRESETS = {
    "none": Recovery(),
    "replacement": Recovery(replace=0.8, inherit=0.75),
    "reconnection": Recovery(reconnect=0.8),
    "both": Recovery(replace=0.5, inherit=0.75, reconnect=0.5),
}


def recover(
    current: Network,
    original: Network,
    removed: list[str],
    recovery: Recovery,
    rng: np.random.Generator,
) -> Network:
    """``current`` after the network's answer to the removal of ``removed``."""
    if not recovery.active:
        return current
    position = current.index()
    original_index = original.index()
    ties = _ties(original)
    nodes = list(current.nodes)
    new_sources: list[int] = []
    new_targets: list[int] = []
    new_weights: list[float] = []
    for actor in removed:
        contacts = [
            (position[original.nodes[j]], w)
            for j, w in ties.get(original_index.get(actor, -1), [])
            if original.nodes[j] in position
        ]
        if not contacts:
            continue
        if rng.random() < recovery.replace:
            newcomer = len(nodes)
            nodes.append(f"{actor} (replacement)")
            for j, w in contacts:
                if rng.random() < recovery.inherit:
                    new_sources.append(newcomer)
                    new_targets.append(j)
                    new_weights.append(w)
        if len(contacts) > 1 and rng.random() < recovery.reconnect:
            hub = max(contacts, key=lambda c: (c[1], -c[0]))[0]
            for j, _ in contacts:
                if j != hub:
                    new_sources.append(hub)
                    new_targets.append(j)
                    new_weights.append(1.0)
    if not new_sources:
        return current
    return replace(
        current,
        nodes=nodes,
        sources=np.concatenate([current.sources, np.array(new_sources, dtype=np.int64)]),
        targets=np.concatenate([current.targets, np.array(new_targets, dtype=np.int64)]),
        weights=np.concatenate([current.weights, np.array(new_weights, dtype=np.float64)]),
    )


def _ties(network: Network) -> dict[int, list[tuple[int, float]]]:
    ties: dict[int, list[tuple[int, float]]] = {}
    for s, t, w in zip(
        network.sources.tolist(), network.targets.tolist(), network.weights.tolist(), strict=True
    ):
        ties.setdefault(s, []).append((t, w))
        ties.setdefault(t, []).append((s, w))
    return ties
