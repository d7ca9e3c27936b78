"""Score the latest detection run against a simulated world's ground truth.

A true line is found when any of its numbers is in a detected line; a detected line is
correct when any of its numbers belongs to a true line. Successor links are the
consecutive numbers of a line; runners are correct when they run the matched line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fortress.comms.lines import list_lines, safeguarding, show_line
from fortress.model.lines import (
    CuckooRecall,
    CuckooSite,
    Evaluation,
    LineDetail,
    MeasureResult,
    Measures,
    Safeguarding,
)
from fortress.store.workspace import Workspace


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


def evaluate_workspace(workspace: Workspace, truth_path: Path) -> Evaluation:
    """Evaluate the workspace's latest detection run against ``truth_path``."""
    truth = load_truth(truth_path)
    found = [show_line(workspace, item.line_id) for item in list_lines(workspace) if item.line_id]
    report = evaluate(truth, found, safeguarding(workspace))
    return report.model_copy(update={"truth_file": str(truth_path)})


def evaluate(
    truth: dict[str, Any], found: list[LineDetail], sites: list[Safeguarding] | None = None
) -> Evaluation:
    """Pure scoring of detected lines (``show_line`` results) against ``truth``."""
    line_of = {n["number"]: t["line_id"] for t in truth["lines"] for n in t["numbers"]}
    matched = [_match(line, line_of) for line in found]
    detected_numbers = {n for line in found for n in line.numbers}
    bulk = {b["number"] for b in truth.get("bulk_senders", [])}
    flagged_bulk = sorted(bulk & detected_numbers)
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
        successor_links=_links(truth, found).result(),
        runners=_runners(truth, found, matched).result(),
        controllers=_controllers(truth, found, matched).result(),
        child_runners=_children(truth, found).result(),
    )
    return Evaluation(
        measures=measures,
        legitimate_bulk_senders_flagged=flagged_bulk,
        cuckooed_sites=_cuckooed(truth, sites or []),
        notes=_notes(truth, found, matched, flagged_bulk),
    )


def _match(line: LineDetail, line_of: dict[str, str]) -> str | None:
    hits = [line_of[n] for n in line.numbers if n in line_of]
    return max(set(hits), key=hits.count) if hits else None


def _links(truth: dict[str, Any], found: list[LineDetail]) -> Measure:
    true_links = {
        (a["number"], b["number"])
        for t in truth["lines"]
        for a, b in zip(t["numbers"], t["numbers"][1:], strict=False)
    }
    found_links = {
        (a, b) for line in found for a, b in zip(line.numbers, line.numbers[1:], strict=False)
    }
    correct = len(found_links & true_links)
    return Measure(len(true_links), len(found_links), correct, correct)


def _runners(truth: dict[str, Any], found: list[LineDetail], matched: list[str | None]) -> Measure:
    runners_of = {t["line_id"]: {r["number"] for r in t["runners"]} for t in truth["lines"]}
    found_pairs = {
        (line_id, r.number)
        for line, line_id in zip(found, matched, strict=True)
        for r in line.runners.numbers
    }
    correct = {(lid, n) for lid, n in found_pairs if lid is not None and n in runners_of[lid]}
    total = sum(len(r) for r in runners_of.values())
    return Measure(total, len(found_pairs), len(correct), len(correct))


def _controllers(
    truth: dict[str, Any], found: list[LineDetail], matched: list[str | None]
) -> Measure:
    boss = {t["line_id"]: t["controller"]["number"] for t in truth["lines"]}
    pairs = {
        (line_id, c.number)
        for line, line_id in zip(found, matched, strict=True)
        for c in line.controllers.numbers
    }
    correct = {(lid, n) for lid, n in pairs if lid is not None and boss[lid] == n}
    return Measure(len(boss), len(pairs), len(correct), len({lid for lid, _ in correct}))


def _children(truth: dict[str, Any], found: list[LineDetail]) -> Measure:
    """Runners flagged as possible children against the truth's child runners."""
    children = {r["number"] for t in truth["lines"] for r in t["runners"] if r["is_child"]}
    flagged = {c.number for line in found for c in line.children if c.possible_child}
    hit = len(flagged & children)
    return Measure(len(children), len(flagged), hit, hit)


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
    flagged_bulk: list[str],
) -> list[str]:
    notes = []
    missed = [t for t in truth["lines"] if t["line_id"] not in set(matched)]
    for t in missed:
        numbers = ", ".join(n["number"] for n in t["numbers"])
        notes.append(f"missed {t['line_id']} ({t.get('brand', '?')} line): {numbers}")
    for line, m in zip(found, matched, strict=True):
        if m is None:
            notes.append(f"false line {line.line_id}: {', '.join(line.numbers)}")
    split = {m for m in matched if m is not None and matched.count(m) > 1}
    for line_id in sorted(split):
        notes.append(f"{line_id} was found as {matched.count(line_id)} separate lines")
    if flagged_bulk:
        notes.append(f"legitimate bulk senders flagged as lines: {', '.join(flagged_bulk)}")
    return notes
