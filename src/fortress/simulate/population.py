"""The ordinary population: people with homes, handsets, contact lists and daily rhythms.

People are numbered by area (hub first), and person ``i`` owns phone ``i`` of the world's
phone directory. Each day's traffic is generated in bulk with numpy: conversations are started
by a Poisson number per person, partners are drawn from heavy-tailed (Zipf-weighted) contact
lists, and each conversation unfolds into an SMS ping-pong or a call with an optional
call-back when it was missed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from fortress.simulate.clock import (
    HOUR_S,
    WEEKDAY_CDF,
    WEEKEND_CDF,
    Calendar,
    sample_seconds,
)
from fortress.simulate.events import CALL, SMS, UNKNOWN, Bools, EventBatch, Floats, Ints
from fortress.simulate.places import CellPlan, random_cells

P_CALL: Final = 0.4
"""Share of conversations that are voice calls (the rest are SMS exchanges)."""
P_ANSWER: Final = 0.8
P_CALLBACK: Final = 0.6
"""Chance that a missed call is returned."""
SMS_CONTINUE: Final = 0.6
"""Chance that an SMS exchange continues after each message (geometric length, mean 2.5)."""
EVENTS_PER_CONVERSATION: Final = P_CALL * (1 + (1 - P_ANSWER) * P_CALLBACK) + (1 - P_CALL) / (
    1 - SMS_CONTINUE
)
SAME_AREA_CONTACTS: Final = 0.85
HANDSET_CHANGE_PER_DAY: Final = 1 / 900
"""Roughly one new handset every two and a half years."""


@dataclass(frozen=True)
class Population:
    """Ordinary people. Arrays are indexed by person (= phone index)."""

    area: Ints
    home_cell: Ints
    work_cell: Ints
    works: Bools
    handset_first: Ints
    handset_second: Ints
    change_day: Ints
    rate: Floats
    contacts: Ints
    contacts_cdf: Floats
    area_start: Ints
    area_count: Ints

    @property
    def size(self) -> int:
        """Number of people."""
        return len(self.area)

    def with_rate_scale(self, factor: float) -> Population:
        """Return the population with every conversation rate multiplied by ``factor``."""
        return replace(self, rate=self.rate * factor)

    def in_area(self, area: int) -> Ints:
        """Indices of the people living in ``area``."""
        start = int(self.area_start[area])
        return np.arange(start, start + int(self.area_count[area]), dtype=np.int64)


def build_population(
    rng: np.random.Generator,
    cells: CellPlan,
    people_per_area: list[int],
    days: int,
    first_spare_handset: int,
) -> Population:
    """Create the people of each area, their homes, workplaces, handsets and contacts.

    Person ``i`` holds handset ``i`` at first; people who change handset get handset numbers
    from ``first_spare_handset`` upwards.
    """
    counts = np.array(people_per_area, dtype=np.int64)
    area = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    n = len(area)
    changes = (rng.random(n) < min(0.5, days * HANDSET_CHANGE_PER_DAY)) & (days > 1)
    change_day = np.where(changes, rng.integers(1, max(days, 2), size=n), -1)
    second = np.full(n, UNKNOWN, dtype=np.int64)
    second[changes] = first_spare_handset + np.arange(int(changes.sum()), dtype=np.int64)
    raw_rate = rng.lognormal(0.0, 0.9, size=n)
    area_start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    contacts, cdf = _contact_lists(rng, area, area_start, counts)
    return Population(
        area=area,
        home_cell=random_cells(cells, area, rng),
        work_cell=random_cells(cells, area, rng),
        works=rng.random(n) < 0.6,
        handset_first=np.arange(n, dtype=np.int64),
        handset_second=second,
        change_day=change_day.astype(np.int64),
        rate=raw_rate / raw_rate.mean(),
        contacts=contacts,
        contacts_cdf=cdf,
        area_start=area_start,
        area_count=counts,
    )


def _contact_lists(
    rng: np.random.Generator, area: Ints, area_start: Ints, area_count: Ints
) -> tuple[Ints, Floats]:
    """Heavy-tailed contact lists with Zipf weights, as one flat array plus a global CDF.

    Person ``i``'s cumulative weights run from just above ``i`` to exactly ``i + 1``, so one
    ``searchsorted`` of ``i + u`` picks a contact of ``i`` for every conversation at once.
    """
    n = len(area)
    sizes = np.clip(np.rint(rng.lognormal(np.log(9.0), 0.8, size=n)), 1, 150).astype(np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
    weights_by_area = area_count / area_count.sum()
    other = rng.choice(len(area_count), size=len(owner), p=weights_by_area)
    target = np.where(rng.random(len(owner)) < SAME_AREA_CONTACTS, area[owner], other)
    pick = area_start[target] + (rng.random(len(owner)) * area_count[target]).astype(np.int64)
    clash = pick == owner
    pick[clash] = (
        area_start[target[clash]]
        + (pick[clash] + 1 - area_start[target[clash]]) % (area_count[target[clash]])
    )
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, sizes) + 1
    weights = rank.astype(np.float64) ** -1.1
    running = np.cumsum(weights)
    base = np.repeat(running[starts] - weights[starts], sizes)
    total = np.repeat(running[starts + sizes - 1], sizes) - base
    cdf = owner + (running - base) / total
    cdf[starts + sizes - 1] = owner[starts + sizes - 1] + 1.0
    return pick, cdf


def person_imeis(pop: Population, persons: Ints, day: int) -> Ints:
    """The handset each person uses on ``day``."""
    change = pop.change_day[persons]
    changed = (change >= 0) & (day >= change)
    return np.where(changed, pop.handset_second[persons], pop.handset_first[persons])


def person_cells(
    pop: Population,
    cells: CellPlan,
    persons: Ints,
    sec: Ints,
    weekend: bool,
    rng: np.random.Generator,
) -> Ints:
    """Where each person's phone is at local second ``sec``: home, work, or out in town."""
    hour = (sec // HOUR_S) % 24
    at_work = (hour >= 9) & (hour < 17) & pop.works[persons] & (not weekend)
    out = (hour >= 8) & (hour < 22) & (rng.random(len(persons)) < 0.2)
    cell = np.where(at_work, pop.work_cell[persons], pop.home_cell[persons])
    return np.where(out, random_cells(cells, pop.area[persons], rng), cell)


def moved_cells(
    cells: CellPlan,
    pop: Population,
    persons: Ints,
    first: Ints,
    moving: Bools,
    rng: np.random.Generator,
) -> Ints:
    """The cell at the end of a call: a random cell of the person's area if moving."""
    return np.where(moving, random_cells(cells, pop.area[persons], rng), first)


def expected_events(pop: Population, cal: Calendar) -> float:
    """Expected number of events the population makes over the calendar."""
    volume = sum(cal.volume(d) for d in range(cal.days))
    return float(pop.rate.sum()) * volume * EVENTS_PER_CONVERSATION


def generate_day(
    pop: Population, cells: CellPlan, cal: Calendar, day: int, rng: np.random.Generator
) -> EventBatch:
    """All ordinary conversations started on ``day`` (they may run past midnight)."""
    starts = rng.poisson(pop.rate * cal.volume(day))
    initiator = np.repeat(np.arange(pop.size, dtype=np.int64), starts)
    if len(initiator) == 0:
        return EventBatch.empty()
    pos = np.searchsorted(pop.contacts_cdf, initiator + rng.random(len(initiator)), side="right")
    partner = pop.contacts[np.minimum(pos, len(pop.contacts) - 1)]
    weekend = cal.weekend(day)
    t0 = sample_seconds(rng, len(initiator), WEEKEND_CDF if weekend else WEEKDAY_CDF)
    return _unfold(pop, cells, cal, day, rng, initiator, partner, t0)


def _unfold(
    pop: Population,
    cells: CellPlan,
    cal: Calendar,
    day: int,
    rng: np.random.Generator,
    initiator: Ints,
    partner: Ints,
    t0: Ints,
) -> EventBatch:
    """Turn conversations into events: SMS ping-pong, or a call and maybe a call-back."""
    n = len(initiator)
    is_call = rng.random(n) < P_CALL
    answered = rng.random(n) < P_ANSWER
    callback = is_call & ~answered & (rng.random(n) < P_CALLBACK)
    length = np.where(is_call, 1 + callback, rng.geometric(1 - SMS_CONTINUE, size=n))
    conv = np.repeat(np.arange(n), length)
    first = np.concatenate([[0], np.cumsum(length)[:-1]])
    j = np.arange(len(conv)) - first[conv]
    call_event = is_call[conv]
    gap_scale = np.where(call_event, 600.0, 70.0)
    gaps = np.clip(rng.lognormal(0.0, 1.1, size=len(conv)) * gap_scale, 5, 4 * HOUR_S)
    gaps[first] = 0.0
    elapsed = np.cumsum(gaps)
    sec = t0[conv] + (elapsed - elapsed[first][conv]).astype(np.int64)
    forward = j % 2 == 0
    a = np.where(forward, initiator[conv], partner[conv])
    b = np.where(forward, partner[conv], initiator[conv])
    picked_up = np.where(j == 0, answered[conv], True) & call_event
    dur = np.where(picked_up, np.clip(rng.lognormal(np.log(90.0), 1.0, size=len(conv)), 3, 7200), 0)
    ans = np.where(call_event, picked_up.astype(np.int64), UNKNOWN)
    weekend = cal.weekend(day)
    a_cell = person_cells(pop, cells, a, sec, weekend, rng)
    b_cell = person_cells(pop, cells, b, sec, weekend, rng)
    moving = picked_up & (dur > 300) & (rng.random(len(conv)) < 0.3)
    last_a = np.where(call_event, moved_cells(cells, pop, a, a_cell, moving, rng), UNKNOWN)
    last_b = np.where(call_event, moved_cells(cells, pop, b, b_cell, moving, rng), UNKNOWN)
    return EventBatch(
        t=cal.midnight_utc[day] + sec,
        kind=np.where(call_event, CALL, SMS).astype(np.int64),
        a=a,
        b=b,
        dur=dur.astype(np.int64),
        a_imei=person_imeis(pop, a, day),
        b_imei=person_imeis(pop, b, day),
        a_cell=a_cell,
        b_cell=b_cell,
        a_cell_last=last_a,
        b_cell_last=last_b,
        answered=ans,
    )
