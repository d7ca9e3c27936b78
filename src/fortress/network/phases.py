"""Several networks as one investigation over time: phases of a case, or time windows of
comms data. Who enters and leaves, how each actor's position moves, how centralisation
moves (the CAVIAR reading: a network decentralises as seizures mount).

An actor absent from a phase is reported as absent (``null``), never as a zero score.
For averages both readings are given: over the phases the actor was present in, and over
all phases counting absence as zero (the reading Morselli and Petit use for CAVIAR's
rankings, where leaving the network is the loss of position).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fortress.network.graph import Network
from fortress.network.measures import MeasureOptions, measure
from fortress.sources.tabular import FileProblem

TRACKED = ("degree", "weighted_degree", "betweenness", "pagerank")


@dataclass(frozen=True)
class Annotations:
    """What investigators know beside the calls: per actor (role, name ...) and per phase
    (seizures, arrests ...), both read from CSV files."""

    actors: dict[str, dict[str, str]] = field(default_factory=dict)
    phases: dict[str, dict[str, str]] = field(default_factory=dict)


class OrderError(ValueError):
    """An ``--order`` that does not name every phase exactly once."""


@dataclass(frozen=True)
class PhaseOrder:
    """The order in which phases are taken, how it was decided, and a warning when the
    names did not decide it."""

    names: list[str]
    how: str
    warning: str | None = None

    def describe(self) -> str:
        """One line for people: the order used and why."""
        return f"phases in order: {', '.join(self.names)} ({self.how})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"phases": self.names, "how": self.how, "warning": self.warning}


_NUMBER = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """``phase10`` after ``phase9``: runs of digits compare as numbers, text as text."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in _NUMBER.split(name)
        if part
    )


def natural_order(names: list[str]) -> tuple[list[int], PhaseOrder]:
    """Positions of ``names`` in natural order, and the order with a warning when the
    names do not decide it: they differ in more than their numbers (``early``, ``late``),
    or two of them are the same number (``phase1``, ``phase01``)."""
    order = sorted(range(len(names)), key=lambda i: (natural_key(names[i]), i))
    ordered = [names[i] for i in order]
    skeletons = {_NUMBER.sub("#", name.lower()) for name in names}
    keys = [natural_key(name) for name in names]
    decided = len(skeletons) == 1 and "#" in next(iter(skeletons)) and len(set(keys)) == len(keys)
    if decided:
        return order, PhaseOrder(ordered, "by the numbers in their names")
    warning = (
        f"the names ({', '.join(names)}) do not say an order: they differ in more than "
        "their numbers, so they were taken in natural (alphabetical, numbers as numbers) "
        "order; give --order NAME,NAME,... to set it"
    )
    return order, PhaseOrder(ordered, "natural order of the names, not decided by them", warning)


def given_order(names: list[str], order: list[str]) -> list[int]:
    """Positions of ``names`` in the order ``order`` names them; every name once."""
    missing = [name for name in names if name not in order]
    unknown = [name for name in order if name not in names]
    repeated = sorted({name for name in order if order.count(name) > 1})
    if missing or unknown or repeated or len(set(names)) != len(names):
        problems = []
        if missing:
            problems.append(f"it leaves out {', '.join(missing)}")
        if unknown:
            problems.append(f"there is no phase {', '.join(unknown)}")
        if repeated:
            problems.append(f"it names {', '.join(repeated)} twice")
        if len(set(names)) != len(names):
            problems.append("two phases have the same name")
        raise OrderError(
            f"--order must name each phase once ({', '.join(names)}): " + "; ".join(problems)
        )
    return [names.index(name) for name in order]


def read_annotations(path: Path, key: str) -> dict[str, dict[str, str]]:
    """Rows of a CSV keyed by its column ``key`` (``node`` or ``phase``)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise FileProblem(path, f"cannot read: {exc.strerror or exc}") from exc
    if not rows or key not in rows[0]:
        raise FileProblem(path, f"needs a header row with a {key!r} column", row=1)
    annotations: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        name = (row.get(key) or "").strip()
        if not name:
            raise FileProblem(path, f"the {key!r} column is blank", row=number)
        if name in annotations:
            raise FileProblem(path, f"{key} {name!r} appears twice", row=number)
        annotations[name] = {k: (v or "").strip() for k, v in row.items() if k and k != key}
    return annotations


ABSENT = (
    "null in each phase's figures; averages given over phases present and over all phases "
    "with absence counted as zero"
)
"""How absence is reported, said in every result."""


@dataclass(frozen=True, slots=True)
class CentralActor:
    """One of a phase's most central actors."""

    node: str
    betweenness: float
    degree: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"node": self.node, "betweenness": self.betweenness, "degree": self.degree}


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase: its network's figures, who entered and left since the phase before,
    its most central actors by betweenness, and what investigators noted about it."""

    phase: str
    """The phase's name (``phase_name``)."""
    nodes: int
    edges: int
    total_weight: float
    density: float
    components: int
    largest_component_share: float
    degree_centralisation: float
    betweenness_centralisation: float
    entered: tuple[str, ...]
    """Actors present now and not in the phase before (none for the first phase)."""
    left: tuple[str, ...]
    """Actors of the phase before who are not present now."""
    most_central: tuple[CentralActor, ...]
    annotations: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "phase": self.phase,
            "nodes": self.nodes,
            "edges": self.edges,
            "total_weight": self.total_weight,
            "density": self.density,
            "components": self.components,
            "largest_component_share": self.largest_component_share,
            "degree_centralisation": self.degree_centralisation,
            "betweenness_centralisation": self.betweenness_centralisation,
            "entered": list(self.entered),
            "left": list(self.left),
            "most_central": [actor.to_dict() for actor in self.most_central],
            "annotations": self.annotations,
        }


@dataclass(frozen=True, slots=True)
class Actor:
    """One actor across the phases: where it is present, each tracked measure per phase
    (None where absent), its betweenness rank per phase and its mean betweenness read
    both ways."""

    node: str
    annotations: dict[str, str]
    first_phase: str
    last_phase: str
    phases_present: int
    series: dict[str, tuple[float | None, ...]]
    """Per measure of ``TRACKED``, its value in each phase (None where absent)."""
    betweenness_rank: tuple[int | None, ...]
    """1 for a phase's highest betweenness (ties share the better rank); None if absent."""
    mean_betweenness_when_present: float
    mean_betweenness_absent_as_zero: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "node": self.node,
            "annotations": self.annotations,
            "first_phase": self.first_phase,
            "last_phase": self.last_phase,
            "phases_present": self.phases_present,
            "series": {name: list(values) for name, values in self.series.items()},
            "betweenness_rank": list(self.betweenness_rank),
            "mean_betweenness_when_present": self.mean_betweenness_when_present,
            "mean_betweenness_absent_as_zero": self.mean_betweenness_absent_as_zero,
        }


@dataclass(frozen=True, slots=True)
class Investigation:
    """Several networks as one investigation: each phase, each actor (by mean
    betweenness with absence counted as zero, highest first), and the annotations that
    named no phase or actor."""

    phases: tuple[Phase, ...]
    actors: tuple[Actor, ...]
    unmatched_phase_annotations: tuple[str, ...]
    unmatched_actor_annotations: tuple[str, ...]
    order: PhaseOrder | None = None
    """How the phases were ordered, when the caller decided it."""

    @property
    def absent(self) -> str:
        """How absence is reported."""
        return ABSENT

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``order`` only when known)."""
        return {
            **({"order": self.order.to_dict()} if self.order is not None else {}),
            "phases": [phase.to_dict() for phase in self.phases],
            "actors": [actor.to_dict() for actor in self.actors],
            "absent": ABSENT,
            "unmatched_phase_annotations": list(self.unmatched_phase_annotations),
            "unmatched_actor_annotations": list(self.unmatched_actor_annotations),
        }


def phases(
    networks: list[Network],
    annotations: Annotations | None = None,
    *,
    top: int = 5,
    order: PhaseOrder | None = None,
) -> Investigation:
    """The investigation over ``networks`` (in phase order). Each actor's annotations
    are its nodes' attributes (as the source gave them, or the deal-line roles of comms
    data; the latest phase's when they change), with ``annotations.actors`` over them."""
    annotations = annotations or Annotations()
    options = MeasureOptions(communities=False)
    results = [measure(network, options) for network in networks]
    names = [phase_name(network) for network in networks]
    scores = [{row["node"]: row for row in result.nodes} for result in results]
    known: dict[str, dict[str, str]] = {}
    for network in networks:
        for node, values in network.attributes.items():
            known.setdefault(node, {}).update(values)
    for node, values in annotations.actors.items():
        known.setdefault(node, {}).update(values)
    actors = _actors(scores, names, Annotations(known, annotations.phases))
    rows = []
    for i, (name, result) in enumerate(zip(names, results, strict=True)):
        present, before = set(scores[i]), set(scores[i - 1]) if i else set()
        ranked = sorted(result.nodes, key=lambda r: (-r["betweenness"], r["node"]))[:top]
        figures = result.network
        rows.append(
            Phase(
                phase=name,
                nodes=figures["nodes"],
                edges=figures["edges"],
                total_weight=figures["total_weight"],
                density=figures["density"],
                components=figures["components"],
                largest_component_share=figures["largest_component_share"],
                degree_centralisation=figures["degree_centralisation"],
                betweenness_centralisation=figures["betweenness_centralisation"],
                entered=tuple(sorted(present - before)) if i else (),
                left=tuple(sorted(before - present)),
                most_central=tuple(
                    CentralActor(r["node"], r["betweenness"], r["degree"]) for r in ranked
                ),
                annotations=annotations.phases.get(name, {}),
            )
        )
    return Investigation(
        phases=tuple(rows),
        actors=actors,
        unmatched_phase_annotations=tuple(sorted(set(annotations.phases) - set(names))),
        unmatched_actor_annotations=tuple(
            sorted(set(annotations.actors) - {actor.node for actor in actors})
        ),
        order=order,
    )


def phase_name(network: Network) -> str:
    """``file:3`` for a phase column's phase 3; the file's name otherwise."""
    return network.name.rsplit(":", 1)[-1]


def _actors(
    scores: list[dict[str, dict[str, Any]]],
    names: list[str],
    annotations: Annotations,
) -> tuple[Actor, ...]:
    order: dict[str, None] = {}
    for phase in scores:
        order.update(dict.fromkeys(phase))
    actors = []
    for node in order:
        present = [i for i, phase in enumerate(scores) if node in phase]
        series = {
            measure_name: tuple(
                phase[node][measure_name] if node in phase else None for phase in scores
            )
            for measure_name in TRACKED
        }
        betweenness = [value for value in series["betweenness"] if value is not None]
        actors.append(
            Actor(
                node=node,
                annotations=annotations.actors.get(node, {}),
                first_phase=names[present[0]],
                last_phase=names[present[-1]],
                phases_present=len(present),
                series=series,
                betweenness_rank=tuple(_rank(phase, node) for phase in scores),
                mean_betweenness_when_present=sum(betweenness) / len(betweenness),
                mean_betweenness_absent_as_zero=sum(betweenness) / len(scores),
            )
        )
    actors.sort(key=lambda a: (-a.mean_betweenness_absent_as_zero, a.node))
    return tuple(actors)


def _rank(phase: dict[str, dict[str, Any]], node: str) -> int | None:
    """1 for the phase's highest betweenness (ties share the better rank); None if absent."""
    if node not in phase:
        return None
    mine = phase[node]["betweenness"]
    return 1 + sum(1 for row in phase.values() if row["betweenness"] > mine)
