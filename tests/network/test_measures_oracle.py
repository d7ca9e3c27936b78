"""Fortress's network measures agree with networkx on every real network in
``../shared/data``: to 1e-9 where both compute exactly (degrees, betweenness, closeness,
cores, density, components), and to the iteration tolerance where both iterate
(eigenvector, PageRank)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from scipy.stats import spearmanr

from fortress.network.graph import Network
from fortress.network.measures import (
    KATZ_DIRECT_UP_TO,
    MeasureOptions,
    NotDefined,
    collective_influence_scores,
    katz_scores,
    measure,
)
from fortress.network.sources import read_networks

REAL_NETWORKS = [
    *(f"caviar/original_mitx_phases/phase{k}.csv" for k in range(1, 12)),
    "caviar/ucinet_full/morselli_caviar_full_110x110.csv",
    "caviar/derived/caviar_phases_directed_edgelist.csv",
    "montagna/original_cavallaro2020/Montagna_meetings_edgelist.csv",
    "montagna/original_cavallaro2020/Montagna_phonecalls_edgelist.csv",
    "montagna/attributes_macdonald/montagna_kinship.csv",
    "montagna/DF_igraph_export/mcmacdonald_luciaetal_montagna_40x40.csv",
    *(
        f"ucinet_covert_networks/matrices_mcmacdonald/{name}.csv"
        for name in (
            "morselli_cielnet",
            "morselli_siren",
            "morselli_togo",
            "natajaran_cocaine",
            "natajaran_heroin",
            "berlusconietal_oversize",
            "LONDON_GANG",
            "MONTREALGANG",
            "ITALIAN_GANGS",
            "macdonald_tfc",
        )
    ),
    *(
        f"roxanne_l3s_networks/{name}.json"
        for name in (
            "csi_indiap_s01e07",
            "csi_indiap_s01e08",
            "israel_lea_case1_speakers",
            "israel_lea_case2_speakers",
            "madoff",
            "montreal_gangs",
            "nist_c1",
            "nist_c2",
            "roxsd_drug",
            "roxsd_money",
        )
    ),
]
EXACT = 1e-9
ITERATED = 1e-7


def _real(shared_data: Path, relative: str) -> Path:
    matches = list(shared_data.glob(relative)) or list(shared_data.rglob(Path(relative).name))
    if not matches:
        pytest.fail(f"{relative} is not in the shared data")
    return matches[0]


def as_networkx(network: Network, views: tuple[str, ...] = ()) -> Any:
    """The same nodes and edges in networkx, with ``length`` = 1/weight."""
    graph: Any = nx.DiGraph() if network.directed else nx.Graph()
    graph.add_nodes_from(network.nodes)
    for s, t, w in zip(network.sources, network.targets, network.weights, strict=True):
        graph.add_edge(network.nodes[s], network.nodes[t], weight=w, length=1.0 / w)
    return graph


def close(mine: dict[str, float], theirs: dict[str, float], tolerance: float) -> float:
    """The largest difference, asserting it is within ``tolerance``."""
    worst = max((abs(mine[node] - theirs[node]) for node in theirs), default=0.0)
    assert worst <= tolerance, worst
    return worst


@pytest.mark.parametrize("relative", REAL_NETWORKS)
@pytest.mark.parametrize("view", ["as read", "undirected unweighted"])
def test_measures_agree_with_networkx(shared_data: Path, relative: str, view: str) -> None:
    if view != "as read" and relative.endswith("nist_c1.json"):
        pytest.skip(
            "the largest network is compared as read only (CI's time); the smaller "
            "ones cover the undirected, unweighted view"
        )
    for network in read_networks(_real(shared_data, relative)):
        if view != "as read":
            network = network.as_undirected().as_unweighted()
        result = measure(network)
        rows = {row["node"]: row for row in result.nodes}
        graph = as_networkx(network)
        mine = {name: {n: rows[n][name] for n in rows} for name in rows[network.nodes[0]]}
        length = "length" if network.weighted else None
        close(mine["degree"], dict(graph.degree()), EXACT)
        close(mine["weighted_degree"], dict(graph.degree(weight="weight")), EXACT)
        close(mine["betweenness"], nx.betweenness_centrality(graph, weight=length), EXACT)
        outgoing = graph.reverse() if network.directed else graph
        close(mine["closeness"], nx.closeness_centrality(outgoing), EXACT)
        assert all(0 <= value <= 1 for value in mine["closeness"].values())
        if network.weighted:
            weighted = nx.closeness_centrality(outgoing, distance=length)
            close(mine["weighted_closeness"], weighted, EXACT)
        else:
            assert "weighted_closeness" not in mine
        simple = nx.Graph(graph.to_undirected())
        close(mine["core"], nx.core_number(simple), 0)
        pagerank = nx.pagerank(graph, tol=1e-12, max_iter=10_000, weight="weight")
        close(mine["pagerank"], pagerank, ITERATED)
        try:
            expected = nx.eigenvector_centrality(graph, max_iter=1000, tol=1e-12, weight="weight")
        except nx.PowerIterationFailedConvergence:
            assert all(np.isnan(v) if v is not None else True for v in mine["eigenvector"].values())
        else:
            close(mine["eigenvector"], expected, ITERATED)
        figures = result.network
        assert figures["density"] == pytest.approx(nx.density(graph), abs=EXACT)
        components = (
            nx.number_weakly_connected_components(graph)
            if network.directed
            else nx.number_connected_components(graph)
        )
        assert figures["components"] == components


@pytest.mark.parametrize(
    "relative",
    [
        "caviar/derived/caviar_phases_directed_edgelist.csv",
        "montagna/original_cavallaro2020/Montagna_phonecalls_edgelist.csv",
        "roxanne_l3s_networks/roxsd_drug.json",
    ],
)
def test_sampled_closeness_with_every_node_as_pivot_is_exact(
    shared_data: Path, relative: str
) -> None:
    """The estimator's terms are the exact ones when every node is a pivot, so any slip in
    direction, weighting or the Wasserman-Faust form shows here."""
    for network in read_networks(_real(shared_data, relative)):
        sampled = measure(network, MeasureOptions(exact_up_to=0, pivots=network.node_count))
        graph = as_networkx(network)
        outgoing = graph.reverse() if network.directed else graph
        length = "length" if network.weighted else None
        mine = {row["node"]: row["closeness"] for row in sampled.nodes}
        close(mine, nx.closeness_centrality(outgoing), EXACT)
        if network.weighted:
            weighted = {row["node"]: row["weighted_closeness"] for row in sampled.nodes}
            close(weighted, nx.closeness_centrality(outgoing, distance=length), EXACT)
        assert "estimated from the distances to" in sampled.network["methods"]["closeness"]


def test_sampled_closeness_ranks_people_as_exact_closeness_does(shared_data: Path) -> None:
    """On the largest real network here, 50 pivots: rank correlation with exact closeness
    at least 0.95 and the median node within 5%."""
    networks = [
        network
        for path in sorted((shared_data / "roxanne_l3s_networks").glob("*.json"))
        for network in read_networks(path)
    ]
    network = max(networks, key=lambda n: n.node_count).as_undirected().as_unweighted()
    assert network.node_count > 500
    exact = np.array([row["closeness"] for row in measure(network).nodes])
    options = MeasureOptions(exact_up_to=0, pivots=50, communities=False)
    sampled = np.array([row["closeness"] for row in measure(network, options).nodes])
    assert spearmanr(exact, sampled).statistic >= 0.95
    reached = exact > 0
    assert np.median(np.abs(sampled[reached] - exact[reached]) / exact[reached]) <= 0.05


@pytest.mark.parametrize("relative", REAL_NETWORKS)
def test_katz_and_collective_influence_agree_with_networkx(
    shared_data: Path, relative: str
) -> None:
    """The two disruption rankings Cavallaro et al. add: Katz as networkx's
    ``katz_centrality_numpy`` (weighted as read), collective influence at radius 1 by
    hand from networkx degrees of the undirected view."""
    for network in read_networks(_real(shared_data, relative)):
        if network.node_count > KATZ_DIRECT_UP_TO:
            continue
        graph = as_networkx(network)
        weight = "weight" if network.weighted else None
        theirs = nx.katz_centrality_numpy(graph, weight=weight)
        close(dict(zip(network.nodes, katz_scores(network), strict=True)), theirs, EXACT)
        # both directions of a pair become one edge weighing their sum
        simple = as_networkx(network.as_undirected())
        k = dict(simple.degree(weight=weight))
        influence = {
            node: (k[node] - 1) * sum(k[other] - 1 for other in simple[node]) for node in simple
        }
        mine = collective_influence_scores(network)
        close(dict(zip(network.nodes, mine, strict=True)), influence, EXACT)


def test_katz_on_large_networks_iterates_and_refuses_where_undefined() -> None:
    """Above the direct-solve size the series is iterated: the same figures where it
    converges; a clear refusal where Katz is not defined (attenuation too high)."""
    rng = np.random.default_rng(11)
    size = KATZ_DIRECT_UP_TO + 500
    pairs = rng.integers(0, size, (2 * size, 2))
    pairs = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)
    scattered = Network(
        name="random",
        directed=True,
        weighted=False,
        nodes=[f"p{i}" for i in range(size)],
        sources=pairs[:, 0],
        targets=pairs[:, 1],
        weights=np.ones(len(pairs)),
    )
    theirs = nx.katz_centrality(as_networkx(scattered), alpha=0.1, max_iter=1000, tol=1e-12)
    close(dict(zip(scattered.nodes, katz_scores(scattered), strict=True)), theirs, ITERATED)
    heavy = replace(scattered, weighted=True, weights=np.full(len(pairs), 50.0))
    with pytest.raises(NotDefined, match="Katz centrality is not defined"):
        katz_scores(heavy)
