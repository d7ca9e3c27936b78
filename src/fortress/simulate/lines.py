"""County-lines deal lines: plan (who, where, which numbers and handsets) and daily traffic.

A line is a branded number (the "Dave line") run from the hub. Its controller stays in the
hub; runners (some of them children, some recruited locally) rotate into the importing town
and sleep at a trap house or a cuckooed address. Customers order by short calls and texts,
the line replies with a meeting place and dispatches a runner; the line "text bombs" its
customer base several times a day. Lines swap handsets and change numbers; a new number texts
the old base and the customers move to it within hours.

A world's behaviour profile (``profile.py``) varies all this: internal lines run from inside
the town, lines taking orders by call or by text, slow marketing waves, small bases, walk-in
buyers, SIM swaps into the same handset, overlaps, stragglers ringing a dead number, and
controllers and runners changing their own numbers (``switching.py`` draws the details). The
classic profile leaves every classic line exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

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
from fortress.simulate.events import (
    CALL,
    SMS,
    BatchBuilder,
    Bools,
    EventBatch,
    Floats,
    Ints,
    RawEvents,
)
from fortress.simulate.places import CellPlan, random_cells
from fortress.simulate.population import Population
from fortress.simulate.profile import CLASSIC, BehaviourProfile
from fortress.simulate.switching import (
    CLASSIC_HABITS,
    INTERNAL,
    ORDERS_CALL,
    Attempts,
    Habits,
    Rotation,
    StragglerSpec,
    SwitchPlan,
    draw_habits,
    draw_stragglers,
    draw_switches,
    rotation_days,
    switch_gap_days,
)

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
    """A controller or runner: a personal phone, a handset, a home, haunts and contacts.

    ``phone`` and ``handset`` are the first ones; ``rotations`` the later numbers (drawn
    profiles: actors rotate burners too).
    """

    phone: int
    handset: int
    home_area: int
    home_cell: int
    haunts: Ints
    contacts: Ints
    rotations: tuple[Rotation, ...] = ()

    def phone_on(self, day: int) -> int:
        """The personal number in use on ``day``."""
        rotation = self._rotation_on(day)
        return self.phone if rotation is None else rotation.phone

    def handset_on(self, day: int) -> int:
        """The handset in use on ``day``."""
        rotation = self._rotation_on(day)
        return self.handset if rotation is None else rotation.handset

    def _rotation_on(self, day: int) -> Rotation | None:
        """The latest rotation made by ``day`` (None: still the first phone)."""
        made = [rotation for rotation in self.rotations if rotation.day <= day]
        return made[-1] if made else None

    @property
    def phones(self) -> list[int]:
        """Every number the actor used, in order."""
        return [self.phone, *(r.phone for r in self.rotations)]


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
    habits: Habits = CLASSIC_HABITS
    switch_plans: tuple[SwitchPlan, ...] = ()
    """How each change of number happened (one per ``sims[1:]``)."""
    walk_in: Bools = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    """Per customer: a walk-in buyer, not on the texting list (empty: none)."""
    missed: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros((0, 0), np.bool_))
    """Rows: switches; columns: customers who missed that "new number" text (empty: none)."""
    attempts: Attempts = field(default_factory=Attempts)
    """Stragglers' calls and texts to the line's dead numbers."""

    @property
    def listed(self) -> Bools:
        """Per customer: on the texting list (not a walk-in)."""
        if len(self.walk_in) == 0:
            return np.ones(len(self.customers), dtype=np.bool_)
        return ~self.walk_in

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
    profile: BehaviourProfile = CLASSIC


# --- planning --------------------------------------------------------------------------


def plan_lines(
    rng: np.random.Generator,
    pop: Population,
    cells: CellPlan,
    registry: Registry,
    spec: LinePlanSpec,
    extra: np.random.Generator | None = None,
) -> list[Line]:
    """Plan ``spec.count`` lines; the world always gets a switch, a swap and a cuckooing.

    ``extra`` (the behaviour plan stream) draws what a non-classic profile adds; the
    classic profile never touches it.
    """
    if extra is None and not spec.profile.is_classic:
        raise ValueError("a drawn profile needs the behaviour plan stream")
    towns = _line_towns(rng, pop, spec.count)
    lines: list[Line] = []
    for index, town in enumerate(towns):
        rivals = [line.customers for line in lines if line.town == town]
        lines.append(_plan_line(rng, pop, cells, registry, spec, index, town, rivals, extra))
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
    extra: np.random.Generator | None,
) -> Line:
    days, profile = spec.days, spec.profile
    habits = CLASSIC_HABITS if extra is None else draw_habits(extra, profile, index)
    internal = habits.kind == INTERNAL
    if internal:
        held_in = HELD_IN_TOWN  # the phone stays in the town it sells in
    else:
        held_in = (
            HELD_IN_HUB
            if index == 0
            else HELD_IN_TOWN
            if index == 1
            else _held(rng, profile.held_in_hub_share)
        )
    base_area = town if internal else HUB_AREA
    controller = _actor(rng, pop, cells, registry, base_area, burner=False)
    runners = _runners(
        rng, pop, cells, registry, town, days, first_child=index == 0, internal=internal
    )
    switches = _switch_times(
        rng,
        days,
        force=index == 0,
        interval=profile.switch_interval_days,
        gap=switch_gap_days(profile),
    )
    plans = draw_switches(extra, profile, len(switches))
    sims = _sims(
        rng,
        registry,
        days,
        switches,
        plans,
        force_swap=index == min(1, spec.count - 1),
        swap_interval=profile.handset_swap_interval_days,
    )
    customers = _customers(rng, pop, town, spec, rivals, habits.base_scale)
    walk_in = np.zeros(0, dtype=np.bool_)
    if extra is not None:
        customers, walk_in = _walk_ins(extra, pop, town, customers, profile.walk_in_share)
    join = np.where(rng.random(len(customers)) < 0.8, 0, rng.integers(0, days, len(customers)))
    rate = np.clip(rng.lognormal(np.log(0.25), 1.0, len(customers)), 0.02, 3.0)
    town_arr = np.full(3, town, dtype=np.int64)
    migrate = _migrations(rng, switches, len(customers))
    deal_cells = random_cells(cells, town_arr, rng)
    trap_cell = int(random_cells(cells, town_arr[:1], rng)[0])
    cuckoo = _cuckoo(
        rng, pop, customers, rate, join, days, force=index == 0, share=profile.cuckoo_share
    )
    line = Line(
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
        migrate_ws=migrate,
        deal_cells=deal_cells,
        trap_cell=trap_cell,
        cuckoo=None if internal else cuckoo,  # local runners sleep at home
        habits=habits,
        switch_plans=tuple(plans),
        walk_in=walk_in,
    )
    if extra is None:
        return line
    return _drawn_extras(extra, registry, profile, line, days)


def _drawn_extras(
    extra: np.random.Generator,
    registry: Registry,
    profile: BehaviourProfile,
    line: Line,
    days: int,
) -> Line:
    """Stragglers of each switch, and the number changes of the line's own people."""
    walk_in = line.walk_in if len(line.walk_in) else np.zeros(len(line.customers), np.bool_)
    migrate = line.migrate_ws.copy()
    spec = StragglerSpec(
        days=days,
        announce_ws=[s.start_ws for s in line.sims[1:]],
        plans=list(line.switch_plans),
        old_phones=[s.phone for s in line.sims[:-1]],
        customers=line.customers,
        join=line.join_day,
        walk_in=walk_in,
    )
    stragglers = draw_stragglers(extra, profile, spec, migrate)
    controller = _rotate(extra, registry, profile, line.controller, days, burner=False)
    runners = tuple(
        replace(r, actor=_rotate(extra, registry, profile, r.actor, days, burner=True))
        for r in line.runners
    )
    return replace(
        line,
        migrate_ws=migrate,
        missed=stragglers.missed,
        attempts=stragglers.attempts,
        controller=controller,
        runners=runners,
    )


def _rotate(
    extra: np.random.Generator,
    registry: Registry,
    profile: BehaviourProfile,
    actor: Actor,
    days: int,
    *,
    burner: bool,
) -> Actor:
    """An actor's later personal numbers: a new SIM, in the same handset with
    ``actor_same_handset_share``, else in a new one."""
    rotations: list[Rotation] = []
    handset = actor.handset
    for day in rotation_days(extra, profile.actor_switches_per_month, days):
        phone = registry.add_phone(MOBILE, PRIORITY_ACTOR)
        same = bool(extra.random() < profile.actor_same_handset_share)
        if not same:
            handset = registry.add_handset(extra, burner=burner)
        rotations.append(Rotation(day, phone, handset, same))
    return replace(actor, rotations=tuple(rotations)) if rotations else actor


def _walk_ins(
    extra: np.random.Generator, pop: Population, town: int, customers: Ints, share: float
) -> tuple[Ints, Bools]:
    """Add walk-in buyers (about ``share`` of the base, from the town's other residents)
    after the base; return the customers and which of them walk in."""
    pool = np.setdiff1d(pop.in_area(town), customers)
    count = min(len(pool), int(extra.binomial(len(customers), share)) if share > 0 else 0)
    walk = np.sort(extra.choice(pool, size=count, replace=False)).astype(np.int64)
    flags = np.concatenate([np.zeros(len(customers), np.bool_), np.ones(count, np.bool_)])
    return np.concatenate([customers, walk]).astype(np.int64), flags


def _held(rng: np.random.Generator, hub_share: float) -> str:
    return HELD_IN_HUB if rng.random() < hub_share else HELD_IN_TOWN


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
    internal: bool = False,
) -> tuple[Runner, ...]:
    """Runners exported from the hub and recruited locally; an internal line's are all
    local (and in town every day)."""
    exported = int(rng.integers(1, 4))
    local = int(rng.integers(0, 2))
    if internal:
        exported, local = 0, exported + local
        rota = [np.ones(days, dtype=np.bool_) for _ in range(local)]
    else:
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


def _switch_times(
    rng: np.random.Generator,
    days: int,
    *,
    force: bool,
    interval: float = 40.0,
    gap: int = 3,
) -> list[int]:
    """World seconds of number changes: about one every ``interval`` days (classic 40), at
    least ``gap`` days apart."""
    if days < 4:
        return []
    count = int(rng.poisson(days / interval))
    count = max(count, 1) if force else count
    candidates = np.arange(2, days - 1)
    picked: list[int] = []
    for day in rng.permutation(candidates):
        if len(picked) < count and all(abs(int(day) - p) >= gap for p in picked):
            picked.append(int(day))
    return sorted(d * DAY_S + int(rng.integers(10 * HOUR_S, 15 * HOUR_S)) for d in picked)


def _sims(
    rng: np.random.Generator,
    registry: Registry,
    days: int,
    switches: list[int],
    plans: list[SwitchPlan],
    *,
    force_swap: bool,
    swap_interval: float = 30.0,
) -> tuple[LineSim, ...]:
    """The line's numbers, each on a new burner (or, when its switch's plan says so, in the
    handset of the number before), with handset swaps about once every ``swap_interval``
    days; the old number falls silent ``plan.silent_after_s`` after the announcement.

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
        silent = (
            starts[k + 1] + plans[k].silent_after_s if k + 1 < len(starts) else days * DAY_S * 2
        )
        swaps = int(rng.poisson((last_day - first_day) / swap_interval))
        if force_swap and k == longest:
            swaps = max(swaps, 1)
        if k > 0 and plans[k - 1].same_handset:
            handsets = [(sims[-1].handsets[-1][0], first_day)]  # the SIM goes into the old phone
        else:
            handsets = [(registry.add_handset(rng, burner=rng.random() < 0.8), first_day)]
        inner = np.arange(first_day + 1, last_day)
        for day in np.sort(rng.choice(inner, size=min(swaps, len(inner)), replace=False)):
            handsets.append((registry.add_handset(rng, burner=rng.random() < 0.8), int(day)))
        sims.append(LineSim(phone, start, silent, tuple(handsets)))
    return tuple(sims)


def _customers(
    rng: np.random.Generator,
    pop: Population,
    town: int,
    spec: LinePlanSpec,
    rivals: list[Ints],
    scale: float = 1.0,
) -> Ints:
    """The base: drawn from the town, ``spec.shared_share`` shared with rival lines there;
    a small line's is ``scale`` of the usual size."""
    people = pop.in_area(town)
    wanted = spec.base_size if scale == 1.0 else max(3, round(spec.base_size * scale))
    size = max(3, min(wanted, len(people) // 2))
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
    share: float = 0.5,
) -> Cuckoo | None:
    """Take over the home of a heavy-using customer (a line with ``share``), some days
    into the world."""
    if not force and rng.random() >= share:
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
    line); ``a_*``: every actor (controllers and runners) with a flat contact list;
    ``st_*``: stragglers' attempts on dead numbers, in time order. Personal numbers
    (``boss``, ``r_phone``, ``a_phone``) have one column per day (actors rotate numbers).
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
    sim_silent: npt.NDArray[np.int64]  # per flat sim: world second it falls silent
    call_share: Floats  # per line: share of orders that are calls
    call_reply: Bools  # per line: answers orders by call
    slow_gap: Floats  # per line: median gap of a slow wave (0: a burst)
    wave_factor: Floats
    coverage_low: Floats
    c_listed: Bools  # on the texting list (not a walk-in)
    c_missed: npt.NDArray[np.bool_]  # (customers, width - 1): missed that switch's text
    st_ws: npt.NDArray[np.int64]
    st_person: Ints
    st_phone: Ints
    st_text: Bools
    silent_phone: Ints  # sim phones sorted, with the world second each falls silent
    silent_ws: npt.NDArray[np.int64]

    @property
    def lines(self) -> int:
        """Number of lines."""
        return len(self.boss)

    @property
    def has_missed(self) -> bool:
        """Whether any customer missed a "new number" text."""
        return bool(self.c_missed.any())

    def silent_at(self, phones: Ints) -> npt.NDArray[np.int64]:
        """World second at which each phone falls silent (``NEVER`` for any but an old
        line number)."""
        if len(self.silent_phone) == 0:
            return np.full(len(phones), NEVER, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.silent_phone, phones), len(self.silent_phone) - 1)
        hit = self.silent_phone[pos] == phones
        return np.where(hit, self.silent_ws[pos], NEVER)


def book_lines(lines: list[Line], days: int = 1) -> LineBook:
    """Flatten planned lines into a ``LineBook`` (personal numbers for ``days`` days)."""
    width = max([len(line.sims) for line in lines] + [1])
    sim_start = np.full((len(lines), width), NEVER, dtype=np.int64)
    migrate = []
    missed = []
    for i, line in enumerate(lines):
        sim_start[i, : len(line.sims)] = line.sim_starts
        pad = np.full((len(line.customers), width - 1), NEVER, dtype=np.int64)
        pad[:, : len(line.sims) - 1] = line.migrate_ws.T
        migrate.append(pad)
        flags = np.zeros((len(line.customers), width - 1), dtype=np.bool_)
        if line.missed.size:
            flags[:, : len(line.sims) - 1] = line.missed.T
        missed.append(flags)
    runners = [(i, r) for i, line in enumerate(lines) for r in line.runners]
    actors = [a for line in lines for a in (line.controller, *(r.actor for r in line.runners))]
    sizes = np.array([len(a.contacts) for a in actors], dtype=np.int64)
    attempts = Attempts.concat([line.attempts for line in lines])
    silent = sorted((s.phone, s.silent_ws) for line in lines for s in line.sims[:-1])
    return LineBook(
        held_in_town=np.array([line.held_in == HELD_IN_TOWN for line in lines], dtype=np.bool_),
        boss=_daily_phones([line.controller for line in lines], days),
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
        r_phone=_daily_phones([r.actor for _, r in runners], days),
        r_in_town=np.array([r.in_town for _, r in runners], dtype=np.bool_),
        r_child=np.array([r.is_child for _, r in runners], dtype=np.bool_),
        a_phone=_daily_phones(actors, days),
        a_runner=_actor_runners(lines),
        a_contacts=np.concatenate([a.contacts for a in actors]).astype(np.int64),
        a_start=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
        a_size=sizes,
        sim_silent=np.array([s.silent_ws for line in lines for s in line.sims], dtype=np.int64),
        call_share=np.array([line.habits.call_share for line in lines], dtype=np.float64),
        call_reply=np.array(
            [line.habits.orders_by == ORDERS_CALL for line in lines], dtype=np.bool_
        ),
        slow_gap=np.array([line.habits.slow_gap_s for line in lines], dtype=np.float64),
        wave_factor=np.array([line.habits.wave_factor for line in lines], dtype=np.float64),
        coverage_low=np.array([line.habits.coverage_low for line in lines], dtype=np.float64),
        c_listed=np.concatenate([line.listed for line in lines]).astype(np.bool_),
        c_missed=np.concatenate(missed),
        st_ws=attempts.ws,
        st_person=attempts.person,
        st_phone=attempts.phone,
        st_text=attempts.is_text,
        silent_phone=np.array([p for p, _ in silent], dtype=np.int64),
        silent_ws=np.array([w for _, w in silent], dtype=np.int64),
    )


def _daily_phones(actors: list[Actor], days: int) -> Ints:
    """Each actor's personal number on each day (rows: actors; columns: days)."""
    table = np.empty((len(actors), max(days, 1)), dtype=np.int64)
    for row, actor in enumerate(actors):
        table[row] = actor.phone
        for rotation in actor.rotations:
            table[row, rotation.day :] = rotation.phone
    return table


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
    return _crew(book, there, day), _crew(book, there & ~holder, day)


def _crew(book: LineBook, mask: Bools, day: int) -> _Crew:
    count = np.bincount(book.r_line[mask], minlength=book.lines).astype(np.int64)
    return _Crew(
        book.r_phone[mask, day],
        np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64),
        count,
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
    _stragglers(book, ctx, out)
    return out


def day_events(book: LineBook, ctx: DayContext) -> RawEvents:
    """``generate_day``'s events, without anything a number would originate after it fell
    silent (a reply or dispatch due after an old number's last moment is never sent)."""
    raw = generate_day(book, ctx).build()
    if len(book.silent_phone) == 0 or len(raw) == 0:
        return raw
    late = ctx.day * DAY_S + raw.sec >= book.silent_at(raw.a)
    if not late.any():
        return raw
    keep = ~late
    return RawEvents(
        raw.sec[keep], raw.kind[keep], raw.a[keep], raw.b[keep], raw.dur[keep], raw.answered[keep]
    )


def dead_callee(book: LineBook, raw: RawEvents, day: int) -> Bools:
    """Events whose called party is an old line number after it fell silent: nobody holds
    that SIM any more, so the record has no handset or cell for it."""
    if len(book.silent_phone) == 0:
        return np.zeros(len(raw), dtype=np.bool_)
    return np.asarray(day * DAY_S + raw.sec >= book.silent_at(raw.b), dtype=np.bool_)


def _line_phone(book: LineBook, line: Ints, ws: Ints) -> Ints:
    """The number each line uses for its own sending at world second ``ws``."""
    k = np.asarray((book.sim_start[line] <= ws[:, None]).sum(axis=1), dtype=np.int64) - 1
    return np.asarray(book.sim_phone[book.sim_first[line] + k], dtype=np.int64)


WAVES: Final = ((8.5, 11.5, 0.95), (14.0, 17.5, 0.9), (21.5, 24.5, 0.45))
"""Marketing waves: start window (local hours) and the classic chance a line fires it."""


def _bombs(book: LineBook, ctx: DayContext, out: BatchBuilder, active: Bools) -> None:
    """Marketing texts to most of the base within minutes: morning, afternoon, often late.

    A slow line sends its wave one message at a time, over many minutes."""
    rng, n = ctx.rng, book.lines
    for start_h, end_h, p in WAVES:
        fire = rng.random(n) < p * book.wave_factor
        start = rng.integers(int(start_h * HOUR_S), int(end_h * HOUR_S), size=n)
        phone = _line_phone(book, np.arange(n), ctx.day * DAY_S + start)
        cover = rng.uniform(book.coverage_low, 0.95, size=n)
        spread = rng.integers(60, 600, size=n)
        chosen = active & fire[book.c_line] & (rng.random(len(active)) < cover[book.c_line])
        chosen &= _reachable(book, ctx.day * DAY_S + start)
        line = book.c_line[chosen]
        sec = start[line] + (rng.random(len(line)) * spread[line]).astype(np.int64)
        sec = _slow_waves(book, ctx, line, start, sec)
        out.add(sec=sec, kind=SMS, a=phone[line], b=book.c_person[chosen])


def _reachable(book: LineBook, ws: npt.NDArray[np.int64]) -> Bools:
    """Customers a line texts at world second ``ws[line]``: on its list, and not a
    straggler of its latest switch who has yet to hear the new number."""
    if not book.has_missed:
        return book.c_listed
    current = (book.sim_start <= ws[:, None]).sum(axis=1) - 1
    k = current[book.c_line]
    rows = np.arange(len(k))
    col = np.maximum(k - 1, 0)
    lost = (k >= 1) & book.c_missed[rows, col] & (book.c_migrate[rows, col] > ws[book.c_line])
    return np.asarray(book.c_listed & ~lost, dtype=np.bool_)


def _slow_waves(book: LineBook, ctx: DayContext, line: Ints, start: Ints, sec: Ints) -> Ints:
    """Send the slow lines' waves one by one: in a random order, each message a lognormal
    gap (median the line's, 1 s to 15 min) after the one before."""
    rows = np.flatnonzero(book.slow_gap[line] > 0)
    if len(rows) == 0:
        return sec
    order = np.lexsort((ctx.extra.random(len(rows)), line[rows]))
    rows = rows[order]
    owner = line[rows]
    gaps = np.clip(ctx.extra.lognormal(np.log(book.slow_gap[owner]), 1.0), 1, 900)
    gaps = gaps.astype(np.int64)
    gaps[np.r_[True, owner[1:] != owner[:-1]]] = 0
    first = np.maximum.accumulate(np.where(gaps == 0, np.arange(len(rows)), 0))
    total = np.cumsum(gaps)
    out = sec.copy()
    out[rows] = start[owner] + total - total[first]
    return out


def _announcements(book: LineBook, ctx: DayContext, out: BatchBuilder, active: Bools) -> None:
    """A new number texts the whole base ("new number, save it") at the switch: everyone
    on the list but the stragglers, who miss it."""
    today = (book.sim_start // DAY_S == ctx.day) & (book.sim_start > 0) & (book.sim_start < NEVER)
    for line, k in zip(*np.nonzero(today), strict=True):
        base = active & (book.c_line == line) & book.c_listed & ~book.c_missed[:, k - 1]
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
    ws = ctx.day * DAY_S + sec
    sim = (book.c_migrate[rows] <= ws[:, None]).sum(axis=1)
    line = book.c_line[rows]
    flat = book.sim_first[line] + sim
    phone = book.sim_phone[flat]
    dead = ws >= book.sim_silent[flat]  # a straggler ringing a number nobody answers
    who = book.c_person[rows]
    is_call = rng.random(n) < book.call_share[line]
    answered = is_call & (rng.random(n) < 0.85) & ~dead
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
    _reply(
        book,
        ctx,
        out,
        line[replied],
        phone[replied],
        who[replied],
        sec[replied] + rng.integers(30, 300, size=int(replied.sum())),
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
    ring = has & (rng.random(n) < 0.15) & ~dead
    at = sec[ring] + rng.integers(600, 2400, size=int(ring.sum()))
    _calls(ctx, out, runner[ring], who[ring], at, median=15, p_answer=0.8)


def _reply(
    book: LineBook,
    ctx: DayContext,
    out: BatchBuilder,
    line: Ints,
    phone: Ints,
    who: Ints,
    sec: Ints,
) -> None:
    """The line's answer to an order: a text, or a short call from a line that works by
    call (answered 85% of the time)."""
    by_call = book.call_reply[line]
    calls = int(by_call.sum())
    dur = np.zeros(len(line), dtype=np.int64)
    answered = np.zeros(len(line), dtype=np.int64)
    if calls:
        picked = ctx.extra.random(calls) < 0.85
        answered[by_call] = picked
        dur[by_call] = np.where(picked, ctx.extra_lognormal_s(30, 0.6, calls, 240), 0)
    out.add(
        sec=sec,
        kind=np.where(by_call, CALL, SMS),
        a=phone,
        b=who,
        dur=dur,
        answered=answered,
    )


def _stragglers(book: LineBook, ctx: DayContext, out: BatchBuilder) -> None:
    """Stragglers' calls (never answered, 0 s) and texts to dead numbers on this day."""
    lo, hi = np.searchsorted(book.st_ws, [ctx.day * DAY_S, (ctx.day + 1) * DAY_S])
    if hi <= lo:
        return
    text = book.st_text[lo:hi]
    out.add(
        sec=book.st_ws[lo:hi] - ctx.day * DAY_S,
        kind=np.where(text, SMS, CALL),
        a=book.st_person[lo:hi],
        b=book.st_phone[lo:hi],
        dur=0,
        answered=0,
    )


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
    boss = book.boss[book.r_line, ctx.day]
    r_phone = book.r_phone[:, ctx.day]
    school = _at_school(book, ctx)
    caller = np.repeat(np.arange(len(there)), rng.poisson(busy))
    sec = rng.integers(10 * HOUR_S, 22 * HOUR_S, size=len(caller))
    free = ~(school[caller] & _in_lessons(sec))
    caller, sec = caller[free], sec[free]
    late = np.flatnonzero(there)  # the check-in, from wherever the runner sleeps
    caller = np.concatenate([caller, late])
    sec = np.concatenate([sec, rng.integers(23 * HOUR_S, 25 * HOUR_S + 1800, size=len(late))])
    _calls(ctx, out, boss[caller], r_phone[caller], sec, median=60, p_answer=0.9)
    texter = np.repeat(np.arange(len(there)), rng.poisson(busy))
    sec = rng.integers(9 * HOUR_S, 23 * HOUR_S, size=len(texter))
    free = ~(school[texter] & _in_lessons(sec))
    out.add(sec=sec[free], kind=SMS, a=r_phone[texter[free]], b=boss[texter[free]])
    line = np.repeat(np.arange(book.lines), rng.poisson(np.where(book.held_in_town, 2.0, 0.0)))
    sec = rng.integers(10 * HOUR_S, 22 * HOUR_S, size=len(line))
    phone = _line_phone(book, line, ctx.day * DAY_S + sec)
    _calls(ctx, out, book.boss[line, ctx.day], phone, sec, median=40, p_answer=0.9)


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
    phone = book.a_phone[actor, ctx.day]
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
    day = where.day
    for line in lines:
        boss = line.controller
        where.place(
            boss.phone_on(day), boss.handset_on(day), boss.haunts, boss.home_cell, boss.home_cell
        )
        for runner in line.runners:
            _place_runner(line, runner, where, days)
        holder = _holder(line, day) if line.held_in == HELD_IN_TOWN else None
        like = boss.phone_on(day) if holder is None else holder.actor.phone_on(day)
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
    where.place(actor.phone_on(day), actor.handset_on(day), pool, early, night)


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


# --- what the events showed ----------------------------------------------------------


@dataclass
class LineWatch:
    """What the generated events showed about old line numbers, for the truth file: each
    one's last originated event and the last event addressed to it after it fell silent
    (UTC epoch seconds, -1 for none). Fed every day's deal-line events."""

    phone: Ints
    silent_utc: Ints
    last_originated: Ints
    last_unanswered: Ints

    @classmethod
    def create(cls, lines: list[Line], cal: Calendar) -> LineWatch:
        """Watch every number of ``lines`` that has a successor."""
        pairs = sorted((s.phone, s.silent_ws) for line in lines for s in line.sims[:-1])
        phone = np.array([p for p, _ in pairs], dtype=np.int64)
        silent = np.array([ws_utc(cal, w) for _, w in pairs], dtype=np.int64)
        return cls(phone, silent, np.full(len(phone), -1), np.full(len(phone), -1))

    def observe(self, batch: EventBatch) -> None:
        """Take in one day's deal-line events."""
        if len(self.phone) == 0 or len(batch) == 0:
            return
        for party, store, after_silence in (
            (batch.a, self.last_originated, False),
            (batch.b, self.last_unanswered, True),
        ):
            pos = np.minimum(np.searchsorted(self.phone, party), len(self.phone) - 1)
            hit = self.phone[pos] == party
            if after_silence:
                hit &= batch.t >= self.silent_utc[pos]
            np.maximum.at(store, pos[hit], batch.t[hit])

    def last(self, phone: int, *, originated: bool) -> int:
        """UTC of ``phone``'s last originated event (or last unanswered contact); -1."""
        pos = int(np.searchsorted(self.phone, phone))
        if pos >= len(self.phone) or self.phone[pos] != phone:
            return -1
        store = self.last_originated if originated else self.last_unanswered
        return int(store[pos])


def ws_utc(cal: Calendar, ws: int) -> int:
    """UTC epoch seconds of a world second (local seconds after a day's midnight)."""
    day = min(ws // DAY_S, cal.days)
    return int(cal.midnight_utc[day]) + ws - day * DAY_S
