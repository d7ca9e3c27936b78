"""Detection on simulated worlds, scored against their ground truth."""

from __future__ import annotations

import json

import pytest

from fortress.comms.evaluate import evaluate_workspace, load_truth
from fortress.comms.lines import list_lines, run_detection, show_line
from helpers.worlds import World, ingest_world


def test_every_line_of_the_demo_world_is_found_and_nothing_else(demo_world: World) -> None:
    run_detection(demo_world.workspace)
    report = evaluate_workspace(demo_world.workspace, demo_world.truth)
    lines = report.measures.lines
    assert (lines.precision, lines.recall) == (1.0, 1.0), report.notes
    assert report.legitimate_bulk_senders_flagged == []
    links = report.measures.successor_links
    assert links.precision is not None and links.precision >= 0.9, report.notes


def test_each_line_lists_its_numbers_oldest_first_as_the_truth_does(demo_world: World) -> None:
    run_detection(demo_world.workspace)
    truth = load_truth(demo_world.truth)
    expected = sorted([n["number"] for n in line["numbers"]] for line in truth["lines"])
    assert sorted(line.numbers for line in list_lines(demo_world.workspace)) == expected


def test_scores_are_explained_by_evidence(demo_world: World) -> None:
    run_detection(demo_world.workspace)
    for line in list_lines(demo_world.workspace, include_all=True):
        assert 0.0 <= line.score <= 1.0
        kinds = {item.kind for item in line.evidence}
        assert {"regular_bulk", "all_week", "late_hours", "orders_from_base"} <= kinds
        assert all(item.text for item in line.evidence)


def test_legitimate_bulk_senders_are_scored_but_not_lines(demo_world: World) -> None:
    run_detection(demo_world.workspace)
    truth = load_truth(demo_world.truth)
    bulk = {sender["number"] for sender in truth["bulk_senders"]}
    listed = list_lines(demo_world.workspace, include_all=True)
    scored_bulk = [item for item in listed if item.numbers[0] in bulk]
    assert scored_bulk, "bulk senders send waves, so they must be scored"
    assert all(not item.is_line and item.line_id is None for item in scored_bulk)
    landlines = [item for item in scored_bulk if item.numbers[0].startswith("+441")]
    assert all(any(e.kind == "fixed_line" for e in item.evidence) for item in landlines)


def test_show_gives_customers_runners_handsets_and_sites(demo_world: World) -> None:
    run_detection(demo_world.workspace)
    truth = {line["numbers"][0]["number"]: line for line in load_truth(demo_world.truth)["lines"]}
    for item in list_lines(demo_world.workspace):
        shown = show_line(demo_world.workspace, item.line_id)
        true_line = truth[shown.numbers[0]]
        customers = set(shown.customers.numbers)
        assert shown.customers.count == len(customers)
        overlap = len(customers & set(true_line["customers"])) / len(customers)
        assert overlap >= 0.9
        true_imeis = {h["imei"] for h in true_line["handsets"]}
        assert {h.imei for h in shown.handsets} <= true_imeis | _personal(true_line)
        assert shown.sites and all(s.events > 0 for s in shown.sites)
        true_runners = {r["number"] for r in true_line["runners"]}
        assert {r.number for r in shown.runners.numbers} <= true_runners
        json.dumps(shown.model_dump(mode="json"))  # JSON-ready throughout


def _personal(line: dict) -> set[str]:
    return {line["controller"]["imei"]} | {r["imei"] for r in line["runners"]}


def test_line_ids_are_stable_across_runs(demo_world: World) -> None:
    run_detection(demo_world.workspace)
    first = [line.line_id for line in list_lines(demo_world.workspace)]
    run_detection(demo_world.workspace)
    assert [line.line_id for line in list_lines(demo_world.workspace)] == first


def test_controllers_and_cuckooed_addresses_of_the_demo_world(demo_world: World) -> None:
    run_detection(demo_world.workspace)
    report = evaluate_workspace(demo_world.workspace, demo_world.truth)
    controllers = report.measures.controllers
    assert (controllers.precision, controllers.recall) == (1.0, 1.0)
    assert report.cuckooed_sites.recall == 1.0


def test_runner_movements_and_phone_holders_are_reported(demo_world: World) -> None:
    run_detection(demo_world.workspace)
    truth = {line["numbers"][0]["number"]: line for line in load_truth(demo_world.truth)["lines"]}
    for item in list_lines(demo_world.workspace):
        shown = show_line(demo_world.workspace, item.line_id)
        for runner in shown.runners.numbers:
            moved = shown.runner_movements[runner.number]
            assert moved.stints and sum(s.nights for s in moved.stints) >= 3
        true_line = truth[shown.numbers[0]]
        if true_line["held_in"] == "hub":  # the controller carries the line phone
            holders = {h.number for held in shown.phone_holders.values() for h in held if h.holds}
            assert true_line["controller"]["number"] in holders


def test_a_world_with_drawn_habits_is_read_as_it_was_made(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A drawn profile (choosing seed 2: stragglers ringing dead numbers, SIM swaps into
    the same handset, organisers and newsletters, slow waves, walk-ins): every line with
    ten customers or more is found whole, each change of number joined, and no legitimate
    sender is a line."""
    world = ingest_world(tmp_path_factory.mktemp("drawn"), 2, profile="drawn")
    run_detection(world.workspace)
    report = evaluate_workspace(world.workspace, world.truth)
    truth = load_truth(world.truth)
    assert truth["profile"]["name"] == "drawn" and truth["profile"]["straggler_share"] > 0
    found = {n for line in list_lines(world.workspace) for n in line.numbers}
    for line in truth["lines"]:
        if len(line["customers"]) >= 10:
            assert {n["number"] for n in line["numbers"]} <= found, line["line_id"]
    links = report.measures.successor_links
    assert links.precision == 1.0 and links.correct >= 1
    assert report.legitimate_senders_flagged == [] and report.lines_split == 0
