"""Node and graph measures with their textbook normalisations (``docs/methods/networks.md``).

Computed by NetworKit. Betweenness and closeness are exact up to ``exact_up_to`` nodes and
sampled above it, with the error bound stated in the result; everything else is exact or
iterated to a stated tolerance (eigenvector, PageRank).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkit as nkit
import numpy as np
import pyarrow as pa
from scipy import sparse
from scipy.sparse import csgraph
from scipy.stats import t as student_t

from fortress.network.brokerage import brokerage_roles
from fortress.network.graph import FloatArray, Network
from fortress.network.nk import WeightMeaning, seed, to_networkit

ITERATION_TOLERANCE = 1e-12
MAX_ITERATIONS = 1000
DAMPING = 0.85


EXACT_UP_TO = 20_000
"""By default, betweenness and closeness are exact for networks of at most this many nodes."""
DEFAULT_PIVOTS = 50
"""By default, above that size, they are estimated from this many random nodes."""


@dataclass(frozen=True, slots=True)
class MeasureOptions:
    """Choices that change the figures, each reported with them."""

    weights: WeightMeaning = "strength"
    exact_up_to: int = EXACT_UP_TO
    """Betweenness and closeness are exact for networks of at most this many nodes."""
    pivots: int = DEFAULT_PIVOTS
    """Sampled betweenness and closeness: shortest paths from (to) this many random nodes."""
    group: str | None = None
    """Node attribute naming each node's group, for brokerage roles."""
    communities: bool = True
    seed: int = 1


@dataclass(frozen=True)
class Measures:
    """Per-node measures (one dict per node) and the network's own figures."""

    network: dict[str, Any]
    nodes: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"network": self.network, "nodes": self.nodes}


def measure(network: Network, options: MeasureOptions | None = None) -> Measures:
    """Every node measure and graph figure of ``network``."""
    options = options or MeasureOptions()
    seed(options.seed)
    paths = to_networkit(network, lengths=options.weights if network.weighted else None)
    exact = network.node_count <= options.exact_up_to
    columns: dict[str, FloatArray] = _degrees(network)
    betweenness = estimate_betweenness(paths, exact, options.pivots)
    columns["betweenness"] = betweenness.scores
    if betweenness.sampled:
        columns["betweenness_se"] = betweenness.standard_error()
    steps = nkit.graphtools.toUnweighted(paths) if network.weighted else paths
    columns["closeness"] = _closeness(steps, exact, options)
    if network.weighted:
        columns["weighted_closeness"] = _closeness(paths, exact, options)
    columns["eigenvector"] = _eigenvector(network)
    columns["pagerank"] = pagerank_scores(network)
    undirected = network.as_undirected()
    # Converted once each and kept referenced: NetworKit algorithms hold a reference to
    # their graph that Python does not see (a temporary is freed under them).
    links = to_networkit(undirected)
    hops = nkit.graphtools.toUnweighted(links) if network.weighted else links
    columns["core"] = _cores(hops)
    figures = _graph_figures(network, (undirected, links, hops), betweenness, columns, options)
    figures["methods"] = _methods(network, exact, options)
    undefined = _undefined(network, columns)
    if undefined:
        figures["not_defined"] = undefined
    if options.communities:
        membership, modularity, count = _communities(links)
        columns["community"] = membership
        figures |= {"communities": count, "modularity": round(modularity, 6)}
    rows = _rows(network, columns)
    if options.group is not None:
        for row, roles in zip(rows, brokerage_roles(network, options.group), strict=True):
            row["brokerage"] = roles
    return Measures(figures, rows)


def _degrees(network: Network) -> dict[str, FloatArray]:
    n = network.node_count
    out_degree = np.bincount(network.sources, minlength=n).astype(float)
    in_degree = np.bincount(network.targets, minlength=n).astype(float)
    out_weight = np.bincount(network.sources, network.weights, minlength=n)
    in_weight = np.bincount(network.targets, network.weights, minlength=n)
    columns = {
        "degree": out_degree + in_degree,
        "weighted_degree": out_weight + in_weight,
    }
    if network.directed:
        columns |= {
            "in_degree": in_degree,
            "out_degree": out_degree,
            "weighted_in_degree": in_weight,
            "weighted_out_degree": out_weight,
        }
    return columns


SAMPLING_BATCHES = 5
"""Sampled betweenness is computed as about this many independent batches of random
sources: the spread of the batch estimates gives the standard error of their mean (batch
means)."""


def t95(degrees_of_freedom: int) -> float:
    """The two-sided 95% quantile of Student's t: how many standard errors from batch
    means cover the exact value 95% of the time."""
    return float(student_t.ppf(0.975, degrees_of_freedom))


@dataclass(frozen=True)
class BetweennessEstimate:
    """Normalised betweenness of every node. When sampled, ``batches`` holds each batch's
    estimate (batch x node) and ``sizes`` its number of sources: ``scores`` is their
    source-weighted mean."""

    scores: FloatArray
    batches: FloatArray | None = None
    sizes: FloatArray | None = None

    @property
    def sampled(self) -> bool:
        """Whether the scores are estimated from random sources (with a standard error)."""
        return self.batches is not None and len(self.batches) > 1

    def standard_error(self, per_batch: FloatArray | None = None) -> FloatArray:
        """The standard error of the mean of ``per_batch`` values (batch x anything; by
        default each batch's scores) by batch means: a batch of k sources has variance
        s^2/k, so s^2 is estimated by sum(k_b (x_b - mean)^2) / (B - 1) and the mean of
        all K sources has variance s^2/K. Zero where exact."""
        if not self.sampled or self.batches is None or self.sizes is None:
            return np.zeros(self.scores.shape)
        values = self.batches if per_batch is None else per_batch
        sizes = self.sizes.reshape((-1,) + (1,) * (values.ndim - 1))
        mean = (sizes * values).sum(axis=0) / self.sizes.sum()
        spread = (sizes * (values - mean) ** 2).sum(axis=0) / (len(self.sizes) - 1)
        return np.asarray(np.sqrt(spread / self.sizes.sum()), dtype=np.float64)


def sampling_batches(pivots: int) -> FloatArray:
    """The number of sources in each batch: about ``SAMPLING_BATCHES`` batches, each a
    multiple of NetworKit's thread count where the sources allow (a batch of three on two
    threads leaves one idle half the time), sizes differing by at most one."""
    threads = nkit.getMaxNumberOfThreads()
    size = -(-pivots // SAMPLING_BATCHES)
    size = -(-size // threads) * threads
    count = max(1, pivots // size)
    sizes = np.full(count, pivots // count, dtype=np.float64)
    sizes[: pivots % count] += 1
    return sizes


def estimate_betweenness(graph: nkit.Graph, exact: bool, pivots: int) -> BetweennessEstimate:
    """Normalised betweenness of every node: exact (Brandes), or estimated from ``pivots``
    random sources (Brandes and Pich 2007) drawn in ``SAMPLING_BATCHES`` batches."""
    n = graph.numberOfNodes()
    if n < 3:
        return BetweennessEstimate(np.zeros(graph.upperNodeIdBound()))
    if exact:
        algorithm = nkit.centrality.Betweenness(graph, normalized=True)
        algorithm.run()
        return BetweennessEstimate(np.asarray(algorithm.scores(asarray=True), dtype=np.float64))
    sizes = sampling_batches(min(pivots, n))
    batches = []
    for size in sizes:
        sampled = nkit.centrality.EstimateBetweenness(graph, int(size), True, True)
        sampled.run()
        batches.append(np.asarray(sampled.scores(asarray=True), dtype=np.float64))
    stacked = np.vstack(batches)
    return BetweennessEstimate(sizes @ stacked / sizes.sum(), stacked, sizes)


def _closeness(graph: nkit.Graph, exact: bool, options: MeasureOptions) -> FloatArray:
    n = graph.numberOfNodes()
    if n < 2:
        return np.zeros(n)
    if not exact:
        return sampled_closeness(graph, options.pivots, options.seed)
    algorithm = nkit.centrality.Closeness(graph, True, nkit.centrality.ClosenessVariant.GENERALIZED)
    algorithm.run()
    return np.asarray(algorithm.scores(asarray=True), dtype=np.float64)


def sampled_closeness(graph: nkit.Graph, pivots: int, rng_seed: int) -> FloatArray:
    """Wasserman-Faust closeness on outgoing paths, estimated from ``pivots`` random nodes
    (Eppstein & Wang 2004): each node's share of the pivots it reaches stands for its share
    of the network, and its mean distance to them for its mean distance to all it reaches.
    Distances *to* a pivot are found from the pivot over reversed links, in parallel."""
    n = graph.numberOfNodes()
    chosen = np.random.default_rng(rng_seed).choice(n, size=min(pivots, n), replace=False)
    reverse = nkit.graphtools.transpose(graph) if graph.isDirected() else graph
    search = nkit.distance.SPSP(reverse, [int(p) for p in chosen])
    search.run()
    distances = np.asarray(search.getDistances(asarray=True), dtype=np.float64)  # pivot x node
    reached = distances < np.finfo(np.float64).max / 2
    reached[np.arange(len(chosen)), chosen] = False  # a node is not its own pivot
    others = len(chosen) - np.isin(np.arange(n), chosen)
    hits = reached.sum(axis=0)
    total = np.where(reached, distances, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = hits / others
        mean_distance = total / hits
        return np.where(hits > 0, share / mean_distance, 0.0)


def _incoming(network: Network) -> sparse.csr_matrix:
    """Row *v* holds the weights of the links into *v* (both ways when undirected)."""
    n = network.node_count
    sources, targets, weights = network.sources, network.targets, network.weights
    if not network.directed:
        sources, targets = np.concatenate([sources, targets]), np.concatenate([targets, sources])
        weights = np.concatenate([weights, weights])
    return sparse.csr_matrix((weights, (targets, sources)), shape=(n, n))


def _eigenvector(network: Network) -> FloatArray:
    """Power iteration on A + I (in-links when directed) from a uniform start, normalised
    to unit length each step, until the mean change per node is below the tolerance;
    NaN everywhere if it does not converge (no dominant eigenvector: e.g. a network
    without cycles)."""
    n = network.node_count
    if network.edge_count == 0:
        return np.zeros(n)
    incoming = _incoming(network)
    x = np.full(n, 1.0 / n)
    for _ in range(MAX_ITERATIONS):
        previous = x
        x = previous + incoming @ previous
        x = x / (np.linalg.norm(x) or 1.0)
        if np.abs(x - previous).sum() < n * ITERATION_TOLERANCE:
            return np.asarray(x)
    if not network.directed and n > 2:
        return _symmetric_eigenvector(incoming)
    return np.full(n, np.nan)


def _symmetric_eigenvector(adjacency: sparse.csr_matrix) -> FloatArray:
    """The dominant eigenvector of a symmetric non-negative matrix by Lanczos (ARPACK),
    for undirected networks where power iteration settles too slowly (heavy weights make
    the two largest eigenvalues close): unit length, non-negative; NaN everywhere if the
    solver fails."""
    from scipy.sparse.linalg import ArpackError, eigsh

    try:
        _, vectors = eigsh(adjacency.astype(np.float64), k=1, which="LA", tol=1e-14)
    except (ArpackError, ValueError):
        return np.full(adjacency.shape[0], np.nan)
    x = vectors[:, 0]
    x = x if x.sum() >= 0 else -x
    return np.asarray(np.abs(x) / np.linalg.norm(x), dtype=np.float64)


def pagerank_scores(network: Network) -> FloatArray:
    """PageRank with damping 0.85: a walker follows a link with probability in proportion
    to its weight, and from a node without outgoing links jumps anywhere."""
    n = network.node_count
    if n == 0:
        return np.zeros(0)
    incoming = _incoming(network)
    out_strength = np.asarray(incoming.sum(axis=0)).ravel()
    dangling = out_strength == 0
    share = np.divide(1.0, out_strength, out=np.zeros(n), where=~dangling)
    x = np.full(n, 1.0 / n)
    for _ in range(MAX_ITERATIONS):
        previous = x
        x = DAMPING * (incoming @ (previous * share) + previous[dangling].sum() / n)
        x += (1 - DAMPING) / n
        if np.abs(x - previous).sum() < n * ITERATION_TOLERANCE:
            break
    return np.asarray(x / x.sum())


KATZ_ATTENUATION = 0.1
KATZ_DIRECT_UP_TO = 5_000


class NotDefined(ValueError):
    """A measure that this network does not have."""


def katz_scores(network: Network, attenuation: float = KATZ_ATTENUATION) -> FloatArray:
    """Katz centrality: x = attenuation * A^T x + 1 (in-links when directed, weights as
    strength), scaled to unit length with a positive sum, as networkx's
    ``katz_centrality_numpy`` (which Cavallaro et al. 2020 used).

    Solved directly up to ``KATZ_DIRECT_UP_TO`` nodes, which answers even where the series
    behind Katz diverges (attenuation not below 1/largest eigenvalue), as networkx does;
    above, by iterating the series, which must converge or the measure is not defined.
    """
    n = network.node_count
    if n == 0:
        return np.zeros(0)
    incoming = _incoming(network)
    if n <= KATZ_DIRECT_UP_TO:
        x = np.linalg.solve(np.eye(n) - attenuation * incoming.toarray(), np.ones(n))
    else:
        x = _katz_series(incoming, attenuation)
        if not np.all(np.isfinite(x)):
            raise NotDefined(
                f"Katz centrality is not defined for {network.name}: its series diverges with "
                f"attenuation {attenuation} (not below 1 / the largest eigenvalue of the "
                "weighted adjacency matrix); try its unweighted view or another measure"
            )
    norm = np.sign(x.sum()) * np.linalg.norm(x)
    return np.asarray(x / norm, dtype=np.float64)


def _katz_series(incoming: sparse.csr_matrix, attenuation: float) -> FloatArray:
    """1 + a A^T 1 + a^2 (A^T)^2 1 + ... summed until it settles; inf if it diverges."""
    n = incoming.shape[0]
    x = np.ones(n)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(MAX_ITERATIONS):
            previous = x
            x = 1.0 + attenuation * (incoming @ previous)
            if not np.all(np.isfinite(x)):
                break
            if np.abs(x - previous).sum() < n * ITERATION_TOLERANCE * np.abs(x).max():
                return np.asarray(x, dtype=np.float64)
    return np.full(n, np.inf)


def collective_influence_scores(network: Network) -> FloatArray:
    """Collective influence at radius 1 (Morone and Makse 2015) on the undirected view:
    (k_i - 1) times the sum over neighbours j of (k_j - 1), with k the degree, or the
    strength when the network is weighted (as Cavallaro et al. 2020 computed it)."""
    undirected = network.as_undirected()
    n = undirected.node_count
    ends = np.concatenate([undirected.sources, undirected.targets])
    others = np.concatenate([undirected.targets, undirected.sources])
    weights = np.concatenate([undirected.weights, undirected.weights])
    k = np.bincount(ends, weights if network.weighted else None, minlength=n).astype(float)
    around = np.bincount(ends, (k - 1)[others], minlength=n)
    return np.asarray((k - 1) * around, dtype=np.float64)


def _cores(hops: nkit.Graph) -> FloatArray:
    algorithm = nkit.centrality.CoreDecomposition(hops)
    algorithm.run()
    return np.asarray(algorithm.scores(asarray=True), dtype=np.float64)


def _communities(graph: nkit.Graph) -> tuple[FloatArray, float, int]:
    if graph.numberOfEdges() == 0:
        n = graph.numberOfNodes()
        return np.arange(n, dtype=float), 0.0, n
    algorithm = nkit.community.ParallelLeiden(graph, randomize=False)
    algorithm.run()
    partition = algorithm.getPartition()
    partition.compact()
    modularity = nkit.community.Modularity().getQuality(partition, graph)
    membership = np.asarray(partition.getVector(), dtype=float)
    return membership, float(modularity), int(partition.numberOfSubsets())


def _graph_figures(
    network: Network,
    views: tuple[Network, nkit.Graph, nkit.Graph],
    betweenness: BetweennessEstimate,
    columns: dict[str, FloatArray],
    options: MeasureOptions,
) -> dict[str, Any]:
    """Size, density, components and centralisations; ``views`` is the undirected view,
    and it as NetworKit graphs with weights and without; ``betweenness`` the network's
    own (reused for the centralisation when the network is its own hops view)."""
    undirected, links, hops = views
    n, m = network.node_count, network.edge_count
    pairs = n * (n - 1) if network.directed else n * (n - 1) / 2
    components = nkit.components.ConnectedComponents(links)
    components.run()
    sizes = sorted(components.getComponentSizes().values(), reverse=True)
    return {
        "name": network.name,
        "directed": network.directed,
        "weighted": network.weighted,
        "nodes": n,
        "edges": m,
        "total_weight": float(network.weights.sum()),
        "density": m / pairs if pairs else 0.0,
        "components": len(sizes),
        "largest_component": sizes[0] if sizes else 0,
        "largest_component_share": sizes[0] / n if n else 0.0,
        "isolates": int(np.sum(columns["degree"] == 0)),
        "self_loops_set_aside": network.self_loops,
        "degree_centralisation": degree_centralisation(undirected),
        **_betweenness_centralisation(
            hops, options, betweenness if _is_hops_view(network) else None
        ),
        "notes": list(network.notes),
    }


def degree_centralisation(undirected: Network) -> float:
    """Freeman's degree centralisation of the undirected view: the sum of each node's
    shortfall from the highest degree over the largest sum possible (a star's,
    (n-1)(n-2)); 1 for a star, 0 when every node has the same degree."""
    n = undirected.node_count
    if n < 3:
        return 0.0
    degree = np.bincount(
        np.concatenate([undirected.sources, undirected.targets]), minlength=n
    ).astype(float)
    return float(np.sum(degree.max() - degree) / ((n - 1) * (n - 2)))


def _is_hops_view(network: Network) -> bool:
    """Whether ``network`` is its own undirected, unweighted view."""
    return not network.directed and not network.weighted


def _betweenness_centralisation(
    hops: nkit.Graph, options: MeasureOptions, estimate: BetweennessEstimate | None
) -> dict[str, float]:
    """Freeman's betweenness centralisation of ``hops``, the undirected, unweighted view:
    the sum of shortfalls from the highest normalised betweenness over n-1 (a star's sum);
    estimated above ``options.exact_up_to`` nodes, with its standard error by batch means
    (each batch's centralisation taken at the node whose pooled estimate is highest).
    ``estimate``: that view's betweenness when already computed."""
    n = hops.numberOfNodes()
    if n < 3:
        return {"betweenness_centralisation": 0.0}
    if estimate is None:
        estimate = estimate_betweenness(hops, n <= options.exact_up_to, options.pivots)

    def centralisation(scores: FloatArray, top: int) -> FloatArray:
        return np.asarray((n * scores[..., top] - scores.sum(axis=-1)) / (n - 1))

    top = int(np.argmax(estimate.scores))
    figures = {"betweenness_centralisation": float(centralisation(estimate.scores, top))}
    if estimate.sampled and estimate.batches is not None:
        per_batch = centralisation(estimate.batches, top)
        figures["betweenness_centralisation_se"] = float(estimate.standard_error(per_batch))
    return figures


def _undefined(network: Network, columns: dict[str, FloatArray]) -> dict[str, str]:
    """Why a measure has no value for any node, for each such measure."""
    reasons = {}
    if network.node_count and np.all(np.isnan(columns["eigenvector"])):
        strong = 1
        if network.directed:
            adjacency = sparse.csr_matrix(
                (np.ones(network.edge_count), (network.sources, network.targets)),
                shape=(network.node_count, network.node_count),
            )
            strong, _ = csgraph.connected_components(adjacency, connection="strong")
        if strong > 1:
            reasons["eigenvector"] = (
                f"not defined here: the network is directed and not strongly connected "
                f"({strong:,} strongly connected parts: not every node reaches every other along "
                "the direction of the links), "
                "so it has no single dominant eigenvector and power iteration does not "
                f"settle in {MAX_ITERATIONS:,} steps; --undirected gives eigenvector "
                "centrality of the undirected view"
            )
        else:
            reasons["eigenvector"] = (
                f"not defined here: power iteration did not settle in {MAX_ITERATIONS:,} "
                "steps (no single dominant eigenvector)"
            )
    return reasons


def _methods(network: Network, exact: bool, options: MeasureOptions) -> dict[str, str]:
    reading = (
        "weights as tie strength (path length 1/weight)"
        if options.weights == "strength"
        else "weights as distances (path length = weight)"
    )
    paths = reading if network.weighted else "hop counts (unweighted)"
    if exact:
        betweenness = (
            f"exact (Brandes), normalised by (n-1)(n-2){'' if network.directed else '/2'}; {paths}"
        )
        closeness = "exact, Wasserman-Faust for disconnected networks, outgoing paths"
    else:
        batches = len(sampling_batches(options.pivots))
        betweenness = (
            f"estimated from the shortest paths out of {options.pivots} random source nodes "
            f"(Brandes and Pich 2007), scaled up to all n; unbiased, not exact; {paths}"
            + (
                f"; betweenness_se is each node's standard error, from the spread of "
                f"{batches} independent batches of sources (batch means), and "
                "betweenness_centralisation_se the centralisation's; a node's contributions "
                "from single sources are skewed, so the error can be larger than the standard "
                "error suggests: on five test networks, with 50 sources in 5 batches, ±2.78 "
                "standard errors (Student's t at 95%) held the exact value of the 50 most "
                "central nodes 70-93% of the time, not 95% (docs/methods/networks.md)"
                if batches > 1
                else "; one source gives no standard error"
            )
        )
        closeness = (
            f"estimated from the distances to {options.pivots} random nodes (Eppstein and "
            "Wang 2004): share of them reached over mean distance to them, Wasserman-Faust "
            "for disconnected networks, outgoing paths"
        )
    weighted = {}
    if network.weighted:
        weighted["weighted_closeness"] = (
            f"{closeness}; {paths}: not bounded by 1 (a path of strong ties is shorter than "
            "one step), so compare it only within one network"
        )
    return {
        "betweenness": betweenness,
        "closeness": f"{closeness}; hop counts, so between 0 and 1 (1: reaches every other "
        "node in one step)",
        **weighted,
        "eigenvector": f"power iteration on A+I to {ITERATION_TOLERANCE} mean change per node, "
        f"unit Euclidean norm, weights as strength{'; in-links' if network.directed else ''}"
        f"; null if it does not converge in {MAX_ITERATIONS} steps",
        "pagerank": f"damping {DAMPING}, links followed in proportion to weight, dangling "
        "nodes jump anywhere, sums to 1",
        "core": "k-core number of the undirected, unweighted view",
        "communities": "Leiden (NetworKit ParallelLeiden), undirected view, weights as strength",
    }


def _rows(network: Network, columns: dict[str, FloatArray]) -> list[dict[str, Any]]:
    """One dict per node; NaN (not computed, not converged) becomes None. Built by Arrow:
    a Python loop over 200,000 nodes and a dozen measures took seconds."""
    integer = {"degree", "in_degree", "out_degree", "core", "community"}
    arrays: dict[str, pa.Array] = {"node": pa.array(network.nodes, pa.string())}
    for name, values in columns.items():
        missing = np.isnan(values)
        if name in integer:
            arrays[name] = pa.array(np.where(missing, 0, values).astype(np.int64), mask=missing)
        else:
            arrays[name] = pa.array(values, pa.float64(), mask=missing)
    rows: list[dict[str, Any]] = pa.table(arrays).to_pylist()
    return rows


def write_csv(results: list[Measures], path: Path) -> None:
    """Every node's measures, one row per node and network (brokerage roles as columns)."""
    fields: list[str] = ["network"]
    rows = []
    for result in results:
        for node in result.nodes:
            row = {"network": result.network["name"]}
            for key, value in node.items():
                if key == "brokerage":
                    row |= {f"brokerage_{role}": count for role, count in value.items()}
                else:
                    row[key] = value
            fields += [key for key in row if key not in fields]
            rows.append(row)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
