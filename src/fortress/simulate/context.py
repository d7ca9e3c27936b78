"""Shared per-day context and the registry of phones and handsets of a world."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np

from fortress.simulate.clock import Calendar
from fortress.simulate.events import CALL, UNKNOWN, EventBatch, Ints, RawEvents
from fortress.simulate.numbers import ImeiAllocator, NumberAllocator, imsis
from fortress.simulate.places import CellPlan
from fortress.simulate.population import Population, person_cells, person_imeis

MOBILE: Final = "mobile"
LANDLINE: Final = "landline"

# Allocation priority for drama numbers: the most visible entities first.
PRIORITY_LINE: Final = 0
PRIORITY_ACTOR: Final = 1
PRIORITY_BULK: Final = 2
PRIORITY_PERSON: Final = 3

HANDSET_MODELS: Final = 24
BURNER_MODELS: Final = (0, 1, 2)
"""Cheap basic handsets: common as deal-line phones, rare in the population."""


@dataclass
class Registry:
    """Every phone (number + SIM) and handset of a world, by index; strings are made last."""

    phone_kind: list[str] = field(default_factory=list)
    phone_priority: list[int] = field(default_factory=list)
    handset_model: list[int] = field(default_factory=list)

    def add_phones(self, count: int, kind: str, priority: int) -> list[int]:
        """Register ``count`` phones; return their indices."""
        first = len(self.phone_kind)
        self.phone_kind.extend([kind] * count)
        self.phone_priority.extend([priority] * count)
        return list(range(first, first + count))

    def add_phone(self, kind: str, priority: int) -> int:
        """Register one phone; return its index."""
        return self.add_phones(1, kind, priority)[0]

    def add_handsets(self, models: list[int]) -> list[int]:
        """Register handsets of the given models; return their indices."""
        first = len(self.handset_model)
        self.handset_model.extend(models)
        return list(range(first, first + len(models)))

    def add_handset(self, rng: np.random.Generator, *, burner: bool) -> int:
        """Register one handset, a burner model when ``burner``; return its index."""
        if burner:
            model = int(BURNER_MODELS[int(rng.integers(len(BURNER_MODELS)))])
        else:
            model = int(rng.integers(len(BURNER_MODELS), HANDSET_MODELS))
        return self.add_handsets([model])[0]

    def person_models(self, rng: np.random.Generator, count: int) -> list[int]:
        """Handset models for ordinary people: Zipf-like popularity, few burners."""
        weights = 1.0 / np.arange(1, HANDSET_MODELS + 1) ** 0.8
        weights[list(BURNER_MODELS)] *= 0.05
        return [int(m) for m in rng.choice(HANDSET_MODELS, size=count, p=weights / weights.sum())]

    def numbers(self, rng: np.random.Generator) -> tuple[list[str], list[str | None]]:
        """Allocate numbers and IMSIs; return both by phone index.

        Mobiles draw from the scheme in a random order, not by role: in a world with more
        than the 1,000 drama mobiles, which phones got a drama number says nothing about
        who uses them, so no detector can learn the number range instead of behaviour.
        """
        allocator = NumberAllocator(rng)
        numbers = [""] * len(self.phone_kind)
        order = sorted(range(len(self.phone_kind)), key=lambda i: (self.phone_priority[i], i))
        mobiles = [i for i in order if self.phone_kind[i] == MOBILE]
        mobiles = [mobiles[j] for j in rng.permutation(len(mobiles))]
        landlines = [i for i in order if self.phone_kind[i] == LANDLINE]
        for i, number in zip(mobiles, allocator.mobiles(len(mobiles)), strict=True):
            numbers[i] = number
        for i, number in zip(landlines, allocator.landlines(len(landlines)), strict=True):
            numbers[i] = number
        sims = iter(imsis(0, len(mobiles), int(rng.integers(10**10))))
        imsi_by_phone: list[str | None] = [
            next(sims) if kind == MOBILE else None for kind in self.phone_kind
        ]
        return numbers, imsi_by_phone

    def imeis(self, rng: np.random.Generator) -> list[str]:
        """Allocate an IMEI for every registered handset."""
        allocator = ImeiAllocator.create(rng, HANDSET_MODELS)
        return [allocator.allocate(model) for model in self.handset_model]


@dataclass(frozen=True)
class DayContext:
    """What a generator of deal-line or bulk-sender traffic needs for one day.

    ``rng`` is the classic stream of the day; ``extra`` the behaviour profile's, used only
    for what a non-classic profile adds (so that classic worlds stay as they were).
    """

    cal: Calendar
    day: int
    rng: np.random.Generator
    extra: np.random.Generator

    @property
    def weekend(self) -> bool:
        """Whether the day is a Saturday or Sunday."""
        return self.cal.weekend(self.day)

    @property
    def weekday(self) -> int:
        """Day of the week, Monday = 0."""
        return int(self.cal.weekday[self.day])

    def lognormal_s(self, median: float, sigma: float, count: int, cap: float) -> Ints:
        """Durations or delays in whole seconds, lognormal around ``median``, 1..cap."""
        values = self.rng.lognormal(np.log(median), sigma, size=count)
        return np.clip(values, 1, cap).astype(np.int64)

    def extra_lognormal_s(self, median: float, sigma: float, count: int, cap: float) -> Ints:
        """As ``lognormal_s``, from the profile's stream."""
        values = self.extra.lognormal(np.log(median), sigma, size=count)
        return np.clip(values, 1, cap).astype(np.int64)


POOL: Final = 4
"""Daytime cells each non-person phone moves between on a day."""


class Whereabouts:
    """Where every phone is on one day, and which handset carries it.

    People (phones ``0..people-1``) follow the population's home/work/out model. Every other
    phone gets, per day, a pool of daytime cells, a cell for the early hours (the night
    before) and one for the night; landlines keep ``-1`` (no handset, no cell).
    """

    def __init__(self, pop: Population, cells: CellPlan, phones: int, day: int) -> None:
        """Start a day with every non-person phone unknown."""
        self.pop = pop
        self.cells = cells
        self.day = day
        self.first = pop.size
        others = phones - pop.size
        self.imei = np.concatenate(
            [
                person_imeis(pop, np.arange(pop.size, dtype=np.int64), day),
                np.full(others, -1, dtype=np.int64),
            ]
        )
        self.pool = np.full((others, POOL), -1, dtype=np.int64)
        self.early = np.full(others, -1, dtype=np.int64)
        self.night = np.full(others, -1, dtype=np.int64)

    def place(self, phone: int, handset: int, pool: Ints, early: int, night: int) -> None:
        """Set a non-person phone's handset and cells for the day."""
        row = phone - self.first
        self.imei[phone] = handset
        self.pool[row] = np.resize(pool, POOL)
        self.early[row] = early
        self.night[row] = night

    def copy(self, phone: int, handset: int, like: int) -> None:
        """Put ``phone`` (on ``handset``) wherever phone ``like`` is today."""
        row, src = phone - self.first, like - self.first
        self.imei[phone] = handset
        self.pool[row] = self.pool[src]
        self.early[row] = self.early[src]
        self.night[row] = self.night[src]

    def resolve(
        self, phones: Ints, sec: Ints, weekend: bool, rng: np.random.Generator
    ) -> tuple[Ints, Ints]:
        """Handsets and cells of phones at local seconds ``sec`` of the day."""
        cell = np.empty(len(phones), dtype=np.int64)
        person = phones < self.first
        cell[person] = person_cells(self.pop, self.cells, phones[person], sec[person], weekend, rng)
        rows = phones[~person] - self.first
        at = sec[~person]
        daytime = self.pool[rows, rng.integers(POOL, size=len(rows))]
        cell[~person] = np.where(
            at < NIGHT_ENDS,
            self.early[rows],
            np.where(at >= NIGHT_STARTS, self.night[rows], daytime),
        )
        return self.imei[phones], cell


NIGHT_STARTS: Final = 22 * 3600
NIGHT_ENDS: Final = 7 * 3600


def resolve(
    raw: RawEvents, where: Whereabouts, cal: Calendar, rng: np.random.Generator
) -> EventBatch:
    """Attach handsets and cells to raw events of ``where.day`` and convert times to UTC."""
    weekend = cal.weekend(where.day)
    a_imei, a_cell = where.resolve(raw.a, raw.sec, weekend, rng)
    b_imei, b_cell = where.resolve(raw.b, raw.sec, weekend, rng)
    call = raw.kind == CALL
    return EventBatch(
        t=cal.midnight_utc[where.day] + raw.sec,
        kind=raw.kind,
        a=raw.a,
        b=raw.b,
        dur=raw.dur,
        a_imei=a_imei,
        b_imei=b_imei,
        a_cell=a_cell,
        b_cell=b_cell,
        a_cell_last=np.where(call, a_cell, UNKNOWN),
        b_cell_last=np.where(call, b_cell, UNKNOWN),
        answered=raw.answered,
    )
