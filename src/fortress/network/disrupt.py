"""Disruption what-if: take actors out of a network by a strategy and measure the damage
step by step, optionally letting the network recover (``recovery.py``).

Strategies rank actors by a measure (``degree``, ``weighted-degree``, ``betweenness``,
``pagerank``, ``katz``, ``collective-influence``), pick them at random (``random``: the
baseline, averaged over runs), or take a given set: ``names:A,B,C`` or ``role:VALUE``
(actors whose ``role`` attribute is VALUE, e.g. from ``--annotate``). ``sequential`` mode
removes the top actor and ranks again; ``block`` removes the top ``step`` actors at once,
then ranks again (Cavallaro et al. 2020). A block as large as ``remove`` is a one-day
strike ranked on the intact network.

Damage per step (Latora and Marchiori 2001; Cavallaro et al. 2020):

* ``largest_component``: the largest connected component (undirected view) as a share of
  the original network's largest component, the curve Cavallaro et al. publish;
* ``efficiency``: global efficiency, the mean of 1/distance over all ordered pairs of the
  *original* nodes (a removed actor reaches no one), unweighted; exact up to
  ``EXACT_EFFICIENCY_UP_TO`` nodes, estimated from random sources above;
* ``customer_reach`` (comms data with a deal-line detection): the share of the lines'
  customers still connected to a deal-line number.

Ranked by betweenness above the exact size, each pick is checked against the sampling error
of the estimate (``RankingCheck``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import networkit as nkit
import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse import csgraph

from fortress.network.graph import FloatArray, Network
from fortress.network.measures import (
    EXACT_UP_TO,
    BetweennessEstimate,
    NotDefined,
    collective_influence_scores,
    estimate_betweenness,
    katz_scores,
    pagerank_scores,
    t95,
)
from fortress.network.nk import WeightMeaning, seed, to_networkit
from fortress.network.recovery import Recovery, recover

Mode = Literal["sequential", "block"]
Ties = Literal["first", "last", "highest-id"]
TIES: tuple[Ties, ...] = ("first", "last", "highest-id")
RANKED = (
    "degree",
    "weighted-degree",
    "betweenness",
    "pagerank",
    "katz",
    "collective-influence",
)
EXACT_EFFICIENCY_UP_TO = 5_000
EFFICIENCY_SOURCES = 16
LARGE_BETWEENNESS_PIVOTS = 16


class StrategyError(ValueError):
    """A strategy that cannot be run on this network."""


@dataclass(frozen=True, slots=True)
class DisruptionPlan:
    """What to remove, how, and how the network may answer."""

    strategy: str
    remove: int
    mode: Mode = "sequential"
    step: int = 1
    weights: WeightMeaning = "strength"
    recovery: Recovery = field(default_factory=Recovery)
    runs: int = 20
    """Repetitions for a random strategy or a recovery model (results are averaged)."""
    seed: int = 1
    ties: Ties = "first"
    customers: frozenset[str] = frozenset()
    line_numbers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StrategyRun:
    """The damage of one strategy, step by step: ``steps[k]`` holds ``removed`` (actors
    out so far) and each damage figure (mean over runs, with ``_p5`` and ``_p95`` when
    there were several); ``removed`` lists the actors taken (of the first run)."""

    network: str
    strategy: str
    mode: Mode
    step: int
    runs: int
    recovery: Recovery
    steps: list[dict[str, Any]]
    removed: list[str]
    ranking_checks: list[RankingCheck] = field(default_factory=list)
    """With estimated betweenness, per step of the first run: was the last actor taken
    ahead of the first one left by more than the sampling error?"""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "network": self.network,
            "strategy": self.strategy,
            "mode": self.mode,
            "step": self.step,
            "runs": self.runs,
            "recovery": self.recovery.to_dict(),
            "steps": self.steps,
            "removed": self.removed,
            "ranking_checks": [asdict(check) for check in self.ranking_checks],
        }

    def unseparated_steps(self) -> int:
        """Steps whose pick was within sampling error of the first actor left."""
        return sum(1 for check in self.ranking_checks if not check.separated)


@dataclass(frozen=True, slots=True)
class RankingCheck:
    """One step of a ranking by estimated betweenness: the last actor taken, the first
    left, and whether the lead of one over the other exceeds its sampling error (95%,
    Student's t over the batches of sources: ``docs/methods/networks.md``)."""

    removed: int
    """Actors out after this step."""
    taken: str
    taken_estimate: float
    left: str
    left_estimate: float
    lead_standard_error: float
    separated: bool


def disrupt(network: Network, plan: DisruptionPlan) -> StrategyRun:
    """Remove actors step by step; the damage after each step (mean and range over runs
    where chance is involved)."""
    undirected = network.as_undirected()
    chosen = _fixed_targets(network, plan.strategy)
    stochastic = plan.strategy == "random" or plan.recovery.active
    runs = [
        _one_run(network, undirected, plan, chosen, plan.seed + run)
        for run in range(plan.runs if stochastic else 1)
    ]
    return StrategyRun(
        network=network.name,
        strategy=plan.strategy,
        mode=plan.mode,
        step=plan.step,
        runs=len(runs),
        recovery=plan.recovery,
        steps=_summarise(runs),
        removed=runs[0]["removed"],
        ranking_checks=runs[0]["checks"],
    )


def _one_run(
    network: Network,
    undirected: Network,
    plan: DisruptionPlan,
    chosen: list[str] | None,
    run_seed: int,
) -> dict[str, Any]:
    rng = np.random.default_rng(run_seed)
    seed(run_seed)
    baseline = _largest_component(undirected)
    order = chosen
    current, current_undirected = network, undirected
    removed: list[str] = []
    efficiency = Efficiency.of(undirected, plan.recovery.active)
    damage = [_damage(undirected, baseline, efficiency, plan)]
    shrinking = ShrinkingPaths.of(network, plan)
    checks: list[RankingCheck] = []
    while len(removed) < plan.remove:
        count = min(plan.step if plan.mode == "block" else 1, plan.remove - len(removed))
        if order is not None:
            present = set(current.nodes)
            batch = [node for node in order if node in present and node not in removed][:count]
        else:
            ranked = shrinking.ranked() if shrinking else _ranked(current, plan, rng, removed)
            batch = ranked.take(count)
            checks += ranked.check(count, len(removed) + len(batch))
        if not batch:
            break
        removed += batch
        if shrinking:
            shrinking.remove(batch)  # and ``current``, which it replaces, is left as it was
        else:
            current = recover(current.without(set(batch)), network, batch, plan.recovery, rng)
        if plan.recovery.active:
            current_undirected = current.as_undirected()
        else:
            current_undirected = current_undirected.without(set(batch))
        efficiency.remove(batch)
        damage.append(_damage(current_undirected, baseline, efficiency, plan, len(removed)))
    return {"damage": damage, "removed": removed, "checks": checks}


def _fixed_targets(network: Network, strategy: str) -> list[str] | None:
    """The actors a named, listed or role strategy takes, in order; None for ranked."""
    kind, _, value = strategy.partition(":")
    if kind in RANKED or kind == "random":
        return None
    if kind == "names":
        names = [name.strip() for name in value.split(",") if name.strip()]
    elif kind == "role":
        names = [n for n in network.nodes if network.attributes.get(n, {}).get("role") == value]
    else:
        raise StrategyError(
            f"unknown strategy {strategy!r}: use {', '.join(RANKED)}, random, names:A,B or "
            "role:VALUE"
        )
    known = set(network.nodes)
    missing = [name for name in names if name not in known]
    if missing:
        raise StrategyError(f"not in the network: {', '.join(missing[:5])}")
    if not names:
        raise StrategyError(f"strategy {strategy!r} selects no one")
    return names


@dataclass(frozen=True)
class Ranked:
    """Actors still in the network from most to least important (``eligible``: positions
    into ``names``), with the betweenness estimate behind the order when there is one."""

    names: list[str]
    eligible: npt.NDArray[np.int64]
    estimate: BetweennessEstimate | None = None

    def take(self, count: int) -> list[str]:
        """The ``count`` most important actors."""
        return [self.names[i] for i in self.eligible[:count]]

    def check(self, count: int, removed: int) -> list[RankingCheck]:
        """Whether the last actor taken leads the first one left by more than the sampling
        error of the estimate (nothing to check when exact or no one is left)."""
        estimate = self.estimate
        if estimate is None or not estimate.sampled or estimate.batches is None:
            return []
        if len(self.eligible) <= count:
            return []
        taken, left = int(self.eligible[count - 1]), int(self.eligible[count])
        lead = estimate.batches[:, taken] - estimate.batches[:, left]
        error = float(estimate.standard_error(lead))
        difference = float(estimate.scores[taken] - estimate.scores[left])
        return [
            RankingCheck(
                removed=removed,
                taken=self.names[taken],
                taken_estimate=float(estimate.scores[taken]),
                left=self.names[left],
                left_estimate=float(estimate.scores[left]),
                lead_standard_error=error,
                separated=difference > t95(len(estimate.batches) - 1) * error,
            )
        ]


def _ranked(
    network: Network, plan: DisruptionPlan, rng: np.random.Generator, removed: list[str]
) -> Ranked:
    """Actors from most to least important by the plan's measure, leaving out ``removed``
    (which recovery may have brought back)."""
    estimate = None
    if plan.strategy == "betweenness":
        estimate = _betweenness(to_networkit(network, lengths=plan.weights))
        scores = estimate.scores
    else:
        scores = _scores(network, plan, rng)
    order = _order(scores, _tie_breaks(network, plan.ties))
    gone = set(removed)
    eligible = np.asarray([i for i in order if network.nodes[i] not in gone], dtype=np.int64)
    return Ranked(network.nodes, eligible, estimate)


def _betweenness(graph: nkit.Graph) -> BetweennessEstimate:
    """Betweenness as a ranking uses it: exact up to the measures' exact size, estimated
    from ``LARGE_BETWEENNESS_PIVOTS`` sources above."""
    exact = graph.numberOfNodes() <= EXACT_UP_TO
    return estimate_betweenness(graph, exact, LARGE_BETWEENNESS_PIVOTS)


def _order(scores: FloatArray, tie_breaks: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Positions from the highest score to the lowest. Scores equal to 12 decimal places
    are ties, broken by ``tie_breaks`` (smallest first): the earlier node in node order
    (``first``), the later one (``last``, as Cavallaro et al.'s code does for most
    measures), or the highest node id (``highest-id``, numbers compared as numbers: as
    their code does for collective influence)."""
    return np.asarray(np.lexsort((tie_breaks, -np.round(scores, 12))), dtype=np.int64)


@dataclass
class ShrinkingPaths:
    """A sequential ranking by estimated betweenness without recovery: the network as one
    NetworKit graph of path lengths that loses actors as they go, so a step does not
    convert the whole network again (at 200,000 nodes that took a third of a step)."""

    graph: nkit.Graph
    names: list[str]
    position: dict[str, int]
    tie_breaks: npt.NDArray[np.int64]
    gone: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, network: Network, plan: DisruptionPlan) -> ShrinkingPaths | None:
        """The shrinking graph for ``plan`` on ``network``, or None where it does not apply
        (another strategy, recovery, or a network small enough for exact betweenness)."""
        if plan.strategy != "betweenness" or plan.recovery.active:
            return None
        if network.node_count <= EXACT_UP_TO:
            return None
        return cls(
            to_networkit(network, lengths=plan.weights),
            network.nodes,
            network.index(),
            _tie_breaks(network, plan.ties),
            np.zeros(network.node_count, dtype=bool),
        )

    def ranked(self) -> Ranked:
        """The actors left, ranked by betweenness estimated on the graph as it now is."""
        estimate = _betweenness(self.graph)
        order = _order(estimate.scores, self.tie_breaks)
        return Ranked(self.names, order[~self.gone[order]], estimate)

    def remove(self, names: list[str]) -> None:
        """Take ``names`` out of the graph."""
        for name in names:
            self.graph.removeNode(self.position[name])
            self.gone[self.position[name]] = True


def _tie_breaks(network: Network, ties: Ties) -> npt.NDArray[np.int64]:
    """Per node, a key whose smallest value wins a tie."""
    position = np.arange(network.node_count)
    if ties == "first":
        return position
    if ties == "last":
        return -position
    numeric = all(node.lstrip("-").isdigit() for node in network.nodes)
    by_id = sorted(position, key=lambda i: int(network.nodes[i]) if numeric else network.nodes[i])
    rank = np.empty_like(position)
    rank[np.asarray(by_id, dtype=np.int64)] = position
    return -rank


def _scores(network: Network, plan: DisruptionPlan, rng: np.random.Generator) -> FloatArray:
    n = network.node_count
    if plan.strategy == "random":
        return rng.random(n)
    if plan.strategy in ("degree", "weighted-degree"):
        weights = (
            network.weights if plan.strategy == "weighted-degree" else np.ones(len(network.weights))
        )
        degree = np.bincount(network.sources, weights, minlength=n)
        return np.asarray(degree + np.bincount(network.targets, weights, minlength=n), float)
    if plan.strategy == "pagerank":
        return pagerank_scores(network)
    if plan.strategy == "katz":
        try:
            return katz_scores(network)
        except NotDefined as exc:
            raise StrategyError(str(exc)) from exc
    if plan.strategy == "collective-influence":
        return collective_influence_scores(network)
    raise StrategyError(f"no scores for strategy {plan.strategy!r}")


def _adjacency(undirected: Network) -> sparse.csr_matrix:
    n = undirected.node_count
    ones = np.ones(undirected.edge_count)
    return sparse.csr_matrix((ones, (undirected.sources, undirected.targets)), shape=(n, n))


def _components(undirected: Network) -> npt.NDArray[np.int32]:
    """Each node's connected component label (undirected view)."""
    _, labels = csgraph.connected_components(_adjacency(undirected), directed=False)
    return np.asarray(labels, dtype=np.int32)


def _largest_component(undirected: Network) -> int:
    if undirected.node_count == 0:
        return 0
    return int(np.bincount(_components(undirected)).max())


def _damage(
    undirected: Network,
    baseline: int,
    efficiency: Efficiency,
    plan: DisruptionPlan,
    removed: int = 0,
) -> dict[str, float]:
    """The damage figures of ``undirected``, the network left."""
    labels = _components(undirected) if undirected.node_count else np.zeros(0, dtype=np.int32)
    largest = int(np.bincount(labels).max()) if len(labels) else 0
    figures = {
        "removed": float(removed),
        "largest_component": largest / baseline if baseline else 0.0,
        "efficiency": efficiency.of_network(undirected),
    }
    if plan.customers:
        figures["customer_reach"] = _customer_reach(undirected, labels, plan)
    return figures


@dataclass
class Efficiency:
    """Global efficiency, the mean of 1/distance over ordered pairs of the *original* nodes
    (unweighted; a removed actor reaches no one), as the network loses actors.

    Exact (every node a source) up to ``EXACT_EFFICIENCY_UP_TO`` original nodes. Above, the
    sources are ``EFFICIENCY_SOURCES`` original nodes drawn once for the whole run, so every
    step is measured from the same places (a source that is removed counts as reaching no
    one) and, without recovery, the figure can only fall as actors go. Without recovery the
    network only loses nodes, so one NetworKit graph serves every step: converting a large
    network costs about as much as the searches.
    """

    total: int
    """Nodes in the original network."""
    sources: list[str] | None
    shrinking: nkit.Graph | None = None
    """Without recovery: the network as a NetworKit graph, losing nodes as they go."""
    position: dict[str, int] = field(default_factory=dict)
    """Node id to position in the original network (and in ``shrinking``)."""

    @classmethod
    def of(cls, undirected: Network, recovering: bool) -> Efficiency:
        """The efficiency measure for a run on ``undirected`` (intact)."""
        n = undirected.node_count
        if n <= EXACT_EFFICIENCY_UP_TO:
            return cls(n, None)
        drawn = np.random.default_rng(0).choice(n, EFFICIENCY_SOURCES, replace=False)
        sources = [undirected.nodes[i] for i in drawn]
        graph = None if recovering else to_networkit(replace(undirected, weighted=False))
        return cls(n, sources, graph, undirected.index())

    def remove(self, nodes: list[str]) -> None:
        """Take ``nodes`` out of the kept graph (when there is one)."""
        if self.shrinking is None:
            return
        for node in nodes:
            if self.shrinking.hasNode(self.position[node]):
                self.shrinking.removeNode(self.position[node])

    def of_network(self, left: Network) -> float:
        """The efficiency of ``left``, what remains of the original network."""
        total = self.total
        if left.node_count < 2 or total < 2:
            return 0.0
        if self.sources is None:
            distances = _hop_counts(left, np.arange(left.node_count))
            return float(_inverse_sums(distances).sum() / (total * (total - 1)))
        if self.shrinking is not None:
            graph = self.shrinking
            present = [self.position[s] for s in self.sources]
            present = [p for p in present if graph.hasNode(p)]
            if not present:
                return 0.0
            search = nkit.distance.SPSP(graph, present)
            search.run()
            distances = np.asarray(search.getDistances(asarray=True), dtype=np.float64)
            distances[distances >= np.finfo(np.float64).max / 2] = np.inf
        else:
            index = left.index()
            present = [index[s] for s in self.sources if s in index]
            distances = _hop_counts(left, np.asarray(present, dtype=np.int64))
        sums = _inverse_sums(distances).sum()
        return float(sums / (len(self.sources) * (total - 1)))


def _hop_counts(undirected: Network, sources: npt.NDArray[np.int64]) -> FloatArray:
    """Hop counts from ``sources`` to every node (inf where unreachable)."""
    if len(sources) == 0:
        return np.zeros((0, undirected.node_count))
    return np.asarray(
        csgraph.shortest_path(
            _adjacency(undirected), directed=False, unweighted=True, indices=sources
        ),
        dtype=np.float64,
    )


def _inverse_sums(distances: FloatArray) -> FloatArray:
    """Per source, the sum of 1/distance to the nodes it reaches."""
    with np.errstate(divide="ignore"):
        inverse = np.where(np.isfinite(distances) & (distances > 0), 1.0 / distances, 0.0)
    return np.asarray(inverse.sum(axis=1), dtype=np.float64)


def _customer_reach(
    undirected: Network, labels: npt.NDArray[np.int32], plan: DisruptionPlan
) -> float:
    index = undirected.index()
    served = {int(labels[index[n]]) for n in plan.line_numbers if n in index}
    reached = sum(1 for c in plan.customers if c in index and int(labels[index[c]]) in served)
    return reached / len(plan.customers)


def _summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per step: the mean of each damage figure, and its 5th and 95th percentiles when
    several runs were made."""
    steps = min(len(run["damage"]) for run in runs)
    summary = []
    for k in range(steps):
        rows = [run["damage"][k] for run in runs]
        entry: dict[str, Any] = {"removed": int(rows[0]["removed"])}
        for key in rows[0]:
            if key == "removed":
                continue
            values = np.array([row[key] for row in rows])
            entry[key] = float(values.mean())
            if len(runs) > 1:
                entry[f"{key}_p5"] = float(np.percentile(values, 5))
                entry[f"{key}_p95"] = float(np.percentile(values, 95))
        summary.append(entry)
    return summary


DAMAGE_MEASURES = {
    "largest_component": "largest connected component as a share of the intact "
    "network's largest component",
    "efficiency": "global efficiency (mean 1/distance over pairs of the original nodes)",
    "customer_reach": "share of the deal lines' customers still connected to a deal-line number",
}
SHARES = ("largest_component", "customer_reach")
"""Damage figures that are shares (shown as percentages)."""


@dataclass(frozen=True)
class Comparison:
    """The same disruption under several strategies, side by side."""

    network: str
    nodes: int
    edges: int
    mode: Mode
    remove: int
    ties: Ties
    weights: WeightMeaning
    recovery: Recovery
    measures: dict[str, str]
    """Each damage figure's name and definition, in order."""
    strategies: list[StrategyRun]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "network": self.network,
            "nodes": self.nodes,
            "edges": self.edges,
            "mode": self.mode,
            "remove": self.remove,
            "ties": self.ties,
            "weights": self.weights,
            "recovery": self.recovery.to_dict(),
            "measures": self.measures,
            "strategies": [run.to_dict() for run in self.strategies],
        }


def compare(
    network: Network, strategies: list[tuple[str, str]], plan: DisruptionPlan
) -> Comparison:
    """The same disruption under each strategy (a label and what it runs), side by side."""
    results = [
        replace(disrupt(network, replace(plan, strategy=strategy)), strategy=label)
        for label, strategy in strategies
    ]
    measures = [m for m in DAMAGE_MEASURES if m != "customer_reach" or plan.customers]
    return Comparison(
        network=network.name,
        nodes=network.node_count,
        edges=network.edge_count,
        mode=plan.mode,
        remove=plan.remove,
        ties=plan.ties,
        weights=plan.weights,
        recovery=plan.recovery,
        measures={name: DAMAGE_MEASURES[name] for name in measures},
        strategies=results,
    )
