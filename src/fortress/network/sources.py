"""Turn the SOURCE arguments of ``fortress network`` commands into networks, with the
views the user asked for applied explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fortress.network.comms import COMMS_SOURCE, comms_network, comms_windows
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
        if source == COMMS_SOURCE and views.window_days:
            networks += comms_windows(workspace(), views.window_days)
        elif source == COMMS_SOURCE:
            networks.append(comms_network(workspace()))
        else:
            networks += read_networks(Path(source), views.fmt, views.combine)
    return [views.apply(network) for network in networks]
