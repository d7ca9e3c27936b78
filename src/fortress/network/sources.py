"""Turn the SOURCE arguments of ``fortress network`` commands into networks, with the
views the user asked for applied explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fortress.network.comms import (
    COMMS_SOURCE,
    as_people,
    comms_network,
    comms_windows,
    line_roles,
)
from fortress.network.graph import Combine, Network
from fortress.sources.networks import Format, read_networks
from fortress.store.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Views:
    """How every loaded network is to be read."""

    undirected: bool = False
    unweighted: bool = False
    fmt: Format = "auto"
    combine: Combine = "sum"
    window_days: int | None = None
    """Cut ``comms`` into windows of this many days (one network each)."""
    people: bool = False
    """Collapse ``comms`` phones into people by the deal-line phone-holder attributions."""

    def apply(self, network: Network) -> Network:
        """``network`` in the chosen views."""
        if self.undirected:
            network = network.as_undirected(self.combine)
        if self.unweighted:
            network = network.as_unweighted()
        return network


def load_networks(
    sources: list[str], views: Views, workspace: Callable[[], Workspace]
) -> list[Network]:
    """Every network named by ``sources``: files (one network each, or one per phase) or
    ``comms`` for the workspace's comms events (``workspace`` opens it on demand)."""
    networks: list[Network] = []
    for source in sources:
        if source != COMMS_SOURCE:
            networks += read_networks(Path(source), views.fmt, views.combine)
            continue
        found = (
            comms_windows(workspace(), views.window_days)
            if views.window_days
            else [comms_network(workspace())]
        )
        if views.people:
            roles = line_roles(workspace())
            found = [as_people(n, roles.holders if roles else {}) for n in found]
        networks += found
    return [views.apply(network) for network in networks]
