"""What a drawn behaviour profile adds to a world's plan: per-line habits, the details of
each change of a line's number, stragglers ringing a dead number, and the number changes of
people who are not lines (controllers and runners rotating burners, ordinary people changing
number).

Everything here draws from the plan's own behaviour stream (``STREAM_BEHAVIOUR_PLAN``), never
from the classic plan stream, and nothing here runs for the classic profile: a classic world
is the world simulated before profiles existed. See ``profile.py`` for each parameter's range
and source, and docs/synthetic-world.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from fortress.simulate.clock import DAY_S, HOUR_S
from fortress.simulate.context import MOBILE, PRIORITY_PERSON, Registry
from fortress.simulate.events import UNKNOWN, Bools, EventBatch, Ints
from fortress.simulate.profile import BehaviourProfile

EXPORTED: Final = "exported"
INTERNAL: Final = "internal"
ORDERS_TEXT: Final = "text"
ORDERS_CALL: Final = "call"
ORDERS_MIXED: Final = "mixed"
CALL_SHARE: Final = {ORDERS_TEXT: 0.1, ORDERS_MIXED: 0.5, ORDERS_CALL: 0.9}
"""Share of a line's orders that are calls, by how the line takes orders."""
SMALL_BASE: Final = (0.15, 0.4)
"""A small line's base is this share of the usual size (uniform)."""
SLOW_GAP_SPREAD: Final = 0.5
"""Sigma (log scale) of a slow line's median gap around the profile's."""
ATTEMPTS_PER_DAY: Final = 0.8
"""Mean extra attempts a straggler makes on the old number per day of its window (one more,
at least, on the last day)."""
MIN_SWITCH_GAP_DAYS: Final = 3


@dataclass(frozen=True)
class Habits:
    """How one line behaves; the defaults are every classic line's."""

    kind: str = EXPORTED
    orders_by: str = ORDERS_MIXED
    slow_gap_s: float = 0.0
    """Median gap between consecutive marketing texts; 0: a burst within minutes."""
    wave_factor: float = 1.0
    coverage_low: float = 0.75
    base_scale: float = 1.0

    @property
    def call_share(self) -> float:
        """Share of orders that are calls."""
        return CALL_SHARE[self.orders_by]


CLASSIC_HABITS: Final = Habits()


def draw_habits(extra: np.random.Generator, profile: BehaviourProfile, index: int) -> Habits:
    """A line's habits from the profile (the first line always exports)."""
    u = extra.random(6)
    kind = INTERNAL if index > 0 and u[0] < profile.internal_share else EXPORTED
    if u[1] < profile.call_order_share:
        orders_by = ORDERS_CALL
    elif u[1] < profile.call_order_share + profile.text_order_share:
        orders_by = ORDERS_TEXT
    else:
        orders_by = ORDERS_MIXED
    slow = u[2] < profile.slow_sending_share
    spread = float(np.exp(extra.normal(0.0, SLOW_GAP_SPREAD)))
    small = u[3] < profile.small_line_share
    low, high = SMALL_BASE
    return Habits(
        kind=kind,
        orders_by=orders_by,
        slow_gap_s=profile.slow_gap_median_s * spread if slow else 0.0,
        wave_factor=profile.wave_fire_low + (1.0 - profile.wave_fire_low) * float(u[4]),
        coverage_low=profile.wave_coverage_low,
        base_scale=low + (high - low) * float(u[5]) if small else 1.0,
    )


@dataclass(frozen=True)
class SwitchPlan:
    """How one change of a line's number happens."""

    same_handset: bool
    overlap_days: int
    """Days from the successor's first text to the base to the old number falling silent."""
    unanswered_days: int
    """Days (at most) stragglers keep ringing the old number after it falls silent."""

    @property
    def silent_after_s(self) -> int:
        """Seconds from the announcement to the old number's silence."""
        return self.overlap_days * DAY_S


CLASSIC_SWITCH: Final = SwitchPlan(same_handset=False, overlap_days=1, unanswered_days=0)
"""Every classic switch: a new handset, the old number silent a day after, no stragglers."""


def switch_gap_days(profile: BehaviourProfile) -> int:
    """Minimum days between two changes of one line's number, so that the old number's
    overlap and its stragglers are over before the next change."""
    if profile.is_classic:
        return MIN_SWITCH_GAP_DAYS
    return max(MIN_SWITCH_GAP_DAYS, profile.overlap_days_max + profile.unanswered_days_max + 2)


def draw_switches(
    extra: np.random.Generator | None, profile: BehaviourProfile, count: int
) -> list[SwitchPlan]:
    """The plan of each of ``count`` switches (a SIM swap into the same handset has no
    overlap: a single-SIM phone cannot carry both numbers). Classic: ``CLASSIC_SWITCH``."""
    if extra is None or profile.is_classic:
        return [CLASSIC_SWITCH] * count
    plans: list[SwitchPlan] = []
    for _ in range(count):
        same = bool(extra.random() < profile.same_handset_share)
        overlap = int(extra.integers(0, profile.overlap_days_max + 1))
        unanswered = (
            int(extra.integers(1, profile.unanswered_days_max + 1))
            if profile.unanswered_days_max > 0
            else 0
        )
        plans.append(SwitchPlan(same, 0 if same else overlap, unanswered))
    return plans


@dataclass(frozen=True)
class Attempts:
    """Stragglers' calls and texts to dead numbers: world seconds, caller (person), the dead
    number (phone), and whether each is a text."""

    ws: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    person: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    phone: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    is_text: Bools = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))

    def __len__(self) -> int:
        """Number of attempts."""
        return len(self.ws)

    @staticmethod
    def concat(parts: list[Attempts]) -> Attempts:
        """All attempts, in time order."""
        if not parts:
            return Attempts()
        ws = np.concatenate([p.ws for p in parts]).astype(np.int64)
        order = np.argsort(ws, kind="stable")
        return Attempts(
            ws=ws[order],
            person=np.concatenate([p.person for p in parts]).astype(np.int64)[order],
            phone=np.concatenate([p.phone for p in parts]).astype(np.int64)[order],
            is_text=np.concatenate([p.is_text for p in parts]).astype(np.bool_)[order],
        )


@dataclass(frozen=True)
class Stragglers:
    """Who missed each "new number" text (rows: switches; columns: the line's customers),
    and their attempts on the dead numbers."""

    missed: npt.NDArray[np.bool_]
    attempts: Attempts


def draw_stragglers(
    extra: np.random.Generator,
    profile: BehaviourProfile,
    spec: StragglerSpec,
    migrate: npt.NDArray[np.int64],
) -> Stragglers:
    """Pick the stragglers of each switch, move their migration to the day after their
    window (``migrate`` is changed in place) and plan their attempts on the old number.

    A straggler is a customer on the base at the switch who missed the "new number" text
    (every walk-in buyer, who is not on the texting list, plus ``straggler_share`` of the
    rest). Each keeps trying the old number for 1..``unanswered_days`` days after it falls
    silent (one straggler for the whole period), a call or text on most days and at least
    one on the last, calls redialled 0-2 times; from the next day it has the new number.
    """
    count = len(spec.join)
    missed = np.zeros((len(spec.announce_ws), count), dtype=np.bool_)
    parts: list[Attempts] = []
    for k, (announce, plan) in enumerate(zip(spec.announce_ws, spec.plans, strict=True)):
        if plan.unanswered_days == 0 or count == 0:
            continue
        silent_day = (announce + plan.silent_after_s) // DAY_S
        eligible = spec.join <= announce // DAY_S
        chosen = eligible & (spec.walk_in | (extra.random(count) < profile.straggler_share))
        if not chosen.any() and eligible.any():
            chosen[int(extra.choice(np.flatnonzero(eligible)))] = True
        rows = np.flatnonzero(chosen)
        if len(rows) == 0:
            continue
        longest = max(0, min(plan.unanswered_days, spec.days - 1 - silent_day))
        window = np.minimum(extra.integers(1, plan.unanswered_days + 1, size=len(rows)), longest)
        window[int(extra.integers(len(rows)))] = longest
        migrate[k, rows] = (silent_day + window + 1) * DAY_S  # the new number from then on
        missed[k, rows] = True
        parts.append(_attempts(extra, profile, rows, window, silent_day, spec, k))
    return Stragglers(missed, Attempts.concat(parts))


@dataclass(frozen=True)
class StragglerSpec:
    """What ``draw_stragglers`` needs of a line."""

    days: int
    announce_ws: list[int]
    plans: list[SwitchPlan]
    old_phones: list[int]
    customers: Ints
    join: Ints
    walk_in: Bools


def _attempts(
    extra: np.random.Generator,
    profile: BehaviourProfile,
    rows: Ints,
    window: Ints,
    silent_day: int,
    spec: StragglerSpec,
    k: int,
) -> Attempts:
    """Calls (with redials) and texts of stragglers ``rows`` on each day of their window."""
    if int(window.sum()) == 0:
        return Attempts()  # the world ends on the day the old number falls silent
    who = np.repeat(rows, window)
    starts = np.concatenate([[0], np.cumsum(window)[:-1]]).astype(np.int64)
    offset = np.arange(len(who)) - np.repeat(starts, window)
    last = offset == np.repeat(window, window) - 1
    tries = extra.poisson(ATTEMPTS_PER_DAY, size=len(who))
    tries[last] += 1
    day = np.repeat(silent_day + 1 + offset, tries)
    who = np.repeat(who, tries)
    sec = extra.integers(9 * HOUR_S, 23 * HOUR_S, size=len(who))
    is_text = extra.random(len(who)) < profile.straggler_text_share
    redials = np.where(is_text, 0, extra.integers(0, 3, size=len(who)))
    first = np.repeat(np.arange(len(who)), redials + 1)
    step = np.arange(len(first)) - np.repeat(
        np.concatenate([[0], np.cumsum(redials + 1)[:-1]]), redials + 1
    )
    gap = extra.integers(60, 600, size=len(first))
    ws = day[first] * DAY_S + sec[first] + np.where(step > 0, gap * step, 0)
    return Attempts(
        ws=ws.astype(np.int64),
        person=spec.customers[who[first]].astype(np.int64),
        phone=np.full(len(first), spec.old_phones[k], dtype=np.int64),
        is_text=is_text[first],
    )


# --- number changes of people who are not lines ------------------------------------


@dataclass(frozen=True)
class Rotation:
    """A new number (and maybe a new handset) from the start of ``day``."""

    day: int
    phone: int
    handset: int
    same_handset: bool


def rotation_days(extra: np.random.Generator, per_month: float, days: int) -> list[int]:
    """Days on which an actor changes number: Poisson with mean ``per_month`` per 30 days,
    at least 3 days apart, never on the first day."""
    if per_month <= 0 or days < 4:
        return []
    count = int(extra.poisson(days * per_month / 30))
    picked: list[int] = []
    for day in extra.permutation(np.arange(1, days)):
        if len(picked) >= count:
            break
        if all(abs(int(day) - p) >= 3 for p in picked):
            picked.append(int(day))
    return sorted(picked)


def plan_person_switches(
    extra: np.random.Generator,
    profile: BehaviourProfile,
    registry: Registry,
    people: int,
    days: int,
    keep: Ints,
) -> PersonSwitches:
    """Ordinary people changing number during the world (never those in ``keep``): each
    with chance ``person_switches_per_year`` x days / 365, on a day after the first; a new
    SIM in the same handset with ``person_same_handset_share``, else a new handset too."""
    if profile.person_switches_per_year <= 0 or days < 2:
        return PersonSwitches()
    chance = min(1.0, profile.person_switches_per_year * days / 365)
    switching = extra.random(people) < chance
    switching[keep] = False
    person = np.flatnonzero(switching).astype(np.int64)
    day = extra.integers(1, days, size=len(person)).astype(np.int64)
    same = extra.random(len(person)) < profile.person_same_handset_share
    phones = registry.add_phones(len(person), MOBILE, PRIORITY_PERSON)
    handset = np.full(len(person), UNKNOWN, dtype=np.int64)
    fresh = registry.add_handsets(registry.person_models(extra, int((~same).sum())))
    handset[~same] = np.array(fresh, dtype=np.int64)
    return PersonSwitches(person, day, np.array(phones, dtype=np.int64), handset)


@dataclass(frozen=True)
class PersonSwitches:
    """Ordinary people who change number: from ``day`` on, person ``person`` uses phone
    ``phone`` (and handset ``handset``, or ``UNKNOWN`` to keep theirs).

    Events are generated by person and renumbered afterwards (``apply``), so the new number
    reaches exactly the person's contacts, lines and bulk senders.
    """

    person: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    day: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    phone: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    handset: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        """Number of switches."""
        return len(self.person)

    def new_phone(self, person: int) -> int | None:
        """The phone ``person`` switched to, if any."""
        hits = np.flatnonzero(self.person == person)
        return int(self.phone[hits[0]]) if len(hits) else None

    def apply(self, batch: EventBatch, people: int, day: int) -> EventBatch:
        """Renumber the parties of ``batch`` (events of ``day``) who switched by ``day``."""
        done = self.day <= day
        if not done.any() or len(batch) == 0:
            return batch
        phone_map = np.arange(people, dtype=np.int64)
        phone_map[self.person[done]] = self.phone[done]
        handset_map = np.full(people, UNKNOWN, dtype=np.int64)
        handset_map[self.person[done]] = self.handset[done]
        a, a_imei = _renumber(batch.a, batch.a_imei, phone_map, handset_map, people)
        b, b_imei = _renumber(batch.b, batch.b_imei, phone_map, handset_map, people)
        return EventBatch(
            t=batch.t,
            kind=batch.kind,
            a=a,
            b=b,
            dur=batch.dur,
            a_imei=a_imei,
            b_imei=b_imei,
            a_cell=batch.a_cell,
            b_cell=batch.b_cell,
            a_cell_last=batch.a_cell_last,
            b_cell_last=batch.b_cell_last,
            answered=batch.answered,
        )


def _renumber(
    phone: Ints, imei: Ints, phone_map: Ints, handset_map: Ints, people: int
) -> tuple[Ints, Ints]:
    person = phone < people
    safe = np.where(person, phone, 0)
    handset = np.where(person, handset_map[safe], UNKNOWN)
    return (
        np.where(person, phone_map[safe], phone),
        np.where(handset != UNKNOWN, handset, imei),
    )
