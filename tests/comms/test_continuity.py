"""Grouping line numbers into brands: exclusivity-weighted overlap, one successor per
number, and analysts' judgements."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from fortress.comms.continuity import group, weighted_overlap
from fortress.comms.results import NumberFinding

START = datetime(2025, 1, 6, tzinfo=UTC)


def finding(number: str, first_day: int, last_day: int) -> NumberFinding:
    """A line number active from ``first_day`` to ``last_day`` (days after START)."""
    first, last = START + timedelta(days=first_day), START + timedelta(days=last_day)
    figures = {"first_utc": first, "first_wave": first, "last_utc": last}
    return NumberFinding(number, 0.9, True, {}, [], figures)


def customers(first: int, count: int) -> set[str]:
    """Drama-range customer numbers +447700900<first>... (Ofcom's 900000-900999)."""
    return {f"+447700900{n:03d}" for n in range(first, first + count)}


OLD, NEW, RIVAL = "+447700900001", "+447700900002", "+447700900003"


def test_weighted_overlap_discounts_customers_that_rivals_share() -> None:
    old, new = customers(100, 10), customers(100, 10)
    assert weighted_overlap(old, new, Counter()) == 1.0
    rival, third = customers(100, 5) | customers(200, 5), customers(100, 5)
    reach = Counter(m for base in (old, rival, third) for m in base)
    # The five customers a third line texts too weigh 1/2, the rest 1: 2.5 / 7.5.
    assert weighted_overlap(old, rival, reach) == 2.5 / 7.5
    assert weighted_overlap(old, new, Counter(m for b in (old, new, third) for m in b)) == 1.0


def test_a_rival_sharing_half_the_customers_does_not_take_the_brand() -> None:
    """The old number's own successor wins, and the rival that started during the old
    number's last week stays a line of its own."""
    bases = {
        OLD: customers(100, 10),
        NEW: customers(100, 10),
        RIVAL: customers(100, 5) | customers(200, 5),
    }
    numbers = [finding(OLD, 0, 12), finding(RIVAL, 6, 27), finding(NEW, 12, 27)]
    lines = group(numbers, bases)
    assert sorted([n.number for n in line.numbers] for line in lines) == [[OLD, NEW], [RIVAL]]
    [linked] = [line for line in lines if len(line.numbers) == 2]
    [link] = [e for e in linked.evidence if e.kind == "successor"]
    assert link.figures["weighted_overlap"] == 1.0 and "exclusive" in link.text


def test_numbers_working_side_by_side_for_weeks_are_two_lines() -> None:
    """A small line whose three customers all buy from a bigger one, first texting them in
    bulk in the bigger one's last week of data: the bigger number never fell silent, so the
    small one is not its successor however many customers they share."""
    bases = {OLD: customers(100, 12), NEW: customers(100, 3)}
    small = finding(NEW, 7, 27)
    small.figures["first_wave"] = START + timedelta(days=22)
    lines = group([finding(OLD, 0, 27), small], bases)
    assert sorted([n.number for n in line.numbers] for line in lines) == [[OLD], [NEW]]
    # Started within the week before the old number fell silent: a switch.
    lines = group([finding(OLD, 0, 27), finding(NEW, 22, 27)], bases)
    assert [[n.number for n in line.numbers] for line in lines] == [[OLD, NEW]]


def test_a_number_hands_its_brand_to_one_successor() -> None:
    bases = {OLD: customers(100, 10), NEW: customers(100, 10), RIVAL: customers(100, 9)}
    numbers = [finding(OLD, 0, 12), finding(NEW, 12, 27), finding(RIVAL, 13, 27)]
    lines = group(numbers, bases)
    assert sorted(len(line.numbers) for line in lines) == [1, 2]


def test_judgements_win_over_the_overlap() -> None:
    bases = {OLD: customers(100, 10), NEW: customers(100, 10), RIVAL: customers(300, 10)}
    numbers = [finding(OLD, 0, 12), finding(NEW, 12, 27), finding(RIVAL, 13, 27)]
    judged = {(OLD, NEW): "rejected", (OLD, RIVAL): "confirmed"}
    lines = group(numbers, bases, judged)
    assert sorted([n.number for n in line.numbers] for line in lines) == [[OLD, RIVAL], [NEW]]
    [linked] = [line for line in lines if len(line.numbers) == 2]
    assert "judged this link confirmed" in linked.evidence[0].text


def test_a_chain_of_switches_stays_one_line() -> None:
    """A -> B -> C within a week: C overlaps A more than B does, but B took over from A and
    C from B (each as the other fell silent), so all three are one brand."""
    later = "+447700900004"
    new_base = customers(100, 9) | customers(300, 1)
    bases = {OLD: customers(100, 10), NEW: new_base, later: customers(100, 10)}
    numbers = [finding(OLD, 0, 3), finding(NEW, 3, 6), finding(later, 6, 27)]
    [line] = group(numbers, bases)
    assert [n.number for n in line.numbers] == [OLD, NEW, later]
    pairs = [(e.figures["from"], e.figures["to"]) for e in line.evidence if e.kind == "successor"]
    assert pairs == [(OLD, NEW), (NEW, later)]


def with_handset(found: NumberFinding, imei: str, first_day: int) -> NumberFinding:
    """``found`` having sent from handset ``imei`` since ``first_day``."""
    found.handsets = [{"imei": imei, "first_utc": START + timedelta(days=first_day)}]
    return found


def test_a_successor_under_the_threshold_joins_its_brand() -> None:
    """The brand is the unit: a new number seen only for its first days scores low on its
    own, yet it texts the old number's customers as the old one falls silent."""
    bases = {OLD: customers(100, 10), NEW: customers(100, 10)}
    young = finding(NEW, 25, 27)
    young.is_line = False
    [line] = group([finding(OLD, 0, 25), young], bases)
    assert [n.number for n in line.numbers] == [OLD, NEW] and young.is_line
    [link] = [e for e in line.evidence if e.kind == "successor"]
    assert "scores under the threshold on its own and joins the brand" in link.text


def test_numbers_under_the_threshold_never_make_a_line_together() -> None:
    bases = {OLD: customers(100, 10), NEW: customers(100, 10)}
    numbers = [finding(OLD, 0, 12), finding(NEW, 12, 27)]
    for found in numbers:
        found.is_line = False
    assert group(numbers, bases) == []


def test_a_shared_handset_completes_a_link_with_fewer_customers_carried() -> None:
    """A third of the old customers texted by the new number is too few on its own; with
    the old number's handset carrying the new SIM it is one brand."""
    bases = {OLD: customers(100, 9), NEW: customers(100, 3) | customers(200, 6)}
    assert weighted_overlap(bases[OLD], bases[NEW], Counter()) == 3 / 9
    apart = [finding(OLD, 0, 12), finding(NEW, 12, 27)]
    assert sorted(len(line.numbers) for line in group(apart, bases)) == [1, 1]
    imei = "354000000000017"
    swapped = [
        with_handset(finding(OLD, 0, 12), imei, 0),
        with_handset(finding(NEW, 12, 27), imei, 12),
    ]
    [line] = group(swapped, bases)
    [link] = [e for e in line.evidence if e.kind == "successor"]
    assert link.figures["same_handset"] == imei and imei in link.text


def test_a_handset_the_new_number_used_first_is_no_continuity() -> None:
    bases = {OLD: customers(100, 9), NEW: customers(100, 3) | customers(200, 6)}
    imei = "354000000000017"
    numbers = [
        with_handset(finding(OLD, 0, 12), imei, 5),
        with_handset(finding(NEW, 12, 27), imei, 1),
    ]
    assert sorted(len(line.numbers) for line in group(numbers, bases)) == [1, 1]
