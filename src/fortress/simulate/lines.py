"""County-lines deal lines: plan (who, where, which numbers and handsets) and daily traffic.

A line is a branded number (the "Dave line") run from the hub. Its controller stays in the
hub; runners (some of them children, some recruited locally) rotate into the importing town
and sleep at a trap house or a cuckooed address. Customers order by short calls and texts,
the line replies with a meeting place and dispatches a runner; the line "text bombs" its
customer base several times a day. Lines swap handsets and change numbers; a new number texts
the old base and the customers move to it within hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from fortress.model.calendar import SCHOOL_HOURS
from fortress.simulate.clock import DAY_S, HOUR_S, Calendar, hour_weights, sample_seconds
from fortress.simulate.context import (
    MOBILE,
    PRIORITY_ACTOR,
    PRIORITY_LINE,
    DayContext,
    Registry,
    Whereabouts,
)
from fortress.simulate.events import CALL, SMS, BatchBuilder, Bools, Floats, Ints
from fortress.simulate.places import CellPlan, random_cells
from fortress.simulate.population import Population

HUB_AREA: Final = 0
HELD_IN_HUB: Final = "hub"
HELD_IN_TOWN: Final = "town"
BRANDS: Final = (
    "Dave", "Kay", "Max", "Tony", "Benz", "Jay", "Rico", "Ace", "Snoop", "Frosty",
    "Milli", "Zed", "Deano", "Bobby", "Smokey", "Gucci", "Taz", "Lenny", "Viper", "Nino",
)  # fmt: skip
ORDER_CDF: Final = hour_weights(
    (
        2,
        1.5,
        1,
        0.6,
        0.4,
        0.4,
        0.8,
        1.5,
        2.5,
        3.5,
        4.5,
        5,
        5,
        4.5,
        4.5,
        5,
        5.5,
        6,
        6,
        6,
        5.5,
        5,
        4,
        3,
    )
)
SILENT_AFTER_S: Final = DAY_S
"""An old line number falls silent one day after its successor announces itself."""
MIGRATION_MEAN_S: Final = 4 * HOUR_S
MIGRATION_CAP_S: Final = 20 * HOUR_S


@dataclass(frozen=True)
class Actor:
    """A controller or runner: a personal phone, a handset, a home, haunts and contacts."""

    phone: int
    handset: int
    home_area: int
    home_cell: int
    haunts: Ints
    contacts: Ints


@dataclass(frozen=True)
class Runner:
    """A runner and the days (and following nights) they spend in the town."""

    actor: Actor
    is_child: bool
    local: bool
    in_town: Bools


@dataclass(frozen=True)
class LineSim:
    """One number of a line: in use from ``start_ws``, silent after ``silent_ws``.

    ``handsets`` lists (handset, first day) in order; ``*_ws`` are world seconds
    (day * 86400 + local seconds).
    """

    phone: int
    start_ws: int
    silent_ws: int
    handsets: tuple[tuple[int, int], ...]

    def handset_on(self, day: int) -> int:
        """The handset carrying this number on ``day``."""
        current = self.handsets[0][0]
        for handset, first in self.handsets:
            if first <= day:
                current = handset
        return current


@dataclass(frozen=True)
class Cuckoo:
    """A cuckooed address: the resident (a customer) whose home the runners take over."""

    resident: int
    cell: int
    start_day: int


@dataclass(frozen=True)
class Line:
    """A deal line and everything about it."""

    line_id: str
    brand: str
    town: int
    held_in: str
    controller: Actor
    runners: tuple[Runner, ...]
    sims: tuple[LineSim, ...]
    customers: Ints
    order_rate: Floats
    join_day: Ints
    migrate_ws: npt.NDArray[np.int64]
    deal_cells: Ints
    trap_cell: int
    cuckoo: Cuckoo | None

    @property
    def sim_starts(self) -> Ints:
        """World seconds at which each number came into use."""
        return np.array([s.start_ws for s in self.sims], dtype=np.int64)

    def cuckoo_nights(self, days: int) -> list[int]:
        """Nights (by evening day) that runners from the hub spend at the cuckooed address."""
        if self.cuckoo is None:
            return []
        away = [r.in_town for r in self.runners if not r.local]
        if not away:
            return []
        any_in = np.logical_or.reduce(away)
        return [n for n in range(self.cuckoo.start_day, days) if any_in[n]]


@dataclass(frozen=True)
class LinePlanSpec:
    """Sizing of the lines of a world."""

    count: int
    base_size: int
    days: int
    shared_share: float = 0.15  # of a base, also buying from a rival line in the town


# --- planning --------------------------------------------------------------------------


def plan_lines(
    rng: np.random.Generator,
    pop: Population,
    cells: CellPlan,
    registry: Registry,
    spec: LinePlanSpec,
) -> list[Line]:
    """Plan ``spec.count`` lines; the world always gets a switch, a swap and a cuckooing."""
    towns = _line_towns(rng, pop, spec.count)
    lines: list[Line] = []
    for index, town in enumerate(towns):
        rivals = [line.customers for line in lines if line.town == town]
        lines.append(_plan_line(rng, pop, cells, registry, spec, index, town, rivals))
    return lines


def _line_towns(rng: np.random.Generator, pop: Population, count: int) -> list[int]:
    """Towns weighted by size; the second line competes in the first line's town."""
    towns_people = pop.area_count[1:].astype(np.float64)
    towns = [
        1 + int(t)
        for t in rng.choice(len(towns_people), size=count, p=towns_people / towns_people.sum())
    ]
    if count >= 2:
        towns[1] = towns[0]
    return towns


def _plan_line(
    rng: np.random.Generator,
    pop: Population,
    cells: CellPlan,
    registry: Registry,
    spec: LinePlanSpec,
    index: int,
    town: int,
    rivals: list[Ints],
) -> Line:
    days = spec.days
    held_in = HELD_IN_HUB if index == 0 else HELD_IN_TOWN if index == 1 else _held(rng)
    controller = _actor(rng, pop, cells, registry, HUB_AREA, burner=False)
    runners = _runners(rng, pop, cells, registry, town, days, first_child=index == 0)
    switches = _switch_times(rng, days, force=index == 0)
    sims = _sims(rng, registry, days, switches, force_swap=index == min(1, spec.count - 1))
    customers = _customers(rng, pop, town, spec, rivals)
    join = np.where(rng.random(len(customers)) < 0.8, 0, rng.integers(0, days, len(customers)))
    rate = np.clip(rng.lognormal(np.log(0.25), 1.0, len(customers)), 0.02, 3.0)
    town_arr = np.full(3, town, dtype=np.int64)
    return Line(
        line_id=f"line-{index + 1:02d}",
        brand=BRANDS[index % len(BRANDS)] + ("" if index < len(BRANDS) else f" {index // 20 + 1}"),
        town=town,
        held_in=held_in,
        controller=controller,
        runners=runners,
        sims=sims,
        customers=customers,
        order_rate=rate,
        join_day=join.astype(np.int64),
        migrate_ws=_migrations(rng, switches, len(customers)),
        deal_cells=random_cells(cells, town_arr, rng),
        trap_cell=int(random_cells(cells, town_arr[:1], rng)[0]),
        cuckoo=_cuckoo(rng, pop, customers, rate, join, days, force=index == 0),
    )


def _held(rng: np.random.Generator) -> str:
    return HELD_IN_HUB if rng.random() < 0.6 else HELD_IN_TOWN


def _actor(
    rng: np.random.Generator,
    pop: Population,
    cells: CellPlan,
    registry: Registry,
    area: int,
    *,
    burner: bool,
) -> Actor:
    phone = registry.add_phone(MOBILE, PRIORITY_ACTOR)
    handset = registry.add_handset(rng, burner=burner)
    haunts = random_cells(cells, np.full(4, area, dtype=np.int64), rng)
    people = pop.in_area(area)
    contacts = rng.choice(people, size=min(len(people), int(rng.integers(4, 10))), replace=False)
    return Actor(phone, handset, area, int(haunts[0]), haunts, np.sort(contacts))


def _runners(
    rng: np.random.Generator,
    pop: Population,
    cells: CellPlan,
    registry: Registry,
    town: int,
    days: int,
    *,
    first_child: bool,
) -> tuple[Runner, ...]:
    exported = int(rng.integers(1, 4))
    local = int(rng.integers(0, 2))
    rota = _rota(rng, days, exported, local)
    runners: list[Runner] = []
    for k in range(exported + local):
        is_local = k >= exported
        actor = _actor(rng, pop, cells, registry, town if is_local else HUB_AREA, burner=True)
        child = (k == 0 and first_child) or bool(rng.random() < (0.6 if is_local else 0.5))
        runners.append(Runner(actor, child, is_local, rota[k]))
    return tuple(runners)


def _rota(rng: np.random.Generator, days: int, exported: int, local: int) -> list[Bools]:
    """Stints in town (5-12 days) and breaks at home (2-6 days), covering every day."""
    rows: list[Bools] = []
    for r in range(exported):
        in_town = np.zeros(days, dtype=np.bool_)
        t = 0 if r == 0 else int(rng.integers(1, 6))
        while t < days:
            stint = int(rng.integers(5, 13))
            in_town[t : t + stint] = True
            t += stint + int(rng.integers(2, 7))
        rows.append(in_town)
    rows[0] |= ~np.logical_or.reduce(rows)
    rows.extend(np.ones(days, dtype=np.bool_) for _ in range(local))
    return rows


def _switch_times(rng: np.random.Generator, days: int, *, force: bool) -> list[int]:
    """World seconds of number changes: about one every 40 days, at least 3 days apart."""
    if days < 4:
        return []
    count = int(rng.poisson(days / 40))
    count = max(count, 1) if force else count
    candidates = np.arange(2, days - 1)
    picked: list[int] = []
    for day in rng.permutation(candidates):
        if len(picked) < count and all(abs(int(day) - p) >= 3 for p in picked):
            picked.append(int(day))
    return sorted(d * DAY_S + int(rng.integers(10 * HOUR_S, 15 * HOUR_S)) for d in picked)


def _sims(
    rng: np.random.Generator,
    registry: Registry,
    days: int,
    switches: list[int],
    *,
    force_swap: bool,
) -> tuple[LineSim, ...]:
    """The line's numbers, each on a new burner, with handset swaps about once a month.

    With ``force_swap`` the longest-lived number gets at least one swap.
    """
    starts = [0, *switches]
    spans = [
        (start // DAY_S, min(days - 1, starts[k + 1] // DAY_S) if k + 1 < len(starts) else days - 1)
        for k, start in enumerate(starts)
    ]
    longest = max(range(len(spans)), key=lambda k: spans[k][1] - spans[k][0])
    sims: list[LineSim] = []
    for k, (start, (first_day, last_day)) in enumerate(zip(starts, spans, strict=True)):
        phone = registry.add_phone(MOBILE, PRIORITY_LINE)
        silent = starts[k + 1] + SILENT_AFTER_S if k + 1 < len(starts) else days * DAY_S * 2
        swaps = int(rng.poisson((last_day - first_day) / 30))
        if force_swap and k == longest:
            swaps = max(swaps, 1)
        handsets = [(registry.add_handset(rng, burner=rng.random() < 0.8), first_day)]
        inner = np.arange(first_day + 1, last_day)
        for day in np.sort(rng.choice(inner, size=min(swaps, len(inner)), replace=False)):
            handsets.append((registry.add_handset(rng, burner=rng.random() < 0.8), int(day)))
        sims.append(LineSim(phone, start, silent, tuple(handsets)))
    return tuple(sims)


def _customers(
    rng: np.random.Generator, pop: Population, town: int, spec: LinePlanSpec, rivals: list[Ints]
) -> Ints:
    """The base: drawn from the town, ``spec.shared_share`` shared with rival lines there."""
    people = pop.in_area(town)
    size = max(3, min(spec.base_size, len(people) // 2))
    shared_pool = np.unique(np.concatenate(rivals)) if rivals else np.zeros(0, dtype=np.int64)
    shared = min(len(shared_pool), max(1, round(spec.shared_share * size)) if rivals else 0)
    picked = rng.choice(shared_pool, size=shared, replace=False) if shared else shared_pool[:0]
    fresh_pool = np.setdiff1d(people, shared_pool)
    if len(fresh_pool) < size - shared:
        fresh_pool = np.setdiff1d(people, picked)
    fresh = rng.choice(fresh_pool, size=size - shared, replace=False)
    return np.sort(np.concatenate([picked, fresh]).astype(np.int64))


def _migrations(rng: np.random.Generator, switches: list[int], count: int) -> npt.NDArray[np.int64]:
    """When each customer starts using each successor number (rows: switches)."""
    rows = [
        ws
        + 300
        + np.minimum(rng.exponential(MIGRATION_MEAN_S, count), MIGRATION_CAP_S).astype(np.int64)
        for ws in switches
    ]
    return np.array(rows, dtype=np.int64).reshape(len(switches), count)


def _cuckoo(
    rng: np.random.Generator,
    pop: Population,
    customers: Ints,
    rate: Floats,
    join: Ints,
    days: int,
    *,
    force: bool,
) -> Cuckoo | None:
    """Take over the home of a heavy-using customer, some days into the world."""
    if not force and rng.random() >= 0.5:
        return None
    candidates = np.flatnonzero(join == 0)
    pool = candidates if len(candidates) else np.arange(len(customers))
    resident = int(customers[pool[int(np.argmax(rate[pool]))]])
    start = int(rng.integers(0, max(1, days // 4)))
    return Cuckoo(resident, int(pop.home_cell[resident]), start)


# --- daily traffic ---------------------------------------------------------------------

NEVER: Final = np.iinfo(np.int64).max // 4
"""Padding for world-second tables: a time that never comes."""


@dataclass(frozen=True)
class LineBook:
    """All lines flattened into arrays, so that a day is generated for every line at once.

    ``c_*``: one row per (line, customer); ``sim_*``: numbers; ``r_*``: runners (grouped by
    line); ``a_*``: every actor (controllers and runners) with a flat contact list.
    """

    held_in_town: Bools
    boss: Ints
    c_line: Ints
    c_person: Ints
    c_rate: Floats
    c_join: Ints
    c_migrate: npt.NDArray[np.int64]
    sim_first: Ints
    sim_phone: Ints
    sim_start: npt.NDArray[np.int64]
    r_line: Ints
    r_phone: Ints
    r_in_town: npt.NDArray[np.bool_]
    r_child: Bools
    a_phone: Ints
    a_runner: Ints  # index into the r_* arrays, -1 for controllers
    a_contacts: Ints
    a_start: Ints
    a_size: Ints

    @property
    def lines(self) -> int:
        """Number of lines."""
        return len(self.boss)


def book_lines(lines: list[Line]) -> LineBook:
    """Flatten planned lines into a ``LineBook``."""
    width = max([len(line.sims) for line in lines] + [1])
    sim_start = np.full((len(lines), width), NEVER, dtype=np.int64)
    migrate = []
    for i, line in enumerate(lines):
        sim_start[i, : len(line.sims)] = line.sim_starts
        pad = np.full((len(line.customers), width - 1), NEVER, dtype=np.int64)
        pad[:, : len(line.sims) - 1] = line.migrate_ws.T
        migrate.append(pad)
    runners = [(i, r) for i, line in enumerate(lines) for r in line.runners]
    actors = [a for line in lines for a in (line.controller, *(r.actor for r in line.runners))]
    sizes = np.array([len(a.contacts) for a in actors], dtype=np.int64)
    return LineBook(
        held_in_town=np.array([line.held_in == HELD_IN_TOWN for line in lines], dtype=np.bool_),
        boss=np.array([line.controller.phone for line in lines], dtype=np.int64),
        c_line=np.concatenate(
            [np.full(len(line.customers), i) for i, line in enumerate(lines)]
        ).astype(np.int64),
        c_person=np.concatenate([line.customers for line in lines]).astype(np.int64),
        c_rate=np.concatenate([line.order_rate for line in lines]),
        c_join=np.concatenate([line.join_day for line in lines]).astype(np.int64),
        c_migrate=np.concatenate(migrate),
        sim_first=np.cumsum([0] + [len(line.sims) for line in lines])[:-1].astype(np.int64),
        sim_phone=np.array([s.phone for line in lines for s in line.sims], dtype=np.int64),
        sim_start=sim_start,
        r_line=np.array([i for i, _ in runners], dtype=np.int64),
        r_phone=np.array([r.actor.phone for _, r in runners], dtype=np.int64),
        r_in_town=np.array([r.in_town for _, r in runners], dtype=np.bool_),
        r_child=np.array([r.is_child for _, r in runners], dtype=np.bool_),
        a_phone=np.array([a.phone for a in actors], dtype=np.int64),
        a_runner=_actor_runners(lines),
        a_contacts=np.concatenate([a.contacts for a in actors]).astype(np.int64),
        a_start=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
        a_size=sizes,
    )


def _actor_runners(lines: list[Line]) -> Ints:
    """For each actor (a line's controller, then its runners), its runner index or -1."""
    index, serial = [], 0
    for line in lines:
        index.append(-1)
        for _ in line.runners:
            index.append(serial)
            serial += 1
    return np.array(index, dtype=np.int64)


def _at_school(book: LineBook, ctx: DayContext) -> Bools:
    """Runners who are children at home (not in town) on a school day: their phones are
    quiet in lessons (children exploited in town are missing from school instead)."""
    if not ctx.cal.school_day[ctx.day]:
        return np.zeros(len(book.r_child), dtype=np.bool_)
    return book.r_child & ~book.r_in_town[:, ctx.day]


def _in_lessons(sec: Ints) -> Bools:
    start, end = SCHOOL_HOURS
    return (sec >= start * HOUR_S) & (sec < end * HOUR_S)


@dataclass(frozen=True)
class _Crew:
    """Runners of each line available on one day, as flat per-line lists."""

    phone: Ints
    start: Ints
    count: Ints

    def pick(self, line: Ints, rng: np.random.Generator) -> tuple[Ints, Bools]:
        """A random runner of each given line, and which lines had one."""
        has = self.count[line] > 0
        offset = (rng.random(len(line)) * self.count[line]).astype(np.int64)
        index = np.minimum(self.start[line] + offset, max(len(self.phone) - 1, 0))
        phone = self.phone[index] if len(self.phone) else np.zeros(len(line), dtype=np.int64)
        return phone, has


def _crew_lists(book: LineBook, day: int) -> tuple[_Crew, _Crew]:
    """Runners in town per line, and those who take dispatches (not a town line's holder)."""
    there = book.r_in_town[:, day]
    counts = np.bincount(book.r_line[there], minlength=book.lines)
    first = np.zeros(len(there), dtype=np.bool_)
    seen: set[int] = set()
    for k in np.flatnonzero(there):
        first[k] = int(book.r_line[k]) not in seen
        seen.add(int(book.r_line[k]))
    holder = first & book.held_in_town[book.r_line] & (counts[book.r_line] > 1)
    return _crew(book, there), _crew(book, there & ~holder)


def _crew(book: LineBook, mask: Bools) -> _Crew:
    count = np.bincount(book.r_line[mask], minlength=book.lines).astype(np.int64)
    return _Crew(
        book.r_phone[mask], np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64), count
    )


def generate_day(book: LineBook, ctx: DayContext) -> BatchBuilder:
    """All traffic of all lines on one day (parties only; cells come from ``place_day``)."""
    out = BatchBuilder()
    if book.lines == 0:
        return out
    in_town, dispatch = _crew_lists(book, ctx.day)
    active = book.c_join <= ctx.day
    _bombs(book, ctx, out, active)
    _announcements(book, ctx, out, active)
    _orders(book, ctx, out, active, in_town, dispatch)
    _crew_talk(book, ctx, out)
    _personal(book, ctx, out)
    return out


def _line_phone(book: LineBook, line: Ints, ws: Ints) -> Ints:
    """The number each line uses for its own sending at world second ``ws``."""
    k = np.asarray((book.sim_start[line] <= ws[:, None]).sum(axis=1), dtype=np.int64) - 1
    return np.asarray(book.sim_phone[book.sim_first[line] + k], dtype=np.int64)


def _bombs(book: LineBook, ctx: DayContext, out: BatchBuilder, active: Bools) -> None:
    """Marketing texts to most of the base within minutes: morning, afternoon, often late."""
    rng, n = ctx.rng, book.lines
    for start_h, end_h, p in ((8.5, 11.5, 0.95), (14.0, 17.5, 0.9), (21.5, 24.5, 0.45)):
        fire = rng.random(n) < p
        start = rng.integers(int(start_h * HOUR_S), int(end_h * HOUR_S), size=n)
        phone = _line_phone(book, np.arange(n), ctx.day * DAY_S + start)
        cover = rng.uniform(0.75, 0.95, size=n)
        spread = rng.integers(60, 600, size=n)
        chosen = active & fire[book.c_line] & (rng.random(len(active)) < cover[book.c_line])
        line = book.c_line[chosen]
        sec = start[line] + (rng.random(len(line)) * spread[line]).astype(np.int64)
        out.add(sec=sec, kind=SMS, a=phone[line], b=book.c_person[chosen])


def _announcements(book: LineBook, ctx: DayContext, out: BatchBuilder, active: Bools) -> None:
    """A new number texts the whole base ("new number, save it") at the switch."""
    today = (book.sim_start // DAY_S == ctx.day) & (book.sim_start > 0) & (book.sim_start < NEVER)
    for line, k in zip(*np.nonzero(today), strict=True):
        base = active & (book.c_line == line)
        start = int(book.sim_start[line, k] % DAY_S)
        sec = start + ctx.rng.integers(0, 300, size=int(base.sum()))
        out.add(
            sec=sec,
            kind=SMS,
            a=int(book.sim_phone[book.sim_first[line] + k]),
            b=book.c_person[base],
        )


def _orders(
    book: LineBook,
    ctx: DayContext,
    out: BatchBuilder,
    active: Bools,
    in_town: _Crew,
    dispatch: _Crew,
) -> None:
    """Orders by call or text, the line's reply, dispatch to a runner, and follow-ups."""
    rng = ctx.rng
    rows = np.flatnonzero(active)
    rows = np.repeat(rows, rng.poisson(book.c_rate[rows] * ctx.cal.volume(ctx.day)))
    n = len(rows)
    sec = sample_seconds(rng, n, ORDER_CDF)
    sim = (book.c_migrate[rows] <= (ctx.day * DAY_S + sec)[:, None]).sum(axis=1)
    line = book.c_line[rows]
    phone = book.sim_phone[book.sim_first[line] + sim]
    who = book.c_person[rows]
    is_call = rng.random(n) < 0.5
    answered = is_call & (rng.random(n) < 0.85)
    dur = np.where(answered, ctx.lognormal_s(25, 0.6, n, 180), 0)
    out.add(
        sec=sec,
        kind=np.where(is_call, CALL, SMS),
        a=who,
        b=phone,
        dur=dur,
        answered=answered.astype(np.int64),
    )
    missed = is_call & ~answered  # a missed call is followed by a text
    out.add(
        sec=sec[missed] + rng.integers(60, 180, size=int(missed.sum())),
        kind=SMS,
        a=who[missed],
        b=phone[missed],
    )
    replied = rng.random(n) < np.where(answered, 0.35, 0.9)
    out.add(
        sec=sec[replied] + rng.integers(30, 300, size=int(replied.sum())),
        kind=SMS,
        a=phone[replied],
        b=who[replied],
    )
    here = rng.random(n) < 0.2
    out.add(
        sec=sec[here] + rng.integers(900, 2400, size=int(here.sum())),
        kind=SMS,
        a=phone[here],
        b=who[here],
    )
    runner, has = dispatch.pick(line, rng)
    _dispatch(
        ctx, out, phone[has], runner[has], sec[has] + rng.integers(60, 480, size=int(has.sum()))
    )
    runner, has = in_town.pick(line, rng)
    ring = has & (rng.random(n) < 0.15)
    at = sec[ring] + rng.integers(600, 2400, size=int(ring.sum()))
    _calls(ctx, out, runner[ring], who[ring], at, median=15, p_answer=0.8)


def _dispatch(ctx: DayContext, out: BatchBuilder, phone: Ints, runner: Ints, sec: Ints) -> None:
    """The line tells a runner in town where to go: a text, sometimes a short call."""
    n = len(phone)
    is_call = ctx.rng.random(n) < 0.25
    ans = is_call & (ctx.rng.random(n) < 0.9)
    out.add(
        sec=sec, kind=np.where(is_call, CALL, SMS), a=phone, b=runner,
        dur=np.where(ans, ctx.lognormal_s(20, 0.5, n, 120), 0), answered=ans.astype(np.int64),
    )  # fmt: skip


def _calls(
    ctx: DayContext,
    out: BatchBuilder,
    a: Ints | int,
    b: Ints | int,
    sec: Ints,
    *,
    median: float,
    p_answer: float,
) -> None:
    n = len(sec)
    ans = ctx.rng.random(n) < p_answer
    dur = np.where(ans, ctx.lognormal_s(median, 0.7, n, 3600), 0)
    out.add(sec=sec, kind=CALL, a=a, b=b, dur=dur, answered=ans.astype(np.int64))


def _crew_talk(book: LineBook, ctx: DayContext, out: BatchBuilder) -> None:
    """Controller and runners: calls and texts by day, a check-in call late at night;
    controllers of town-held lines also ring the line phone."""
    rng = ctx.rng
    there = book.r_in_town[:, ctx.day]
    busy = np.where(there, 2.0, 0.5)
    boss = book.boss[book.r_line]
    school = _at_school(book, ctx)
    caller = np.repeat(np.arange(len(there)), rng.poisson(busy))
    sec = rng.integers(10 * HOUR_S, 22 * HOUR_S, size=len(caller))
    free = ~(school[caller] & _in_lessons(sec))
    caller, sec = caller[free], sec[free]
    late = np.flatnonzero(there)  # the check-in, from wherever the runner sleeps
    caller = np.concatenate([caller, late])
    sec = np.concatenate([sec, rng.integers(23 * HOUR_S, 25 * HOUR_S + 1800, size=len(late))])
    _calls(ctx, out, boss[caller], book.r_phone[caller], sec, median=60, p_answer=0.9)
    texter = np.repeat(np.arange(len(there)), rng.poisson(busy))
    sec = rng.integers(9 * HOUR_S, 23 * HOUR_S, size=len(texter))
    free = ~(school[texter] & _in_lessons(sec))
    out.add(sec=sec[free], kind=SMS, a=book.r_phone[texter[free]], b=boss[texter[free]])
    line = np.repeat(np.arange(book.lines), rng.poisson(np.where(book.held_in_town, 2.0, 0.0)))
    sec = rng.integers(10 * HOUR_S, 22 * HOUR_S, size=len(line))
    phone = _line_phone(book, line, ctx.day * DAY_S + sec)
    _calls(ctx, out, book.boss[line], phone, sec, median=40, p_answer=0.9)


def _personal(book: LineBook, ctx: DayContext, out: BatchBuilder) -> None:
    """Actors' ordinary lives: calls and texts with a few friends and family."""
    rng = ctx.rng
    actor = np.repeat(
        np.arange(len(book.a_phone)), rng.poisson(np.where(book.a_size > 0, 3.0, 0.0))
    )
    n = len(actor)
    sec = rng.integers(9 * HOUR_S, 23 * HOUR_S, size=n)
    offset = (rng.random(n) * book.a_size[actor]).astype(np.int64)
    friend = book.a_contacts[book.a_start[actor] + offset] if n else actor
    phone = book.a_phone[actor]
    is_call = rng.random(n) < 0.4
    runner = book.a_runner[actor]
    school = _at_school(book, ctx)
    busy = (runner >= 0) & school[np.maximum(runner, 0)] & _in_lessons(sec) if n else is_call
    sec, friend, phone, is_call = sec[~busy], friend[~busy], phone[~busy], is_call[~busy]
    n = len(sec)
    _calls(ctx, out, phone[is_call], friend[is_call], sec[is_call], median=90, p_answer=0.8)
    texts = ~is_call
    out.add(sec=sec[texts], kind=SMS, a=phone[texts], b=friend[texts])
    back = texts & (rng.random(n) < 0.5)
    at = sec[back] + ctx.lognormal_s(120, 1.0, int(back.sum()), 3600)
    out.add(sec=at, kind=SMS, a=friend[back], b=phone[back])


# --- where the phones are --------------------------------------------------------------


def place_day(lines: list[Line], where: Whereabouts, days: int) -> None:
    """Put every controller, runner and line phone on the map for ``where.day``."""
    for line in lines:
        boss = line.controller
        where.place(boss.phone, boss.handset, boss.haunts, boss.home_cell, boss.home_cell)
        for runner in line.runners:
            _place_runner(line, runner, where, days)
        holder = _holder(line, where.day) if line.held_in == HELD_IN_TOWN else None
        like = boss.phone if holder is None else holder.actor.phone
        for sim in line.sims:
            where.copy(sim.phone, sim.handset_on(where.day), like)


def _place_runner(line: Line, runner: Runner, where: Whereabouts, days: int) -> None:
    """Deal spots by day and the trap house or cuckooed address at night when in town;
    haunts and home in the hub otherwise. Early hours belong to the night before."""
    day = where.day
    actor = runner.actor
    pool = line.deal_cells if runner.in_town[day] else actor.haunts
    early = _sleep_cell(line, runner, max(day - 1, 0))
    night = _sleep_cell(line, runner, min(day, days - 1))
    where.place(actor.phone, actor.handset, pool, early, night)


def _sleep_cell(line: Line, runner: Runner, night: int) -> int:
    if runner.local or not runner.in_town[night]:
        return runner.actor.home_cell
    if line.cuckoo is not None and night >= line.cuckoo.start_day:
        return line.cuckoo.cell
    return line.trap_cell


def _holder(line: Line, day: int) -> Runner | None:
    """The runner carrying a town-held line phone on ``day``."""
    crew = [r for r in line.runners if r.in_town[day]]
    return crew[0] if crew else None


# --- ground truth ----------------------------------------------------------------------


def truth(
    lines: list[Line],
    cal: Calendar,
    numbers: list[str],
    imeis: list[str],
    cells: CellPlan,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ground-truth records of every line and every cuckooed address."""
    owners: dict[int, list[str]] = {}
    for line in lines:
        for person in line.customers:
            owners.setdefault(int(person), []).append(line.line_id)
    line_records = [_line_record(line, cal, numbers, imeis, cells, owners) for line in lines]
    cuckoos = [
        _cuckoo_record(line, line.cuckoo, cal, numbers, cells)
        for line in lines
        if line.cuckoo is not None
    ]
    return line_records, cuckoos


def person_id(phone: int) -> str:
    """Stable identifier of the person who owns phone ``phone``."""
    return f"person-{phone:06d}"


def _sim_last_day(sim: LineSim, cal: Calendar) -> int:
    return min(cal.days - 1, sim.silent_ws // DAY_S)


def _line_record(
    line: Line,
    cal: Calendar,
    numbers: list[str],
    imeis: list[str],
    cells: CellPlan,
    owners: dict[int, list[str]],
) -> dict[str, Any]:
    history = [
        {
            "number": numbers[s.phone],
            "from": cal.day(s.start_ws // DAY_S).isoformat(),
            "to": cal.day(_sim_last_day(s, cal)).isoformat(),
        }
        for s in line.sims
    ]
    return {
        "line_id": line.line_id,
        "brand": line.brand,
        "hub": cells.places[HUB_AREA].name,
        "town": cells.places[line.town].name,
        "held_in": line.held_in,
        "numbers": history,
        "handsets": _handset_records(line, cal, numbers, imeis),
        "controller": {
            "number": numbers[line.controller.phone],
            "person_id": person_id(line.controller.phone),
            "imei": imeis[line.controller.handset],
        },
        "runners": [_runner_record(r, cal, numbers, imeis, cells) for r in line.runners],
        "customers": [numbers[int(p)] for p in line.customers],
        "shared_customers": [numbers[int(p)] for p in line.customers if len(owners[int(p)]) > 1],
        "switches": _switch_records(line, cal, numbers),
        "trap_cell": cells.cell_ids[line.trap_cell],
    }


def _handset_records(
    line: Line, cal: Calendar, numbers: list[str], imeis: list[str]
) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    for sim in line.sims:
        last = _sim_last_day(sim, cal)
        for k, (handset, first) in enumerate(sim.handsets):
            to = sim.handsets[k + 1][1] - 1 if k + 1 < len(sim.handsets) else last
            records.append(
                {
                    "imei": imeis[handset],
                    "number": numbers[sim.phone],
                    "from": cal.day(first).isoformat(),
                    "to": cal.day(to).isoformat(),
                }
            )
    return records


def _runner_record(
    runner: Runner, cal: Calendar, numbers: list[str], imeis: list[str], cells: CellPlan
) -> dict[str, Any]:
    return {
        "person_id": person_id(runner.actor.phone),
        "number": numbers[runner.actor.phone],
        "imei": imeis[runner.actor.handset],
        "is_child": runner.is_child,
        "local": runner.local,
        "home_area": cells.places[runner.actor.home_area].name,
        "periods_in_town": [
            {"from": cal.day(a).isoformat(), "to": cal.day(b).isoformat()}
            for a, b in runs(runner.in_town)
        ],
    }


def runs(flags: Bools) -> list[tuple[int, int]]:
    """Maximal runs of True as inclusive (first, last) index pairs."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _switch_records(line: Line, cal: Calendar, numbers: list[str]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for old, new in zip(line.sims, line.sims[1:], strict=False):
        day = new.start_ws // DAY_S
        at = _ws_utc(cal, new.start_ws)
        records.append(
            {
                "old_number": numbers[old.phone],
                "new_number": numbers[new.phone],
                "date": cal.day(day).isoformat(),
                "announced_at": _iso_utc(at),
                "old_number_silent_after": _iso_utc(_ws_utc(cal, old.silent_ws)),
            }
        )
    return records


def _ws_utc(cal: Calendar, ws: int) -> int:
    """UTC epoch seconds of a world second (local seconds after a day's midnight)."""
    day = min(ws // DAY_S, cal.days)
    return int(cal.midnight_utc[day]) + ws - day * DAY_S


def _iso_utc(epoch: int) -> str:
    return np.datetime_as_string(np.datetime64(epoch, "s"), unit="s") + "Z"


def _cuckoo_record(
    line: Line, cuckoo: Cuckoo, cal: Calendar, numbers: list[str], cells: CellPlan
) -> dict[str, Any]:
    nights = line.cuckoo_nights(cal.days)
    stayed = [
        numbers[r.actor.phone]
        for r in line.runners
        if not r.local and any(r.in_town[n] for n in nights)
    ]
    return {
        "line_id": line.line_id,
        "cell_id": cells.cell_ids[cuckoo.cell],
        "area": cells.places[line.town].name,
        "resident_number": numbers[cuckoo.resident],
        "resident_person_id": person_id(cuckoo.resident),
        "runner_numbers": stayed,
        "nights": [cal.day(n).isoformat() for n in nights],
    }
