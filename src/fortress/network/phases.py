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
) -> dict[str, Any]:
    """The investigation over ``networks`` (in phase order)."""
    annotations = annotations or Annotations()
    options = MeasureOptions(communities=False)
    results = [measure(network, options) for network in networks]
    names = [_phase_name(network) for network in networks]
    scores = [{row["node"]: row for row in result.nodes} for result in results]
    actors = _actors(scores, names, annotations)
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
        "phases": rows,
        "actors": actors,
        "absent": "null in each phase's figures; averages given over phases present and over "
        "all phases with absence counted as zero",
        "unmatched_phase_annotations": sorted(set(annotations.phases) - set(names)),
        "unmatched_actor_annotations": sorted(
            set(annotations.actors) - {a["node"] for a in actors}
        ),
    }


def _phase_name(network: Network) -> str:
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


def phase_chart(result: dict[str, Any], actors: int = 5) -> str:
    """A standalone SVG page: centralisation per phase, and the betweenness of the
    ``actors`` most central actors across phases (gaps where absent)."""
    from fortress.reports.svg import line_chart, standalone

    labels = [row["phase"] for row in result["phases"]]
    centralisation = line_chart(
        "Centralisation per phase",
        labels,
        {
            "degree centralisation": [r["degree_centralisation"] for r in result["phases"]],
            "betweenness centralisation": [
                r["betweenness_centralisation"] for r in result["phases"]
            ],
        },
    )
    top = result["actors"][:actors]
    positions = line_chart(
        "Betweenness of the most central actors (gaps: absent)",
        labels,
        {actor["node"]: actor["series"]["betweenness"] for actor in top},
    )
    return standalone([centralisation, positions])
