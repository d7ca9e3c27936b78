"""Scoring detection against a world's truth, and summing scores over worlds, on hand-made
truths and hand-made detected lines whose answers were worked out by hand."""

from __future__ import annotations

import importlib.util
import sys
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fortress.comms.evaluate import (
    Target,
    evaluate,
    flagged_senders,
    found_lines,
    pooled,
    score_phone_switches,
    spread,
    successor_links,
    true_links,
)
from fortress.model.lines import (
    ControllerList,
    CustomerList,
    LineDetail,
    MeasureResult,
    RunnerCount,
    RunnerList,
    RunRef,
    SuccessorCandidate,
)

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "evaluate_detection.py"


def detected(line_id: str, *numbers: str, runners: tuple[str, ...] = ()) -> LineDetail:
    """A detected line holding ``numbers`` (oldest first) and nothing else."""
    return LineDetail(
        line_id=line_id,
        is_line=True,
        numbers=list(numbers),
        score=0.9,
        first_seen_utc="2025-01-06T00:00:00",
        last_seen_utc="2025-02-06T00:00:00",
        customer_count=0,
        evidence=[],
        number_history=[],
        customers=CustomerList(count=0, numbers=[]),
        runners=RunnerList(
            count=len(runners), numbers=[RunnerCount(number=r, dispatches=1) for r in runners]
        ),
        controllers=ControllerList(count=0, numbers=[]),
        runner_movements={},
        children=[],
        phone_holders={},
        handsets=[],
        sites=[],
        run=RunRef(id="run", finished_at="2025-02-07T00:00:00"),
    )


def true_line(line_id: str, *numbers: str, switches: bool = True) -> dict[str, Any]:
    """A truth record of a line whose numbers follow each other."""
    record: dict[str, Any] = {
        "line_id": line_id,
        "brand": line_id.upper(),
        "numbers": [{"number": n} for n in numbers],
        "controller": {"number": f"{line_id}-boss"},
        "runners": [{"number": f"{line_id}-runner", "is_child": False}],
        "customers": [],
    }
    if switches:
        record["switches"] = [
            {"old_number": a, "new_number": b, "same_handset": False} for a, b in pairwise(numbers)
        ]
    return record


TRUTH: dict[str, Any] = {
    "lines": [true_line("L1", "a1", "a2", "a3"), true_line("L2", "b1", "b2")],
    "bulk_senders": [
        {"number": "t1", "kind": "takeaway", "name": "Pizza"},
        {"number": "o1", "kind": "community_organiser", "name": "Hall"},
        {"number": "o2", "kind": "community_organiser", "name": "Club"},
        {"number": "n1", "kind": "newsletter", "name": "Daily"},
    ],
}


def test_successor_links_count_consecutive_numbers_of_one_detected_line() -> None:
    # True links: a1>a2, a2>a3, b1>b2. Detected: [a1 a2] and [a3 b1 b2] and [x a3]:
    # found links a1>a2 (true), a3>b1 (false), b1>b2 (true), x>a3 (false); a2>a3 is split
    # across two detected lines, so it is missed.
    found = [
        detected("d1", "a1", "a2"),
        detected("d2", "a3", "b1", "b2"),
        detected("d3", "x", "a3"),
    ]
    result = successor_links(TRUTH, found).result()
    assert (result.truth, result.found, result.correct) == (3, 4, 2)
    assert result.precision == pytest.approx(2 / 4)
    assert result.recall == pytest.approx(2 / 3)


def test_a_link_in_the_wrong_order_or_with_a_gap_is_not_correct() -> None:
    found = [detected("d1", "a2", "a1"), detected("d2", "a1", "x", "a2")]
    assert successor_links(TRUTH, found).correct_found == 0


def test_links_come_from_the_switches_where_the_truth_has_them() -> None:
    # The truth's switches say b1 was followed by b3 (b2 ran alongside, never a switch).
    line = true_line("L2", "b1", "b2", "b3", switches=False)
    line["switches"] = [{"old_number": "b1", "new_number": "b3"}]
    assert set(true_links({"lines": [line]})) == {("b1", "b3")}
    older = true_line("L3", "c1", "c2", switches=False)  # version 1: numbers in order
    assert set(true_links({"lines": [older]})) == {("c1", "c2")}


def test_legitimate_senders_flagged_by_kind() -> None:
    found = [detected("d1", "a1", "o1"), detected("d2", "n1"), detected("d3", "o2")]
    flagged = flagged_senders(TRUTH, found)
    assert [(s.number, s.kind) for s in flagged] == [
        ("n1", "newsletter"),
        ("o1", "community_organiser"),
        ("o2", "community_organiser"),
    ]
    report = evaluate(TRUTH, found)
    assert report.flagged_by_kind() == {"community_organiser": 2, "newsletter": 1}
    assert report.legitimate_bulk_senders_flagged == ["n1", "o1", "o2"]
    assert any("o1 (community_organiser)" in note for note in report.notes)


def test_a_sender_without_a_kind_is_flagged_as_unknown() -> None:
    truth = {"lines": [], "bulk_senders": [{"number": "s"}]}
    assert [s.kind for s in flagged_senders(truth, [detected("d", "s")])] == ["unknown"]


def test_a_line_found_as_two_is_split_and_counted_once_in_recall() -> None:
    found = [detected("d1", "a1", "a2"), detected("d2", "a3"), detected("d3", "b1", "b2")]
    report = evaluate(TRUTH, found)
    lines = report.measures.lines
    assert (lines.truth, lines.found, lines.correct) == (2, 3, 3)
    assert (lines.precision, lines.recall) == (1.0, 1.0)
    assert report.lines_split == 1
    assert "L1 was found as 2 separate lines" in report.notes
    assert "L1: change of number a2 -> a3 not linked" in report.notes


def test_found_lines_are_the_true_lines_matched() -> None:
    found = [detected("d1", "a2", "x"), detected("d2", "o1"), detected("d3", "b2", "a3", "b1")]
    assert found_lines(TRUTH, found) == {"L1", "L2"}  # d3: two of L2's numbers, one of L1's


def test_a_missed_line_and_a_false_line() -> None:
    report = evaluate(TRUTH, [detected("d1", "a1", "a2", "a3"), detected("d2", "o1")])
    lines = report.measures.lines
    assert (lines.precision, lines.recall) == (0.5, 0.5)
    assert report.lines_split == 0
    assert "missed L2 (L2 line, exported): b1, b2" in report.notes
    assert "false line d2: o1" in report.notes
    assert report.phone_switches is None  # not ranked


def test_runners_of_the_matched_line() -> None:
    found = [detected("d1", "a1", runners=("L1-runner", "L2-runner"))]
    runners = evaluate(TRUTH, found).measures.runners
    assert (runners.truth, runners.found, runners.correct) == (2, 2, 1)


def test_a_runner_is_found_by_any_number_they_used() -> None:
    """A runner who changed burner is one person: both numbers are correct, and the person
    counts once in recall."""
    line = true_line("L1", "a1")
    line["runners"] = [
        {"number": "r-old", "numbers": ["r-old", "r-new"], "is_child": True},
        {"number": "s-old", "numbers": ["s-old"], "is_child": False},
    ]
    found = [detected("d1", "a1", runners=("r-old", "r-new", "stranger"))]
    runners = evaluate({"lines": [line]}, found).measures.runners
    assert (runners.truth, runners.found, runners.correct, runners.recall) == (2, 3, 2, 0.5)


def candidate(number: str, score: float) -> SuccessorCandidate:
    """A ranked candidate successor."""
    return SuccessorCandidate(number=number, score=score, signals={}, evidence=[])


def test_phone_switches_top_candidate_and_confident_false_candidates() -> None:
    truth = {
        "lines": [],
        "phone_switches": [
            {"person_id": "p1", "role": "customer", "old_number": "o1", "new_number": "n1"},
            {"person_id": "p2", "role": "runner", "old_number": "o2", "new_number": "n2",
             "same_handset": True},
            {"person_id": "p3", "role": "ordinary", "old_number": "o3", "new_number": "n3"},
        ],
    }  # fmt: skip
    ranked = {
        "o1": [candidate("n1", 0.9), candidate("x", 0.6), candidate("y", 0.3)],
        "o2": [candidate("z", 0.7), candidate("n2", 0.65)],
        "o3": [],
    }
    result = score_phone_switches(truth, ranked)
    # o1: right at the top, x is a confident false one; o2: z on top (confident, false);
    # o3: nothing ranked.
    assert (result.truth, result.top_correct, result.confident_false) == (3, 1, 2)
    assert result.accuracy == pytest.approx(1 / 3)
    assert [(m.old_number, m.top_candidate, m.same_handset) for m in result.misses] == [
        ("o2", "z", True),
        ("o3", None, False),
    ]
    assert score_phone_switches(truth, ranked, confident_score=0.65).confident_false == 1
    assert evaluate(truth, [], ranked=ranked).phone_switches == result


def test_no_phone_switches_in_the_truth_gives_no_accuracy() -> None:
    result = score_phone_switches({"lines": []}, {})
    assert (result.truth, result.accuracy) == (0, None)


def test_spread_median_tenth_percentile_and_worst() -> None:
    thirty = [1.0] * 25 + [0.5, 0.6, 0.7, 0.8, 0.9]
    result = spread(thirty)
    assert (result.median, result.p10, result.worst) == (1.0, 0.7, 0.5)  # 3rd lowest of 30
    assert (result.worlds, result.undefined) == (30, 0)
    ten = spread([0.3, 0.9, 1.0, 0.8, None, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert (ten.median, ten.p10, ten.worst, ten.undefined) == (1.0, 0.3, 0.3, 1)
    assert spread([0.2, 0.4]).median == pytest.approx(0.3)
    assert spread([None, None]) == spread([]).__class__(0, 2, None, None, None)


def test_pooled_adds_the_counts_of_worlds() -> None:
    worlds = [
        MeasureResult(truth=3, found=2, correct=2, precision=1.0, recall=2 / 3, f1=None),
        MeasureResult(truth=1, found=2, correct=1, precision=0.5, recall=1.0, f1=None),
    ]
    result = pooled(worlds)
    assert (result.truth, result.found, result.correct) == (4, 4, 3)
    assert (result.precision, result.recall) == (0.75, 0.75)
    # Two numbers of one runner are two correct finds and one runner found.
    runner = MeasureResult(truth=2, found=3, correct=2, precision=2 / 3, recall=0.5, f1=None)
    assert pooled([runner]).recall == 0.5


def test_target_sentences_say_what_the_figures_say() -> None:
    f1 = Target("the median line F1", 0.95)
    assert f1.sentence(0.97, 30) == (
        "PASS: the median line F1 over 30 held-out worlds is 0.97 (target: at least 0.95)."
    )
    assert f1.sentence(0.95, 30).startswith("PASS: ")
    # 0.9496 would print as 0.95: more digits, so a failing figure never reads as the target
    assert f1.sentence(0.9496, 30) == (
        "FAIL: the median line F1 over 30 held-out worlds is 0.9496 (target: at least 0.95)."
    )
    assert f1.sentence(None, 30) == (
        "FAIL: the median line F1 over 30 held-out worlds is undefined (target: at least 0.95)."
    )
    share = Target("the share of worlds with no legitimate sender flagged", 0.95, percent=True)
    assert share.sentence(28 / 30, 30) == (
        "FAIL: the share of worlds with no legitimate sender flagged over 30 held-out worlds "
        "is 93% (target: at least 95%)."
    )
    assert share.sentence(0.9499, 30).endswith("is 94.99% (target: at least 95%).")
    assert share.sentence(1.0, 30).startswith("PASS: ")


@pytest.fixture(scope="module")
def benchmark() -> ModuleType:
    """``benchmarks/evaluate_detection.py`` as a module."""
    spec = importlib.util.spec_from_file_location("evaluate_detection", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_splits_choosing_and_held_out_seeds(benchmark: ModuleType) -> None:
    specs = benchmark.world_specs()
    held = {(s.scale, s.seed) for s in specs if s.split == "held-out"}
    chosen = {(s.scale, s.seed) for s in specs if s.split == "choosing"}
    assert len(held) >= 30 and not held & chosen
    assert {s.variant for s in specs} == {"default", "hard"}


def test_the_benchmark_judges_its_targets_from_the_figures(benchmark: ModuleType) -> None:
    spec = benchmark.WorldSpec(1001, "demo", "held-out")
    good = evaluate(TRUTH, [detected("d1", "a1", "a2", "a3"), detected("d2", "b1", "b2")])
    bad = evaluate(TRUTH, [detected("d1", "a1", "a2", "a3"), detected("d2", "o1")])
    runs = [
        benchmark.WorldRun(spec, "classic", {}, 1, 1.0, 1.0, 1.0, report)
        for report in [good] * 9 + [bad]
    ]
    sentences = benchmark.target_sentences(benchmark.Summary(runs))
    assert sentences[0].startswith("PASS: the median line F1 over 10 held-out worlds is 1.00")
    assert sentences[1].startswith(
        "FAIL: the 10th-percentile line F1 over 10 held-out worlds is 0.50"
    )
    # 29 of 30 links: the bad world misses L2's b1 -> b2
    assert sentences[3].startswith(
        "PASS: successor-link recall (pooled) over 10 held-out worlds is 0.97"
    )
    assert sentences[4].startswith(
        "FAIL: the share of worlds with no legitimate sender flagged over 10 held-out worlds is 90%"
    )


def test_one_demo_world_runs_through_the_benchmark(benchmark: ModuleType) -> None:
    run = benchmark.run_world(benchmark.WorldSpec(1, "demo", "choosing"))
    assert run.error is None, run.error
    assert run.report is not None and run.report.measures.lines.truth >= 1
    assert run.events > 10_000
    assert "customers per line" in run.features
    assert len(run.lines) == run.report.measures.lines.truth
    assert {line["found"] for line in run.lines} <= {"True", "False"}
    page = benchmark.document([run], [], 1.0, benchmark.drawn_profiles())
    assert "| choosing | 1 | demo | default |" in page
    assert "| kind | exported |" in page  # recall by trait
