"""Handset history of a number and number history of a handset, against the truth."""

from __future__ import annotations

from collections import defaultdict

from fortress.comms.evaluate import load_truth
from fortress.comms.lines import identity_history
from helpers.worlds import World


def test_a_handset_swap_that_keeps_the_number_is_in_the_history(demo_world: World) -> None:
    truth = load_truth(demo_world.truth)
    imeis_of: dict[str, set[str]] = defaultdict(set)
    for line in truth["lines"]:
        for handset in line["handsets"]:
            imeis_of[handset["number"]].add(handset["imei"])
    swapped = [number for number, imeis in imeis_of.items() if len(imeis) > 1]
    assert swapped, "every world has a handset swap that keeps the number"
    for number in swapped:
        found = identity_history(demo_world.workspace, number)
        assert {row.imei for row in found.handsets} == imeis_of[number]
        assert found.changes == len(imeis_of[number]) - 1
        starts = [row.first_utc for row in found.handsets]
        assert starts == sorted(starts)


def test_a_handset_lists_the_numbers_used_in_it(demo_world: World) -> None:
    line = load_truth(demo_world.truth)["lines"][0]
    handset = line["handsets"][0]
    found = identity_history(demo_world.workspace, handset["imei"])
    assert [row.number for row in found.numbers] == [handset["number"]]
