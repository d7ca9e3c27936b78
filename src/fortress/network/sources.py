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
    people_roles,
)
from fortress.network.graph import Network, from_parsed, with_attributes
from fortress.network.phases import PhaseOrder, given_order, natural_order, phase_name
from fortress.sources.networks import Combine, Format, parse_networks
from fortress.store.workspace import Workspace


def read_networks(path: Path, fmt: Format = "auto", combine: Combine = "sum") -> list[Network]:
    """The network(s) in the file ``path`` (one, or one per phase of an edge list with a
    phase column); :class:`~fortress.sources.tabular.FileProblem` if it cannot be read."""
    return [from_parsed(parsed) for parsed in parse_networks(path, fmt, combine)]


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
    ``comms`` for the workspace's comms events (``workspace`` opens it on demand), its
    numbers carrying the roles of the latest deal-line detection (``role``, ``line``)."""
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
        roles = line_roles(workspace())
        if views.people:
            found = [as_people(n, roles.holders if roles else {}) for n in found]
        if roles is not None:
            found = [with_attributes(n, people_roles(roles, views.people)) for n in found]
        networks += found
    return [views.apply(network) for network in networks]


def load_phases(
    sources: list[str],
    views: Views,
    workspace: Callable[[], Workspace],
    order: list[str] | None = None,
) -> tuple[list[Network], PhaseOrder]:
    """The networks of ``sources`` as phases of one investigation, in order, and the
    order used. Several files are put in natural order of their names (``phase2`` before
    ``phase10``, whatever order the shell gave them), with a warning when the names do not
    decide it; ``order`` (phase names) sets it instead. The phases of one edge list keep
    the file's order (numbers in numeric order), and comms windows their time order."""
    if order is None and len(sources) > 1:
        stems = [source if source == COMMS_SOURCE else Path(source).stem for source in sources]
        positions, by_name = natural_order(stems)
        sources = [sources[i] for i in positions]
    networks = load_networks(sources, views, workspace)
    names = [phase_name(network) for network in networks]
    if order is not None:
        positions = given_order(names, order)
        return [networks[i] for i in positions], PhaseOrder(list(order), "as --order gives")
    if len(sources) > 1:
        return networks, PhaseOrder(names, by_name.how, by_name.warning)
    if sources == [COMMS_SOURCE]:
        return networks, PhaseOrder(names, "comms windows in time order")
    return networks, PhaseOrder(
        names, "as the file's phase column gives: numbers in numeric order, else as first met"
    )
