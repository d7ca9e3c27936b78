"""Gould and Fernandez (1989) brokerage roles.

A node *b* brokers an open two-path *a -> b -> c* (no arc *a -> c*, *a* is not *c*). The
groups of *a*, *b* and *c* (a node attribute) name the role:

========================  ===============================  =============================
role                      groups                            reading
========================  ===============================  =============================
``coordinator``           a, b, c all in one group          within a group
``itinerant``             a and c in one group, b outside   an outsider between two members
``representative``        a and b in one group, c outside   speaks for its group outward
``gatekeeper``            b and c in one group, a outside   lets an outsider in
``liaison``               a, b, c in three groups           between two other groups
========================  ===============================  =============================

Counts are raw (unnormalised), as UCINET reports them. An undirected edge runs both ways,
so each open path is counted from both ends. Nodes without the attribute form one group,
named ``""``, and the result says how many there were.
"""

from __future__ import annotations

from fortress.network.graph import Network, neighbours

ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")


class GroupError(ValueError):
    """The group attribute is missing from every node."""


def brokerage_roles(network: Network, attribute: str) -> list[dict[str, int]]:
    """For each node (in ``network.nodes`` order), how many open two-paths it brokers in
    each role, and ``total``."""
    groups = [network.attributes.get(node, {}).get(attribute, "") for node in network.nodes]
    if not any(groups):
        raise GroupError(f"no node has the attribute {attribute!r}")
    outgoing, incoming = neighbours(network)
    result = []
    for b in range(network.node_count):
        counts = dict.fromkeys(ROLES, 0)
        for a in incoming[b]:
            for c in outgoing[b]:
                if a == c or c in outgoing[a]:
                    continue
                counts[_role(groups[a], groups[b], groups[c])] += 1
        counts["total"] = sum(counts.values())
        result.append(counts)
    return result


def _role(a: str, b: str, c: str) -> str:
    if a == b == c:
        return "coordinator"
    if a == c:
        return "itinerant"
    if a == b:
        return "representative"
    if b == c:
        return "gatekeeper"
    return "liaison"
