"""Behaviour components that tell a deal line from its look-alikes, and a number's live
period: each rule met at its edges."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import ibis
import pyarrow as pa
import pytest

from fortress.comms import features as f
from fortress.comms.events import LOCAL, contacts
from fortress.comms.params import DetectionParams
from fortress.comms.results import Gathered
from fortress.comms.scoring import away_from_customers, decide, member_cohesion, score_number

LINE = "+447700900001"
START = datetime(2025, 3, 3)


def drama(i: int) -> str:
    """Ofcom drama-range mobile numbers +447700900100 onwards."""
    return f"+447700900{100 + i:03d}"


def gathered(inside: int, total: int, town_people: int | None = None) -> Gathered:
    """Customers (``drama(0..19)``) of LINE with ``inside`` of their ``total`` contacts
    with each other; with ``town_people``, all of them living in one town of that size."""
    found = Gathered({}, {}, {}, {}, member_contacts={LINE: (inside, total)})
    if town_people is not None:
        found.customer_areas = {drama(i): Counter({"Gosport": 5}) for i in range(20)}
        found.residents = Counter({"Gosport": town_people})
    return found


@pytest.mark.parametrize(
    ("share", "expected"), [(0.05, 0.0), (0.1, 0.0), (0.2, 0.5), (0.3, 1.0), (0.8, 1.0)]
)
def test_cohesion_rises_from_a_tenth_to_three_tenths_of_contacts_within(
    share: float, expected: float
) -> None:
    base = {drama(i) for i in range(20)}
    value, evidence = member_cohesion(
        LINE, base, gathered(round(share * 200), 200), DetectionParams()
    )
    assert value == pytest.approx(expected)
    assert evidence.figures["contacts"] == 200 and evidence.figures["by_chance"] == 0
    assert ("members know each other" in evidence.text) == (expected > 0)


def test_living_in_one_small_town_explains_part_of_the_contacts() -> None:
    """In a town of 96 people, 20 customers would have a fifth of their contacts with each
    other by chance: 30% within is 10% beyond chance, the start of the discount."""
    base = {drama(i) for i in range(20)}
    value, evidence = member_cohesion(LINE, base, gathered(60, 200, 96), DetectionParams())
    assert evidence.figures["by_chance"] == 0.2 and value == 0.0
    assert "among the 96 people of Gosport" in evidence.text
    value, _ = member_cohesion(LINE, base, gathered(100, 200, 96), DetectionParams())
    assert value == pytest.approx(1.0)


def figures() -> dict[str, object]:
    """A number with daily waves all week, every order from its base followed up."""
    day = START.date()
    return {
        "waves": 28, "wave_days": 14, "wave_weekdays": 7, "mean_recipients": 20,
        "max_recipients": 20, "first_day": day, "last_day": day + timedelta(days=13),
        "late_days": 0, "incoming": 40, "orders": 40, "ordering_customers": 20,
        "repeat_customers": 20,
        "followed": 40, "median_reply_s": 60,
    }  # fmt: skip


def test_a_group_that_talks_among_itself_loses_its_orders_and_follow_ups() -> None:
    """The same figures score as a possible line from strangers, and lose the trade
    components when the recipients are a group in touch with each other."""
    base = {drama(i) for i in range(20)}  # 190 pairs
    params = DetectionParams()
    strangers, group = gathered(10, 200), gathered(100, 200)
    as_line = score_number(LINE, figures(), base, strangers, params)
    as_group = score_number(LINE, figures(), base, group, params)
    assert as_line.components["orders_from_base"] == 1.0 and as_line.components["follow_ups"] == 1.0
    assert as_group.components["member_cohesion"] == 1.0
    assert (
        as_group.components["orders_from_base"] == 0.0 and as_group.components["follow_ups"] == 0.0
    )
    assert as_line.score - as_group.score == pytest.approx(0.3)
    assert as_line.score >= params.threshold > as_group.score


def test_replies_that_each_come_once_are_not_a_customer_base_ordering() -> None:
    """Twenty recipients answering a broadcast once each are not customers coming back."""
    params, base = DetectionParams(), {drama(i) for i in range(20)}
    once = {**figures(), "repeat_customers": 0}
    assert (
        score_number(LINE, once, base, gathered(0, 0), params).components["orders_from_base"] == 0.0
    )
    two = {**figures(), "repeat_customers": 2}
    found = score_number(LINE, two, base, gathered(0, 0), params)
    assert found.components["orders_from_base"] == round(2 / 3, 4)  # of the 3 for all
    assert "2 of them on two days or more" in found.evidence[3].text


@pytest.mark.parametrize(("followed", "is_line"), [(40, True), (28, True), (27, False), (0, False)])
def test_a_line_follows_up_nearly_every_order(followed: int, is_line: bool) -> None:
    """Daily waves all week and orders from its list score over the threshold; only a
    number that answers or dispatches at least seven orders in ten is reported."""
    params, base = DetectionParams(), {drama(i) for i in range(20)}
    found = score_number(LINE, {**figures(), "followed": followed}, base, gathered(0, 0), params)
    assert found.score >= params.threshold
    decide(found, params)
    assert found.is_line is is_line
    refusal = [e for e in found.evidence if e.kind == "not_trading"]
    assert bool(refusal) is not is_line
    if refusal:
        share = f"{followed / 40:.0%}"
        assert f"followed up {share} of the contacts from its list within 10 minutes" in (
            refusal[0].text
        )


def test_the_trade_bar_reads_the_share_followed_up_before_the_group_discount() -> None:
    """Customers with 15% of their contacts among themselves take a quarter off the
    follow-ups component (0.8 -> 0.6, under the bar), but 32 of 40 orders were answered
    within minutes: the discount weighs in the score, and the bar reads what was measured."""
    params, base = DetectionParams(), {drama(i) for i in range(20)}
    found = score_number(LINE, {**figures(), "followed": 32}, base, gathered(30, 200), params)
    assert found.components["follow_ups"] == pytest.approx(0.6)
    assert found.components["follow_ups"] < params.follow_ups_min
    decide(found, params)
    assert found.score >= params.threshold and found.is_line


def test_a_fixed_landline_is_never_a_line_and_needs_no_trade_sentence() -> None:
    params, base = DetectionParams(), {drama(i) for i in range(20)}
    found = score_number("+441632960000", figures(), base, gathered(0, 0), params)
    decide(found, params)
    kinds = [e.kind for e in found.evidence]
    assert not found.is_line and kinds[0] == "fixed_line" and "not_trading" not in kinds


def test_a_few_replies_a_week_are_not_a_line_s_trade() -> None:
    """40 orders from 20 customers in two weeks is one a customer a week (full); 8 is a
    fifth of that, as replies to a daily newsletter would be."""
    params, base = DetectionParams(), {drama(i) for i in range(20)}
    busy = score_number(LINE, figures(), base, gathered(0, 0), params)
    assert busy.evidence[3].figures["weekly_orders_per_customer"] == 1.0
    quiet = {**figures(), "orders": 8, "incoming": 8, "followed": 8}
    found = score_number(LINE, quiet, base, gathered(0, 0), params)
    assert found.components["orders_from_base"] == pytest.approx(0.2)
    assert "0.20 orders per customer a week, so the component counts 20%" in found.evidence[3].text


def test_contacts_far_beyond_buying_are_a_crew_not_customers() -> None:
    """Five numbers contacting a number fifty times a week each are not buying from it
    (twice a day is the most buying comes to): the component counts 14 / 50."""
    params, base = DetectionParams(), {drama(i) for i in range(5)}
    crew = {**figures(), "orders": 500, "incoming": 500, "followed": 500, "repeat_customers": 5}
    found = score_number(LINE, crew, base, gathered(0, 0), params)
    assert found.evidence[3].figures["weekly_orders_per_customer"] == 50.0
    assert found.components["orders_from_base"] == pytest.approx(14 / 50)
    assert "a crew reporting in or friends talking, so the component counts 28%" in (
        found.evidence[3].text
    )
    daily = {**crew, "orders": 140, "incoming": 140, "followed": 140}  # 14 a week: all
    assert score_number(LINE, daily, base, gathered(0, 0), params).components[
        "orders_from_base"
    ] == pytest.approx(1.0)


def test_away_from_customers_counts_as_far_as_they_live_in_one_place() -> None:
    base = {drama(i) for i in range(10)}
    areas = {drama(i): Counter({"Gosport" if i < 5 else f"Town {i}": 3}) for i in range(10)}
    sites = {LINE: [{"area": "London", "events": 10}]}
    value, evidence = away_from_customers(LINE, base, Gathered({}, {}, sites, areas))
    assert evidence.figures["away_share"] == 1.0
    assert evidence.figures["customers_in_area"] == 0.5 and value == 0.5
    assert "Counted as 50%" in evidence.text


def events(rows: list[tuple[float, str, str, str, bool | None, int]]) -> ibis.Table:
    """Events (hour after START, kind, from, to, answered, duration) with local time."""
    n = len(rows)
    start = [START + timedelta(hours=h) for h, *_ in rows]
    table = pa.table(
        {
            "event_id": [f"e{k}" for k in range(n)],
            "start_utc": pa.array(start, pa.timestamp("us")),
            LOCAL: pa.array(start, pa.timestamp("us")),
            "kind": [r[1] for r in rows],
            "duration_s": [r[5] for r in rows],
            "answered": pa.array([r[4] for r in rows], pa.bool_()),
            "flags": pa.array([[] for _ in rows], pa.list_(pa.string())),
            "a_number": [r[2] for r in rows],
            "b_number": [r[3] for r in rows],
            **{col: pa.array([None] * n, pa.string()) for col in ("a_cell", "b_cell")},
            **{col: pa.array([None] * n, pa.string()) for col in ("a_imei", "b_imei")},
        }
    )
    return ibis.memtable(table)


def test_a_number_ends_at_its_last_live_contact_and_broadcasts_are_not_late_trade() -> None:
    """The line texts at 23:00 (a wave), gets a reply to it at 23:15, and takes an answered
    call on day 1; after its last text on day 2, customers ring it unanswered for three
    days. Its life ends on day 2, those calls are not its incoming, and its only late
    contacts were a broadcast and the reply it prompted."""
    rows = [
        (23, "sms", LINE, drama(1), None, 0),  # a wave message, late
        (23.25, "sms", drama(1), LINE, None, 0),  # the reply it prompted
        (30, "call", drama(2), LINE, True, 40),  # an answered order
        (40, "call", drama(3), LINE, False, 0),  # missed, while alive
        (58, "sms", LINE, drama(2), None, 0),  # its last act
        *((58 + 24 * d, "call", drama(4), LINE, False, 0) for d in (1, 2, 3)),
    ]
    table = events(rows)
    waves = ibis.memtable(pa.table({"event_id": ["e0"]}))
    sent = ibis.memtable(
        pa.table({"number": [LINE], "recipient": [drama(1)], "epoch": [epoch(23)]})
    )
    mine = contacts(table)
    alive = f.while_live(mine.filter(mine.number == LINE), waves)
    answers = f.prompted(alive, sent, DetectionParams())
    assert answers.to_pyarrow().column("event_id").to_pylist() == ["e1"]
    marked = alive.mutate(prompted=alive.event_id.isin(answers.event_id))
    [row] = f.activity(marked, DetectionParams()).to_pyarrow().to_pylist()
    assert row["last_utc"] == START + timedelta(hours=58)
    assert (row["incoming"], row["outgoing"]) == (3, 2)
    assert row["late_days"] == 0
    unprompted = alive.mutate(prompted=False)
    [row] = f.activity(unprompted, DetectionParams()).to_pyarrow().to_pylist()
    assert row["late_days"] == 1


def epoch(hours: float) -> int:
    """Epoch seconds of ``hours`` after START (naive UTC)."""
    return int((START + timedelta(hours=hours)).replace(tzinfo=UTC).timestamp())
