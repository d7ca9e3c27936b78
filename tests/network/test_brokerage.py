"""Gould-Fernandez brokerage roles against a brute-force count over every ordered triple."""

from __future__ import annotations

import itertools

import pytest

from fortress.network.brokerage import GroupError, brokerage_roles
from fortress.network.graph import Network, build

GROUPS = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C"}
ARCS = [
    ("a1", "a2"),  # a1 -> a2 -> a3: coordinator a2
    ("a2", "a3"),
    ("a1", "b1"),  # a1 -> b1 -> a3: itinerant b1
    ("b1", "a3"),
    ("a2", "c1"),  # a1 -> a2 -> c1: representative a2
    ("c1", "b1"),  # c1 -> b1 -> b2: gatekeeper b1
    ("b1", "b2"),
    ("b1", "c1"),  # a1 -> b1 -> c1: liaison b1 (and c1 -> b1 -> c1 is not a path)
]


def brute_force(arcs: set[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Every ordered triple (a, b, c) of distinct nodes with a->b, b->c and no a->c."""
    counts = {
        node: dict.fromkeys(
            ["coordinator", "itinerant", "representative", "gatekeeper", "liaison"], 0
        )
        for node in GROUPS
    }
    for a, b, c in itertools.permutations(GROUPS, 3):
        if (a, b) in arcs and (b, c) in arcs and (a, c) not in arcs:
            ga, gb, gc = GROUPS[a], GROUPS[b], GROUPS[c]
            role = (
                "coordinator"
                if ga == gb == gc
                else "itinerant"
                if ga == gc
                else "representative"
                if ga == gb
                else "gatekeeper"
                if gb == gc
                else "liaison"
            )
            counts[b][role] += 1
    return counts


def network(directed: bool = True) -> Network:
    return build(
        "triads",
        [(s, t, 1.0) for s, t in ARCS],
        directed=directed,
        weighted=False,
        nodes=list(GROUPS),
        attributes={node: {"group": group} for node, group in GROUPS.items()},
    )


def test_roles_match_a_brute_force_count() -> None:
    net = network()
    found = dict(zip(net.nodes, brokerage_roles(net, "group"), strict=True))
    expected = brute_force(set(ARCS))
    for node in GROUPS:
        assert {k: v for k, v in found[node].items() if k != "total"} == expected[node]
    assert found["a2"]["coordinator"] == 1 and found["a2"]["representative"] >= 1
    assert found["b1"]["itinerant"] >= 1 and found["b1"]["liaison"] >= 1
    assert found["b1"]["gatekeeper"] >= 1


def test_undirected_edges_run_both_ways() -> None:
    net = network(directed=False)
    both_ways = {(s, t) for s, t in ARCS} | {(t, s) for s, t in ARCS}
    found = dict(zip(net.nodes, brokerage_roles(net, "group"), strict=True))
    expected = brute_force(both_ways)
    for node in GROUPS:
        assert {k: v for k, v in found[node].items() if k != "total"} == expected[node]


def test_a_missing_group_attribute_is_an_error() -> None:
    with pytest.raises(GroupError, match="no node has the attribute 'gang'"):
        brokerage_roles(network(), "gang")
