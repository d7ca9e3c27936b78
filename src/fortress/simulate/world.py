"""A whole synthetic world: sizing, planning, calibration and day-by-day generation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from fortress.simulate import bulk, lines, population
from fortress.simulate.bulk import BulkSender, SenderGroup
from fortress.simulate.clock import Calendar, build_calendar
from fortress.simulate.context import (
    MOBILE,
    PRIORITY_PERSON,
    DayContext,
    Registry,
    Whereabouts,
    resolve,
)
from fortress.simulate.events import UNKNOWN, EventBatch, RawEvents
from fortress.simulate.lines import Line, LineBook, LinePlanSpec, LineWatch
from fortress.simulate.places import HUB, TOWNS, CellPlan, Place, build_cells
from fortress.simulate.population import Population
from fortress.simulate.profile import (
    CLASSIC,
    STREAM_BEHAVIOUR_BULK,
    STREAM_BEHAVIOUR_LINES,
    STREAM_BEHAVIOUR_PLAN,
    BehaviourProfile,
)
from fortress.simulate.switching import PersonSwitches, plan_person_switches

PRESETS: Final = {
    "demo": 50_000,
    "small": 1_000_000,
    "medium": 10_000_000,
    "large": 100_000_000,
}
"""Target event counts of the named scales."""
MIN_EVENTS: Final = 1_000
EVENTS_PER_PERSON_DAY: Final = 3.0
"""Approximate events an ordinary person takes part in as originator per day."""
POPULATION_SHARE: Final = 0.85
HUB_SHARE: Final = 0.15
CUSTOMER_SHARE: Final = 0.15
"""Share of town residents who buy from some line (the world concentrates on who matters)."""

# Independent random streams (SeedSequence spawn keys).
STREAM_PLAN: Final = 0
STREAM_LINES: Final = 1
STREAM_BULK: Final = 2
STREAM_PEOPLE: Final = 3
STREAM_WHEREABOUTS: Final = 4
# Keys 5-8 belong to the behaviour profile (profile.py): the profile itself, what it adds to
# the plan, and its per-day draws for deal lines and for bulk senders.
_EXTRA_STREAM: Final = {STREAM_LINES: STREAM_BEHAVIOUR_LINES, STREAM_BULK: STREAM_BEHAVIOUR_BULK}


@dataclass(frozen=True)
class Variant:
    """How hard a world is for a detector (``default`` or ``hard``)."""

    name: str = "default"
    base_scale: float = 1.0
    """Customer bases are this share of their default size (small lines)."""
    bulk_multiplier: int = 1
    """Bulk senders of each kind per town are multiplied by this."""
    shared_share: float = 0.15
    """Share of a line's base that also buys from a rival line in its town."""


VARIANTS: Final = {
    "default": Variant(),
    "hard": Variant("hard", base_scale=0.5, bulk_multiplier=3, shared_share=0.5),
}
"""Named world variants: ``hard`` has lines half the usual size, three times the
legitimate bulk senders, and rival lines sharing half their customers."""
MIN_BASE: Final = 6


@dataclass(frozen=True)
class Sizing:
    """How big a world is."""

    target: int
    days: int
    people: int
    towns: int
    lines: int
    base_size: int
    people_per_area: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class World:
    """Everything planned about a world; events are generated from it day by day."""

    seed: int
    sizing: Sizing
    variant: Variant
    cal: Calendar
    cells: CellPlan
    pop: Population
    senders: list[BulkSender]
    groups: tuple[SenderGroup, ...]
    lines: list[Line]
    book: LineBook
    numbers: list[str]
    imsis: list[str | None]
    imeis: list[str]
    profile: BehaviourProfile = CLASSIC
    switches: PersonSwitches = field(default_factory=PersonSwitches)
    """Ordinary people who change number (drawn profiles)."""


def target_events(scale: str | int) -> int:
    """The target event count of a preset name or an explicit count."""
    if isinstance(scale, bool):
        raise ValueError(f"invalid scale {scale!r}")
    if isinstance(scale, int):
        if scale < MIN_EVENTS:
            raise ValueError(f"scale must be at least {MIN_EVENTS} events, got {scale}")
        return scale
    if scale in PRESETS:
        return PRESETS[scale]
    if scale.isdigit():
        return target_events(int(scale))
    raise ValueError(f"unknown scale {scale!r}; use one of {sorted(PRESETS)} or an event count")


def default_days(target: int) -> int:
    """Length of a world in days when not given: longer for bigger worlds."""
    if target <= 200_000:
        return 28
    if target <= 3_000_000:
        return 56
    if target <= 30_000_000:
        return 91
    return 182


def size_world(target: int, days: int, variant: Variant = VARIANTS["default"]) -> Sizing:
    """Derive people, towns, lines and customer bases from the target and length."""
    people = max(60, round(POPULATION_SHARE * target / (days * EVENTS_PER_PERSON_DAY)))
    towns = int(np.clip(round(people / 100), 2, len(TOWNS)))
    weights = np.array([t.population for t in TOWNS[:towns]], dtype=np.float64)
    hub = max(20, round(HUB_SHARE * people))
    per_town = np.maximum(20, np.rint((people - hub) * weights / weights.sum())).astype(int)
    count = int(np.clip(round(3 * (target / 50_000) ** 0.35), 2, 40))
    base = round(variant.base_scale * CUSTOMER_SHARE * per_town.sum() / count)
    base = int(np.clip(base, MIN_BASE, 250))
    per_area = [hub, *(int(p) for p in per_town)]
    return Sizing(target, days, sum(per_area), towns, count, base, per_area)


def stream(seed: int, key: int, day: int | None = None) -> np.random.Generator:
    """An independent random generator for one purpose (and one day)."""
    entropy = [seed, key] if day is None else [seed, key, day]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def plan_world(
    seed: int,
    target: int,
    start: date,
    days: int,
    variant: Variant = VARIANTS["default"],
    profile: BehaviourProfile = CLASSIC,
) -> World:
    """Plan a world: places, people, bulk senders, lines, identifiers; calibrate volumes.

    A non-classic ``profile`` adds its behaviours with its own plan stream; the classic
    profile plans exactly the world planned before profiles existed.
    """
    rng = stream(seed, STREAM_PLAN)
    extra = None if profile.is_classic else stream(seed, STREAM_BEHAVIOUR_PLAN)
    sizing = size_world(target, days, variant)
    cal = build_calendar(start, days)
    places: tuple[Place, ...] = (HUB, *TOWNS[: sizing.towns])
    cells = build_cells(places, sizing.people_per_area)
    registry = Registry()
    registry.add_phones(sizing.people, MOBILE, PRIORITY_PERSON)
    registry.add_handsets(registry.person_models(rng, sizing.people))
    pop = population.build_population(rng, cells, sizing.people_per_area, days, sizing.people)
    changes = int((pop.handset_second >= 0).sum())
    registry.add_handsets(registry.person_models(rng, changes))
    senders = bulk.plan_senders(rng, pop, cells, registry, variant.bulk_multiplier)
    shared = variant.shared_share
    if profile.shared_share is not None:
        shared = max(shared, profile.shared_share)
    spec = LinePlanSpec(sizing.lines, sizing.base_size, days, shared, profile)
    planned = lines.plan_lines(rng, pop, cells, registry, spec, extra)
    switches = PersonSwitches()
    if extra is not None:
        senders = senders + bulk.plan_lookalikes(
            extra, pop, cells, registry, profile, planned[0].town
        )
        residents = np.array(
            [line.cuckoo.resident for line in planned if line.cuckoo is not None], np.int64
        )
        switches = plan_person_switches(extra, profile, registry, pop.size, days, residents)
    numbers, imsis = registry.numbers(rng)
    world = World(
        seed=seed,
        sizing=sizing,
        variant=variant,
        cal=cal,
        cells=cells,
        pop=pop,
        senders=senders,
        groups=bulk.group_senders(senders),
        lines=planned,
        book=lines.book_lines(planned, days),
        numbers=numbers,
        imsis=imsis,
        imeis=registry.imeis(rng),
        profile=profile,
        switches=switches,
    )
    return calibrate(world)


def calibrate(world: World) -> World:
    """Scale the population's rates so that the expected total hits the target.

    Deal-line and bulk-sender traffic is generated (without cells or writing) on up to 28
    sample days spread evenly over every weekday, and extrapolated; the population makes up
    the rest in expectation.
    """
    days = world.cal.days
    step = next(k for k in range(max(1, -(-days // CALIBRATION_DAYS)), days + 8) if k % 7)
    sample = range(0, days, step)
    directed = sum(
        len(_raw(world, day, STREAM_LINES)) + len(_raw(world, day, STREAM_BULK)) for day in sample
    )
    others = directed * days / len(sample)
    budget = max(world.sizing.target - others, 0.3 * world.sizing.target)
    expected = population.expected_events(world.pop, world.cal)
    return replace(world, pop=world.pop.with_rate_scale(budget / expected))


CALIBRATION_DAYS: Final = 28


def _raw(world: World, day: int, key: int) -> RawEvents:
    """Deal-line (``STREAM_LINES``) or bulk-sender raw events of one day."""
    extra = stream(world.seed, _EXTRA_STREAM[key], day)
    ctx = DayContext(world.cal, day, stream(world.seed, key, day), extra)
    if key == STREAM_LINES:
        return lines.day_events(world.book, ctx)
    return bulk.generate_day(world.groups, ctx).build()


def _directed(world: World, day: int) -> tuple[EventBatch, EventBatch]:
    """Deal-line and bulk-sender events of one day with handsets and cells, cut at the end."""
    where = Whereabouts(world.pop, world.cells, len(world.numbers), day)
    lines.place_day(world.lines, where, world.cal.days)
    bulk.place_day(world.senders, where)
    rng = stream(world.seed, STREAM_WHEREABOUTS, day)
    end = world.cal.end_utc
    out: list[EventBatch] = []
    for key in (STREAM_LINES, STREAM_BULK):
        raw = _raw(world, day, key)
        batch = resolve(raw, where, world.cal, rng)
        if key == STREAM_LINES:
            batch = _unreachable(batch, lines.dead_callee(world.book, raw, day))
        out.append(batch.take(batch.t < end))
    return out[0], out[1]


def _unreachable(batch: EventBatch, dead: npt.NDArray[np.bool_]) -> EventBatch:
    """Calls and texts to a number that fell silent reach no handset and no cell."""
    if not dead.any():
        return batch
    return replace(
        batch,
        b_imei=np.where(dead, UNKNOWN, batch.b_imei),
        b_cell=np.where(dead, UNKNOWN, batch.b_cell),
        b_cell_last=np.where(dead, UNKNOWN, batch.b_cell_last),
    )


@dataclass
class Tally:
    """Events produced so far, by component."""

    lines: int = 0
    bulk: int = 0
    population: int = 0
    watch: LineWatch | None = None
    """What the deal-line events showed about old line numbers (for the truth file)."""

    @property
    def total(self) -> int:
        """All events."""
        return self.lines + self.bulk + self.population


def day_chunks(world: World, tally: Tally) -> Iterator[EventBatch]:
    """Yield the world's events one local day at a time, in global time order."""
    carry = EventBatch.empty()
    end = world.cal.end_utc
    if tally.watch is None:
        tally.watch = LineWatch.create(world.lines, world.cal)
    size = world.pop.size
    for day in range(world.cal.days):
        line_events, bulk_events = _directed(world, day)
        tally.watch.observe(line_events)
        rng = stream(world.seed, STREAM_PEOPLE, day)
        people = population.generate_day(world.pop, world.cells, world.cal, day, rng)
        people = people.take(people.t < end)
        if len(world.switches):
            line_events = world.switches.apply(line_events, size, day)
            bulk_events = world.switches.apply(bulk_events, size, day)
            people = world.switches.apply(people, size, day)
        tally.lines += len(line_events)
        tally.bulk += len(bulk_events)
        tally.population += len(people)
        merged = EventBatch.concat([carry, line_events, bulk_events, people]).sorted()
        cut = int(np.searchsorted(merged.t, world.cal.midnight_utc[day + 1], side="left"))
        carry = merged.take(slice(cut, None))
        yield merged.take(slice(0, cut))
