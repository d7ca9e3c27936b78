"""Score the latest detection run against a simulated world's ground truth, and sum up
scores over many worlds.

One world (:func:`evaluate`, pure; :func:`evaluate_workspace` reads the run):

* **lines** - a true line is found when any of its numbers is in a detected line; a
  detected line is correct when most of its numbers that belong to a true line belong to
  one (it is matched to that line). A true line matched by several detected lines is
  *split* (``lines_split``): each of them counts as correct, the true line once.
* **successor links** - the truth's changes of a line's number (``lines[].switches``,
  ``old_number`` -> ``new_number``; a truth without them uses the line's numbers in
  order) against the detected lines' consecutive numbers (oldest first): a link is
  correct when both numbers are consecutive in one detected line.
* **legitimate senders flagged** - the truth's ``bulk_senders`` (takeaways, community
  organisers, newsletters, ...) that are in a detected line, with their kind.
* **roles** - runners are correct when they run the matched line, a controller when it
  controls it; possible child runners against the truth's child runners.
* **phone switches** - people who are not lines changing number (the truth's
  ``phone_switches``, truth version 2): is the true new number the top candidate of
  :func:`fortress.comms.successors.find_successors` for the old one, and how many other
  candidates score at least :data:`CONFIDENT_SCORE`.

Many worlds (``benchmarks/evaluate_detection.py``): :func:`spread` gives the median,
10th percentile and worst of a figure over worlds, :class:`Target` judges a figure
against its threshold in a sentence that is true to the figure.

Truth files of version 1 lack ``profile``, ``phone_switches``, line ``kind`` and the
sender kinds of version 2; every such field is read with an explicit default.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

import ibis.expr.types as ir

from fortress.comms.lines import list_lines, safeguarding, show_line
from fortress.comms.successors import find_successors
from fortress.model.lines import (
    CuckooRecall,
    CuckooSite,
    Evaluation,
    FlaggedSender,
    LineDetail,
    LineSummary,
    MeasureResult,
    Measures,
    PhoneSwitches,
    PhoneSwitchMiss,
    Safeguarding,
    SuccessorCandidate,
)
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace

CONFIDENT_SCORE: Final = 0.5
"""A candidate successor scoring at least this is a confident one: an analyst reading the
ranked list would take it for the new number (``SuccessorParams.min_score`` is 0.25, the
score a candidate needs to be listed at all)."""


class TruthError(Exception):
    """The ground-truth file cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class Measure:
    """Counts behind one precision / recall pair."""

    truth: int
    found: int | None  # None: this run does not produce the thing at all
    correct_found: int
    truth_found: int

    def result(self) -> MeasureResult:
        """With precision, recall and F1 (None where undefined)."""
        precision = self.correct_found / self.found if self.found else None
        recall = self.truth_found / self.truth if self.truth else None
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision is not None and recall is not None and precision + recall > 0
            else None
        )
        return MeasureResult(
            truth=self.truth,
            found=self.found,
            correct=self.correct_found,
            precision=precision,
            recall=recall,
            f1=f1,
        )


def load_truth(path: Path) -> dict[str, Any]:
    """Read and check a ground-truth file written by ``fortress simulate``."""
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TruthError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TruthError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(truth, dict) or not isinstance(truth.get("lines"), list):
        raise TruthError(f"{path}: not a Fortress ground-truth file (no 'lines' list)")
    return truth


def evaluate_workspace(
    workspace: Workspace, truth_path: Path, *, phone_switches: bool = True
) -> Evaluation:
    """Evaluate the workspace's latest detection run against ``truth_path``; with
    ``phone_switches`` (and a truth that records them) also rank the successors of every
    person's old number."""
    truth = load_truth(truth_path)
    found = [show_line(workspace, item.line_id) for item in list_lines(workspace) if item.line_id]
    ranked = None
    if phone_switches and truth.get("phone_switches"):
        events = event_tables.table(event_tables.connect(workspace), workspace, COMMS)
        ranked = rank_switches(events, truth) if events is not None else {}
    report = evaluate(truth, found, safeguarding(workspace), ranked)
    return report.model_copy(update={"truth_file": str(truth_path)})


def evaluate(
    truth: dict[str, Any],
    found: list[LineDetail],
    sites: list[Safeguarding] | None = None,
    ranked: Mapping[str, list[SuccessorCandidate]] | None = None,
) -> Evaluation:
    """Pure scoring of detected lines (``show_line`` results) against ``truth``;
    ``ranked`` holds the candidate successors of each old number of the truth's
    ``phone_switches`` (:func:`rank_switches`), if they were ranked."""
    line_of = {n["number"]: t["line_id"] for t in truth["lines"] for n in t["numbers"]}
    matched = [_match(line, line_of) for line in found]
    detected_numbers = {n for line in found for n in line.numbers}
    flagged = flagged_senders(truth, found)
    measures = Measures(
        lines=Measure(
            truth=len(truth["lines"]),
            found=len(found),
            correct_found=sum(1 for m in matched if m is not None),
            truth_found=len({m for m in matched if m is not None}),
        ).result(),
        line_numbers=Measure(
            truth=len(line_of),
            found=len(detected_numbers),
            correct_found=len(detected_numbers & set(line_of)),
            truth_found=len(detected_numbers & set(line_of)),
        ).result(),
        successor_links=successor_links(truth, found).result(),
        runners=_runners(truth, found, matched).result(),
        controllers=_controllers(truth, found, matched).result(),
        child_runners=_children(truth, found).result(),
    )
    return Evaluation(
        measures=measures,
        legitimate_bulk_senders_flagged=[s.number for s in flagged],
        cuckooed_sites=_cuckooed(truth, sites or []),
        notes=_notes(truth, found, matched, flagged),
        legitimate_senders_flagged=flagged,
        lines_split=len(_split(matched)),
        phone_switches=None if ranked is None else score_phone_switches(truth, ranked),
    )


def _match(line: LineSummary, line_of: dict[str, str]) -> str | None:
    hits = [line_of[n] for n in line.numbers if n in line_of]
    return max(set(hits), key=hits.count) if hits else None


def found_lines(truth: dict[str, Any], found: Sequence[LineSummary]) -> set[str]:
    """The true lines (ids) that some detected line is matched to."""
    line_of = {n["number"]: t["line_id"] for t in truth["lines"] for n in t["numbers"]}
    return {m for line in found if (m := _match(line, line_of)) is not None}


def _split(matched: list[str | None]) -> list[str]:
    """True lines matched by more than one detected line."""
    return sorted({m for m in matched if m is not None and matched.count(m) > 1})


def true_links(truth: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Each change of a line's number, ``(old, new)``, and the line it belongs to: the
    line's ``switches``, or its numbers in order where a truth has no switches."""
    links: dict[tuple[str, str], str] = {}
    for line in truth["lines"]:
        if "switches" in line:
            pairs = [(s["old_number"], s["new_number"]) for s in line["switches"]]
        else:
            numbers = [n["number"] for n in line["numbers"]]
            pairs = list(pairwise(numbers))
        links.update(dict.fromkeys(pairs, line["line_id"]))
    return links


def found_links(found: Sequence[LineSummary]) -> set[tuple[str, str]]:
    """Consecutive numbers of each detected line (its numbers are oldest first)."""
    return {pair for line in found for pair in pairwise(line.numbers)}


def successor_links(truth: dict[str, Any], found: Sequence[LineSummary]) -> Measure:
    """True changes of number found as consecutive numbers of one detected line."""
    expected = set(true_links(truth))
    links = found_links(found)
    correct = len(links & expected)
    return Measure(len(expected), len(links), correct, correct)


def flagged_senders(truth: dict[str, Any], found: Sequence[LineSummary]) -> list[FlaggedSender]:
    """The truth's legitimate senders that are in a detected line, by number."""
    detected = {n for line in found for n in line.numbers}
    return sorted(
        (
            FlaggedSender(
                number=sender["number"],
                kind=str(sender.get("kind", "unknown")),
                name=sender.get("name"),
            )
            for sender in truth.get("bulk_senders", [])
            if sender["number"] in detected
        ),
        key=lambda s: s.number,
    )


def rank_switches(events: ir.Table, truth: dict[str, Any]) -> dict[str, list[SuccessorCandidate]]:
    """The candidate successors of each old number of the truth's ``phone_switches``, as
    ``find_successors(events, number=old)`` ranks them (empty where it finds none).

    One call ranks them all: ``find_successors`` finds every switch and ranks its
    candidates whether or not ``number`` is given (``number`` only picks one out), and lists
    every switched number that has a candidate; a number it does not list has none. A call
    per number would repeat the whole work each time (minutes on a million events).
    """
    listed = {item.number: item.candidates for item in find_successors(events)}
    return {
        switch["old_number"]: listed.get(switch["old_number"], [])
        for switch in truth.get("phone_switches", [])
    }


def score_phone_switches(
    truth: dict[str, Any],
    ranked: Mapping[str, list[SuccessorCandidate]],
    confident_score: float = CONFIDENT_SCORE,
) -> PhoneSwitches:
    """How often the true new number of a person's change of number is the top
    candidate, and how many other candidates score at least ``confident_score``."""
    switches = truth.get("phone_switches", [])
    correct, confident_false = 0, 0
    misses = []
    for switch in switches:
        candidates = ranked.get(switch["old_number"], [])
        top = candidates[0] if candidates else None
        new = switch["new_number"]
        confident_false += sum(
            1 for c in candidates if c.number != new and c.score >= confident_score
        )
        if top is not None and top.number == new:
            correct += 1
            continue
        misses.append(
            PhoneSwitchMiss(
                old_number=switch["old_number"],
                new_number=new,
                role=str(switch.get("role", "unknown")),
                top_candidate=top.number if top else None,
                top_score=top.score if top else None,
                same_handset=bool(switch.get("same_handset", False)),
            )
        )
    return PhoneSwitches(
        truth=len(switches),
        top_correct=correct,
        accuracy=correct / len(switches) if switches else None,
        confident_false=confident_false,
        confident_score=confident_score,
        misses=misses,
    )


def _numbers(person: dict[str, Any]) -> set[str]:
    """Every number a true runner or controller used (truth v2 lists their changes of
    number; v1 has the one)."""
    return set(person.get("numbers") or [person["number"]])


def _runners(truth: dict[str, Any], found: list[LineDetail], matched: list[str | None]) -> Measure:
    """Runner numbers of matched lines against the true runners, a person found when any
    of the numbers they used is (runners change burners too)."""
    people = {t["line_id"]: [_numbers(r) for r in t["runners"]] for t in truth["lines"]}
    found_pairs = {
        (line_id, r.number)
        for line, line_id in zip(found, matched, strict=True)
        for r in line.runners.numbers
    }
    return _people_measure(people, found_pairs)


def _controllers(
    truth: dict[str, Any], found: list[LineDetail], matched: list[str | None]
) -> Measure:
    """Controller numbers of matched lines against each line's controller (any of the
    numbers the controller used)."""
    people = {t["line_id"]: [_numbers(t["controller"])] for t in truth["lines"]}
    pairs = {
        (line_id, c.number)
        for line, line_id in zip(found, matched, strict=True)
        for c in line.controllers.numbers
    }
    return _people_measure(people, pairs)


def _people_measure(
    people: dict[str, list[set[str]]], found_pairs: set[tuple[str | None, str]]
) -> Measure:
    """Found (line, number) pairs are correct when the number is one a true person of that
    line used; a person is found when any of their numbers is."""
    correct = {
        (lid, n) for lid, n in found_pairs if lid is not None and any(n in p for p in people[lid])
    }
    persons = {(lid, i) for lid, n in correct for i, p in enumerate(people[lid]) if n in p}
    total = sum(len(p) for p in people.values())
    return Measure(total, len(found_pairs), len(correct), len(persons))


def _children(truth: dict[str, Any], found: list[LineDetail]) -> Measure:
    """Runners flagged as possible children against the truth's child runners (any of the
    numbers each child used)."""
    children = [_numbers(r) for t in truth["lines"] for r in t["runners"] if r["is_child"]]
    flagged = {c.number for line in found for c in line.children if c.possible_child}
    hit = {n for n in flagged if any(n in child for child in children)}
    found_children = sum(1 for child in children if child & flagged)
    return Measure(len(children), len(flagged), len(hit), found_children)


def _cuckooed(truth: dict[str, Any], sites: list[Safeguarding]) -> CuckooRecall:
    """Recall of true cuckooed cells among candidate cuckooed addresses, and how many
    candidates there were (the list is ranked for visits, so precision is secondary)."""
    true_cells = {site["cell_id"] for site in truth.get("cuckooed_addresses", [])}
    candidates = [
        s for s in sites if isinstance(s, CuckooSite) and s.kind == "candidate_cuckooed_address"
    ]
    found_cells = {s.cell_id for s in candidates}
    hit = true_cells & found_cells
    top = {s.cell_id for s in candidates[: max(len(true_cells), 1)]}
    return CuckooRecall(
        truth=len(true_cells),
        found=len(found_cells),
        correct=len(hit),
        recall=len(hit) / len(true_cells) if true_cells else None,
        recall_in_top=len(true_cells & top) / len(true_cells) if true_cells else None,
    )


def _notes(
    truth: dict[str, Any],
    found: list[LineDetail],
    matched: list[str | None],
    flagged: list[FlaggedSender],
) -> list[str]:
    notes = []
    missed = [t for t in truth["lines"] if t["line_id"] not in set(matched)]
    for t in missed:
        numbers = ", ".join(n["number"] for n in t["numbers"])
        kind = t.get("kind", "exported")
        notes.append(f"missed {t['line_id']} ({t.get('brand', '?')} line, {kind}): {numbers}")
    for line, m in zip(found, matched, strict=True):
        if m is None:
            notes.append(f"false line {line.line_id}: {', '.join(line.numbers)}")
    for line_id in _split(matched):
        notes.append(f"{line_id} was found as {matched.count(line_id)} separate lines")
    links = found_links(found)
    for (old, new), line_id in true_links(truth).items():
        if (old, new) not in links and line_id in set(matched):
            notes.append(f"{line_id}: change of number {old} -> {new} not linked")
    if flagged:
        senders = ", ".join(f"{s.number} ({s.kind})" for s in flagged)
        notes.append(f"legitimate bulk senders flagged as lines: {senders}")
    return notes


# --- many worlds --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spread:
    """A figure over worlds: how many worlds define it, its median, 10th percentile and
    worst value (None when no world defines it)."""

    worlds: int
    undefined: int
    median: float | None
    p10: float | None
    worst: float | None


def spread(values: Sequence[float | None]) -> Spread:
    """Median, 10th percentile and worst (lowest) of a higher-is-better figure; worlds
    where it is undefined (None) are counted apart.

    The 10th percentile is the nearest rank: the ``ceil(0.1 n)``-th lowest of ``n`` values,
    so at least a tenth of the worlds score at or below it (of 30 worlds, the third
    lowest; of 10 or fewer, the lowest).
    """
    known = sorted(v for v in values if v is not None)
    undefined = len(values) - len(known)
    if not known:
        return Spread(0, undefined, None, None, None)
    rank = max(math.ceil(0.1 * len(known)), 1)
    return Spread(len(known), undefined, statistics.median(known), known[rank - 1], known[0])


def pooled(results: Sequence[MeasureResult]) -> MeasureResult:
    """Precision and recall over several worlds' counts added together."""
    found = [r.found for r in results if r.found is not None]
    return Measure(
        truth=sum(r.truth for r in results),
        found=sum(found) if found else None,
        correct_found=sum(r.correct for r in results),
        truth_found=sum(_truth_found(r) for r in results),
    ).result()


def _truth_found(result: MeasureResult) -> int:
    """How many true things were found: recall times truth (not ``correct``, which counts
    what was found correctly: a runner found by two of their numbers is two correct
    numbers and one runner)."""
    return round((result.recall or 0.0) * result.truth)


@dataclass(frozen=True, slots=True)
class Target:
    """A figure that must reach ``threshold``; ``label`` names the figure and how it is
    taken over worlds (``the median line F1``)."""

    label: str
    threshold: float
    percent: bool = False

    def passes(self, value: float | None) -> bool:
        """Whether ``value`` reaches the threshold (an undefined figure does not)."""
        return value is not None and value >= self.threshold

    def sentence(self, value: float | None, worlds: int) -> str:
        """``PASS``/``FAIL``, the figure and the threshold, in digits that never make a
        failing figure look like the threshold."""
        verdict = "PASS" if self.passes(value) else "FAIL"
        goal = self._text(self.threshold, self.threshold)
        figure = "undefined" if value is None else self._text(value, self.threshold)
        return (
            f"{verdict}: {self.label} over {worlds} held-out worlds is {figure} "
            f"(target: at least {goal})."
        )

    def _text(self, value: float, threshold: float) -> str:
        scale, suffix = (100.0, "%") if self.percent else (1.0, "")
        digits = 0 if self.percent else 2
        while digits < 8:
            shown = round(value * scale, digits)
            if (value >= threshold) == (shown >= round(threshold * scale, digits)):
                break
            digits += 1
        return f"{value * scale:.{digits}f}{suffix}"
