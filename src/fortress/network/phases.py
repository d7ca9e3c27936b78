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


def phases(
    networks: list[Network],
    annotations: Annotations | None = None,
    *,
    top: int = 5,
    order: PhaseOrder | None = None,
) -> dict[str, Any]:
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
            {
                "phase": name,
                **{
                    k: figures[k]
                    for k in (
                        "nodes",
                        "edges",
                        "total_weight",
                        "density",
                        "components",
                        "largest_component_share",
                        "degree_centralisation",
                        "betweenness_centralisation",
                    )
                },
                "entered": sorted(present - before) if i else [],
                "left": sorted(before - present),
                "most_central": [
                    {"node": r["node"], "betweenness": r["betweenness"], "degree": r["degree"]}
                    for r in ranked
                ],
                "annotations": annotations.phases.get(name, {}),
            }
        )
    return {
        **({"order": order.to_dict()} if order is not None else {}),
        "phases": rows,
        "actors": actors,
        "absent": "null in each phase's figures; averages given over phases present and over "
        "all phases with absence counted as zero",
        "unmatched_phase_annotations": sorted(set(annotations.phases) - set(names)),
        "unmatched_actor_annotations": sorted(
            set(annotations.actors) - {a["node"] for a in actors}
        ),
    }


def phase_name(network: Network) -> str:
    """``file:3`` for a phase column's phase 3; the file's name otherwise."""
    return network.name.rsplit(":", 1)[-1]


def _actors(
    scores: list[dict[str, dict[str, Any]]],
    names: list[str],
    annotations: Annotations,
) -> list[dict[str, Any]]:
    order: dict[str, None] = {}
    for phase in scores:
        order.update(dict.fromkeys(phase))
    actors = []
    for node in order:
        present = [i for i, phase in enumerate(scores) if node in phase]
        series = {
            measure_name: [phase[node][measure_name] if node in phase else None for phase in scores]
            for measure_name in TRACKED
        }
        betweenness = [value for value in series["betweenness"] if value is not None]
        ranks = [_rank(phase, node) for phase in scores]
        actors.append(
            {
                "node": node,
                "annotations": annotations.actors.get(node, {}),
                "first_phase": names[present[0]],
                "last_phase": names[present[-1]],
                "phases_present": len(present),
                "series": series,
                "betweenness_rank": ranks,
                "mean_betweenness_when_present": sum(betweenness) / len(betweenness),
                "mean_betweenness_absent_as_zero": sum(betweenness) / len(scores),
            }
        )
    actors.sort(key=lambda a: (-a["mean_betweenness_absent_as_zero"], a["node"]))
    return actors


def _rank(phase: dict[str, dict[str, Any]], node: str) -> int | None:
    """1 for the phase's highest betweenness (ties share the better rank); None if absent."""
    if node not in phase:
        return None
    mine = phase[node]["betweenness"]
    return 1 + sum(1 for row in phase.values() if row["betweenness"] > mine)
