"""Legitimate bulk senders: the numbers a careless deal-line detector would flag.

GP surgeries and pharmacies send reminder texts in batches in office hours and get few
replies; takeaways send promotions and take evening order calls, and their drivers ring
customers; schools text parents on term-time weekdays; taxi firms take calls around the clock
and text "your car is outside"; community groups text their members weekly.

Drawn behaviour profiles add two look-alikes that text many people every day, as a deal
line does: community organisers (clubs, faith groups, parents' groups) who text the whole
group daily from a mobile and answer replies, their members knowing and contacting each
other; and daily newsletters or alerts, some sent early in the morning or late at night,
with few replies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from fortress.simulate.clock import hour_weights, sample_seconds, window_seconds
from fortress.simulate.context import (
    LANDLINE,
    MOBILE,
    POOL,
    PRIORITY_BULK,
    DayContext,
    Registry,
    Whereabouts,
)
from fortress.simulate.events import ANSWER, CALL, SMS, UNKNOWN, BatchBuilder, Floats, Ints
from fortress.simulate.places import CellPlan, random_cells
from fortress.simulate.population import Population
from fortress.simulate.profile import BehaviourProfile

GP: Final = "gp"
PHARMACY: Final = "pharmacy"
TAKEAWAY: Final = "takeaway"
DRIVER: Final = "takeaway_driver"
SCHOOL: Final = "school"
TAXI: Final = "taxi"
COMMUNITY: Final = "community_group"
ORGANISER: Final = "community_organiser"
NEWSLETTER: Final = "newsletter"

BULK_KINDS: Final = (GP, PHARMACY, TAKEAWAY, SCHOOL, TAXI, COMMUNITY)
"""Kinds of sender planned per town (drivers come with their takeaway)."""
LOOKALIKE_KINDS: Final = (ORGANISER, NEWSLETTER)
"""Kinds a drawn profile adds (``plan_lookalikes``), a Poisson number per town."""

# people per sender, share of the town that are its clients, display name
_PLAN: Final[dict[str, tuple[int, float, str]]] = {
    GP: (500, 0.5, "Medical Centre"),
    PHARMACY: (600, 0.2, "Pharmacy"),
    TAKEAWAY: (300, 0.3, "Takeaway"),
    SCHOOL: (500, 0.2, "Academy"),
    TAXI: (800, 0.25, "Taxis"),
    COMMUNITY: (500, 0.08, "Community Group"),
}
_TAXI_CDF: Final = hour_weights(
    (3, 3, 2.5, 1.5, 1, 1, 1.5, 3, 3.5, 2.5, 2, 2, 2, 2, 2, 2.5, 3, 3.5, 3.5, 3.5, 3.5, 3.5, 4, 4)
)


@dataclass(frozen=True)
class BulkSender:
    """A legitimate bulk sender: a business landline or an organiser's or driver's mobile."""

    kind: str
    name: str
    area: int
    phone: int
    handset: int
    haunts: Ints
    clients: Ints
    drivers: tuple[BulkSender, ...] = ()
    weekly_day: int = 0
    send_sec: int = 0
    """Organisers and newsletters: the local second of the day they usually send at."""
    chat_rate: float = 0.0
    """Organisers: conversations each member starts with other members per day."""

    @property
    def mobile(self) -> bool:
        """Whether the sender uses a mobile (with handset and cell)."""
        return self.handset != UNKNOWN


def plan_senders(
    rng: np.random.Generator,
    pop: Population,
    cells: CellPlan,
    registry: Registry,
    multiplier: int = 1,
) -> list[BulkSender]:
    """Plan the bulk senders of every town (area 1 onwards), ``multiplier`` times the
    usual number of each kind."""
    senders: list[BulkSender] = []
    for area in range(1, len(cells.places)):
        people = pop.in_area(area)
        for kind in BULK_KINDS:
            per, share, label = _PLAN[kind]
            count = int(np.clip(round(len(people) / per), 1, 6)) * multiplier
            size = int(min(len(people), max(3, round(share * len(people) / count))))
            for serial in range(1, count + 1):
                name = f"{cells.places[area].name} {label} {serial}"
                clients = np.sort(rng.choice(people, size=size, replace=False))
                senders.append(_sender(rng, cells, registry, kind, name, area, clients))
    return senders


def plan_lookalikes(
    extra: np.random.Generator,
    pop: Population,
    cells: CellPlan,
    registry: Registry,
    profile: BehaviourProfile,
    first_town: int,
) -> list[BulkSender]:
    """Community organisers and newsletters of every town: a Poisson number of each per
    town (means from the profile; at least one organiser in ``first_town``, where the first
    line sells). An organiser's group is about 3% of the town's residents (lognormal, 4 to
    150 members, at most a quarter of the town), a newsletter's list about 5% (5 to 400
    subscribers, at most a third), so that look-alikes carry a few per cent of a world's
    events, as the classic bulk senders do."""
    senders: list[BulkSender] = []
    for area in range(1, len(cells.places)):
        people = pop.in_area(area)
        town = cells.places[area].name
        organisers = int(extra.poisson(profile.organisers_per_town))
        if area == first_town:
            organisers = max(organisers, 1)
        for serial in range(1, organisers + 1):
            clients = _drawn_list(extra, people, 0.03, 0.4, 4, min(150, len(people) // 4))
            senders.append(
                _lookalike(
                    extra, cells, registry, ORGANISER, f"{town} Group Organiser {serial}", area,
                    clients, int(extra.integers(7 * 3600, 21 * 3600)), profile.member_chat_rate,
                )
            )  # fmt: skip
        for serial in range(1, int(extra.poisson(profile.newsletters_per_town)) + 1):
            clients = _drawn_list(extra, people, 0.05, 0.5, 5, min(400, len(people) // 3))
            senders.append(
                _lookalike(
                    extra, cells, registry, NEWSLETTER, f"{town} Daily Alerts {serial}", area,
                    clients, _newsletter_second(extra), 0.0,
                )
            )  # fmt: skip
    return senders


def _drawn_list(
    extra: np.random.Generator, people: Ints, share: float, sigma: float, least: int, most: int
) -> Ints:
    """A list of the town's ``people``: a lognormal share of them (median ``share``),
    ``least`` to ``most`` members."""
    drawn = extra.lognormal(np.log(share), sigma)
    size = int(np.clip(round(len(people) * drawn), least, most))
    size = max(2, min(size, len(people)))
    return np.sort(extra.choice(people, size=size, replace=False)).astype(np.int64)


def _newsletter_second(extra: np.random.Generator) -> int:
    """When a newsletter goes out: early (05-07h) 30%, late (22-23:45h) 20%, else by day."""
    u = extra.random()
    if u < 0.3:
        return int(extra.integers(5 * 3600, 7 * 3600))
    if u < 0.5:
        return int(extra.integers(22 * 3600, 23 * 3600 + 2700))
    return int(extra.integers(7 * 3600, 22 * 3600))


def _lookalike(
    extra: np.random.Generator,
    cells: CellPlan,
    registry: Registry,
    kind: str,
    name: str,
    area: int,
    clients: Ints,
    send_sec: int,
    chat_rate: float,
) -> BulkSender:
    """An organiser (a mobile that moves about town by day) or a newsletter (a mobile in a
    fixed place: an office phone or a SIM box)."""
    phone = registry.add_phone(MOBILE, PRIORITY_BULK)
    handset = registry.add_handset(extra, burner=False)
    haunts = random_cells(cells, np.full(POOL, area, dtype=np.int64), extra)
    if kind == NEWSLETTER:
        haunts[:] = haunts[0]
    return BulkSender(
        kind, name, area, phone, handset, haunts, clients, send_sec=send_sec, chat_rate=chat_rate
    )


def _sender(
    rng: np.random.Generator,
    cells: CellPlan,
    registry: Registry,
    kind: str,
    name: str,
    area: int,
    clients: Ints,
) -> BulkSender:
    if kind == COMMUNITY:
        return _mobile_sender(rng, cells, registry, kind, name, area, clients)
    drivers: tuple[BulkSender, ...] = ()
    if kind == TAKEAWAY:
        drivers = tuple(
            _mobile_sender(rng, cells, registry, DRIVER, f"{name} driver {d}", area, clients[:0])
            for d in range(1, int(rng.integers(1, 4)) + 1)
        )
    phone = registry.add_phone(LANDLINE, PRIORITY_BULK)
    nowhere = np.full(POOL, UNKNOWN, dtype=np.int64)
    return BulkSender(kind, name, area, phone, UNKNOWN, nowhere, clients, drivers)


def _mobile_sender(
    rng: np.random.Generator,
    cells: CellPlan,
    registry: Registry,
    kind: str,
    name: str,
    area: int,
    clients: Ints,
) -> BulkSender:
    phone = registry.add_phone(MOBILE, PRIORITY_BULK)
    handset = registry.add_handset(rng, burner=False)
    haunts = random_cells(cells, np.full(POOL, area, dtype=np.int64), rng)
    if kind != DRIVER:
        haunts[:] = haunts[0]  # an organiser texts from home
    weekly = int(rng.integers(7))
    return BulkSender(kind, name, area, phone, handset, haunts, clients, weekly_day=weekly)


def place_day(senders: list[BulkSender], where: Whereabouts) -> None:
    """Put the mobile senders (organisers, drivers) on the map for the day."""
    for sender in senders:
        for mobile in (sender, *sender.drivers):
            if mobile.mobile:
                home = int(mobile.haunts[0])
                where.place(mobile.phone, mobile.handset, mobile.haunts, home, home)


@dataclass(frozen=True)
class SenderGroup:
    """All senders of one kind, flattened so that a day is generated for all at once.

    ``client``/``owner`` list every (sender, client) pair; ``start``/``size`` delimit each
    sender's clients; ``drivers``/``driver_start``/``driver_count`` do the same for drivers.
    """

    kind: str
    phone: Ints
    weekly_day: Ints
    send_sec: Ints
    chat_rate: Floats
    client: Ints
    owner: Ints
    start: Ints
    size: Ints
    drivers: Ints
    driver_start: Ints
    driver_count: Ints

    @property
    def count(self) -> int:
        """Number of senders."""
        return len(self.phone)


def group_senders(senders: list[BulkSender]) -> tuple[SenderGroup, ...]:
    """Flatten the senders of each kind into a ``SenderGroup``."""
    groups: list[SenderGroup] = []
    for kind in (*BULK_KINDS, *LOOKALIKE_KINDS):
        members = [s for s in senders if s.kind == kind]
        if members:
            groups.append(_group(kind, members))
    return tuple(groups)


def _group(kind: str, members: list[BulkSender]) -> SenderGroup:
    sizes = np.array([len(m.clients) for m in members], dtype=np.int64)
    driver_counts = np.array([len(m.drivers) for m in members], dtype=np.int64)
    drivers = [d.phone for m in members for d in m.drivers]
    return SenderGroup(
        kind=kind,
        phone=np.array([m.phone for m in members], dtype=np.int64),
        weekly_day=np.array([m.weekly_day for m in members], dtype=np.int64),
        send_sec=np.array([m.send_sec for m in members], dtype=np.int64),
        chat_rate=np.array([m.chat_rate for m in members], dtype=np.float64),
        client=np.concatenate([m.clients for m in members]).astype(np.int64),
        owner=np.repeat(np.arange(len(members), dtype=np.int64), sizes),
        start=_starts(sizes),
        size=sizes,
        drivers=np.array(drivers, dtype=np.int64),
        driver_start=_starts(driver_counts),
        driver_count=driver_counts,
    )


def _starts(sizes: Ints) -> Ints:
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


def generate_day(groups: tuple[SenderGroup, ...], ctx: DayContext) -> BatchBuilder:
    """All bulk-sender traffic of one day."""
    out = BatchBuilder()
    for group in groups:
        _BEHAVIOURS[group.kind](group, ctx, out)
    return out


# --- building blocks -------------------------------------------------------------------


def _pick(g: SenderGroup, ctx: DayContext, p: Floats | float) -> tuple[Ints, Ints]:
    """Each sender's clients, each kept with probability ``p`` (per sender or global)."""
    chance = p[g.owner] if isinstance(p, np.ndarray) else p
    keep = ctx.rng.random(len(g.client)) < chance
    return g.owner[keep], g.client[keep]


def _draw(g: SenderGroup, ctx: DayContext, rate: float) -> tuple[Ints, Ints]:
    """A Poisson number (``rate`` x clients) of clients per sender, drawn with replacement."""
    counts = ctx.rng.poisson(rate * g.size)
    owner = np.repeat(np.arange(g.count, dtype=np.int64), counts)
    offset = (ctx.rng.random(len(owner)) * g.size[owner]).astype(np.int64)
    return owner, g.client[g.start[owner] + offset]


def _windows(
    ctx: DayContext,
    count: int,
    first: tuple[float, float],
    second: tuple[float, float],
    p_first: float,
) -> Ints:
    """Per sender, a start second in the first window (probability ``p_first``) or the second."""
    one = window_seconds(ctx.rng, count, *first)
    two = window_seconds(ctx.rng, count, *second)
    return np.where(ctx.rng.random(count) < p_first, one, two)


def _blast(
    g: SenderGroup,
    ctx: DayContext,
    out: BatchBuilder,
    owner: Ints,
    to: Ints,
    start: Ints,
    spread: Ints,
) -> Ints:
    """Bulk texts: each sender messages its recipients within ``spread`` seconds of ``start``."""
    sec = start[owner] + (ctx.rng.random(len(owner)) * spread[owner]).astype(np.int64)
    out.add(sec=sec, kind=SMS, a=g.phone[owner], b=to)
    return sec


def _replies(
    g: SenderGroup,
    ctx: DayContext,
    out: BatchBuilder,
    owner: Ints,
    to: Ints,
    sec: Ints,
    p: float,
    median_s: float,
) -> None:
    keep = ctx.rng.random(len(to)) < p
    delay = ctx.lognormal_s(median_s, 1.0, int(keep.sum()), 6 * 3600)
    out.add(sec=sec[keep] + delay, kind=SMS, a=to[keep], b=g.phone[owner[keep]])


def _calls(
    ctx: DayContext,
    out: BatchBuilder,
    phone: Ints,
    people: Ints,
    sec: Ints,
    *,
    inbound: bool,
    p_answer: float,
    median_s: float,
) -> Ints:
    """Calls between senders' phones and people; returns which were answered (0/1)."""
    n = len(people)
    answered = (ctx.rng.random(n) < p_answer).astype(np.int64)
    dur = np.where(answered == ANSWER, ctx.lognormal_s(median_s, 0.7, n, 3600), 0)
    a, b = (people, phone) if inbound else (phone, people)
    out.add(sec=sec, kind=CALL, a=a, b=b, dur=dur, answered=answered)
    return answered


# --- behaviours ------------------------------------------------------------------------


def _gp(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """Weekday reminder batches (sometimes a campaign to half the list), the 8am rush."""
    if ctx.weekday >= 5:
        return
    rng, n = ctx.rng, g.count
    owner, to = _pick(g, ctx, np.where(rng.random(n) < 0.1, 0.5, 0.04))
    start = _windows(ctx, n, (9, 10), (14, 15), 0.6)
    sec = _blast(g, ctx, out, owner, to, start, rng.integers(120, 900, size=n))
    _replies(g, ctx, out, owner, to, sec, 0.04, 1200)
    owner, callers = _pick(g, ctx, 0.012)
    sec = _windows(ctx, len(callers), (8, 8.7), (8.7, 17), 0.6)
    answered = _calls(
        ctx, out, g.phone[owner], callers, sec, inbound=True, p_answer=0.55, median_s=150
    )
    back = (answered == ANSWER) & (rng.random(len(callers)) < 0.2)
    later = window_seconds(rng, int(back.sum()), 11, 17)
    _calls(
        ctx,
        out,
        g.phone[owner[back]],
        callers[back],
        later,
        inbound=False,
        p_answer=0.8,
        median_s=240,
    )


def _pharmacy(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """ "Your prescription is ready" texts through the day, Monday to Saturday."""
    if ctx.weekday == 6:
        return
    owner, ready = _pick(g, ctx, 0.025)
    sec = window_seconds(ctx.rng, len(ready), 9, 18)
    out.add(sec=sec, kind=SMS, a=g.phone[owner], b=ready)
    _replies(g, ctx, out, owner, ready, sec, 0.03, 1800)
    owner, callers = _pick(g, ctx, 0.006)
    sec = window_seconds(ctx.rng, len(callers), 9, 18)
    _calls(ctx, out, g.phone[owner], callers, sec, inbound=True, p_answer=0.85, median_s=90)


def _takeaway(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """Thursday/Friday promotions, evening order calls, drivers ringing customers."""
    rng, n = ctx.rng, g.count
    promo = (ctx.weekday in (3, 4)) & (rng.random(n) < 0.6)
    owner, to = _pick(g, ctx, np.where(promo, 0.85, 0.0))
    start = window_seconds(rng, n, 16, 17.5)
    sec = _blast(g, ctx, out, owner, to, start, rng.integers(60, 400, size=n))
    _replies(g, ctx, out, owner, to, sec, 0.01, 600)
    owner, orders = _draw(g, ctx, 0.012 * (1.8 if ctx.weekday in (4, 5) else 1.0))
    sec = window_seconds(rng, len(orders), 17, 22.5)
    _calls(ctx, out, g.phone[owner], orders, sec, inbound=True, p_answer=0.95, median_s=70)
    delivered = (rng.random(len(orders)) < 0.7) & (g.driver_count[owner] > 0)
    owner, orders, sec = owner[delivered], orders[delivered], sec[delivered]
    pick = (rng.random(len(owner)) * g.driver_count[owner]).astype(np.int64)
    driver = g.drivers[g.driver_start[owner] + pick] if len(g.drivers) else owner
    at = sec + window_seconds(rng, len(owner), 25 / 60, 50 / 60)
    ring = rng.random(len(owner)) < 0.7
    _calls(
        ctx, out, driver[ring], orders[ring], at[ring], inbound=False, p_answer=0.85, median_s=15
    )
    out.add(sec=at[~ring], kind=SMS, a=driver[~ring], b=orders[~ring])


def _school(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """Term-time texts to all parents or a year group; absence calls in the morning."""
    if not ctx.cal.school_day[ctx.day]:
        return
    rng, n = ctx.rng, g.count
    share = np.where(rng.random(n) < 0.3, 1.0, 0.3)
    owner, parents = _pick(g, ctx, np.where(rng.random(n) < 0.6, share, 0.0))
    start = _windows(ctx, n, (8, 9), (15, 16.5), 0.5)
    sec = _blast(g, ctx, out, owner, parents, start, rng.integers(60, 300, size=n))
    _replies(g, ctx, out, owner, parents, sec, 0.02, 900)
    owner, absent = _pick(g, ctx, 0.01)
    sec = window_seconds(rng, len(absent), 7.75, 9.25)
    _calls(ctx, out, g.phone[owner], absent, sec, inbound=True, p_answer=0.7, median_s=60)


def _taxi(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """Bookings around the clock (busier at weekends), "car outside" texts and call-backs."""
    rng = ctx.rng
    owner, callers = _draw(g, ctx, 0.01 * (1.6 if ctx.weekend else 1.0))
    sec = sample_seconds(rng, len(callers), _TAXI_CDF)
    phone = g.phone[owner]
    booked = (
        _calls(ctx, out, phone, callers, sec, inbound=True, p_answer=0.9, median_s=40) == ANSWER
    )
    at = sec + window_seconds(rng, len(callers), 5 / 60, 20 / 60)
    text = booked & (rng.random(len(callers)) < 0.6)
    out.add(sec=at[text], kind=SMS, a=phone[text], b=callers[text])
    ring = booked & ~text & (rng.random(len(callers)) < 0.4)
    _calls(ctx, out, phone[ring], callers[ring], at[ring], inbound=False, p_answer=0.8, median_s=12)


def _community(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """A weekly text to every member (sometimes a reminder the day before); many replies."""
    rng, n = ctx.rng, g.count
    today = g.weekly_day == ctx.weekday
    reminder = ((g.weekly_day - 1) % 7 == ctx.weekday) & (rng.random(n) < 0.3)
    owner, members = _pick(g, ctx, np.where(today | reminder, 1.0, 0.0))
    start = window_seconds(rng, n, 18, 20)
    sec = _blast(g, ctx, out, owner, members, start, rng.integers(30, 240, size=n))
    _replies(g, ctx, out, owner, members, sec, 0.2, 1800)


def _organiser(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """A daily text to the whole group around the organiser's usual time, replies (20%)
    that the organiser mostly answers, members ringing the organiser, and members talking
    among themselves."""
    rng, n = ctx.rng, g.count
    owner, members = _pick(g, ctx, 0.97)
    start = g.send_sec + rng.integers(-2700, 2700, size=n)
    sec = _blast(g, ctx, out, owner, members, start, rng.integers(30, 600, size=n))
    keep = rng.random(len(members)) < 0.2
    owner, members = owner[keep], members[keep]
    at = sec[keep] + ctx.lognormal_s(1200, 1.0, int(keep.sum()), 6 * 3600)
    out.add(sec=at, kind=SMS, a=members, b=g.phone[owner])
    back = rng.random(len(at)) < 0.7
    later = at[back] + ctx.lognormal_s(600, 1.0, int(back.sum()), 3 * 3600)
    out.add(sec=later, kind=SMS, a=g.phone[owner[back]], b=members[back])
    owner, callers = _pick(g, ctx, 0.02)
    sec = window_seconds(rng, len(callers), 9, 21)
    _calls(ctx, out, g.phone[owner], callers, sec, inbound=True, p_answer=0.8, median_s=120)
    _member_chat(g, ctx, out)


def _member_chat(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """Members of a group calling (35%) and texting each other (exchanges of mean 2.5)."""
    rng = ctx.rng
    owner = np.repeat(np.arange(g.count, dtype=np.int64), rng.poisson(g.chat_rate * g.size))
    m = len(owner)
    if m == 0:
        return
    i = (rng.random(m) * g.size[owner]).astype(np.int64)
    j = (rng.random(m) * (g.size[owner] - 1)).astype(np.int64)
    j += j >= i
    a, b = g.client[g.start[owner] + i], g.client[g.start[owner] + j]
    t0 = window_seconds(rng, m, 8, 22)
    call = rng.random(m) < 0.35
    _calls(ctx, out, a[call], b[call], t0[call], inbound=False, p_answer=0.8, median_s=150)
    a, b, t0 = a[~call], b[~call], t0[~call]
    if len(a) == 0:
        return
    length = rng.geometric(0.4, size=len(a))
    conv = np.repeat(np.arange(len(a)), length)
    first = np.repeat(_starts(length), length)
    gaps = ctx.lognormal_s(90, 1.0, len(conv), 3600)
    gaps[_starts(length)] = 0
    total = np.cumsum(gaps)
    forward = (np.arange(len(conv)) - first) % 2 == 0
    out.add(
        sec=t0[conv] + total - total[first],
        kind=SMS,
        a=np.where(forward, a[conv], b[conv]),
        b=np.where(forward, b[conv], a[conv]),
    )


def _newsletter(g: SenderGroup, ctx: DayContext, out: BatchBuilder) -> None:
    """A daily broadcast to every subscriber within minutes of the usual time; few replies."""
    rng, n = ctx.rng, g.count
    owner, subscribers = _pick(g, ctx, 0.98)
    start = g.send_sec + rng.integers(-600, 600, size=n)
    sec = _blast(g, ctx, out, owner, subscribers, start, rng.integers(60, 900, size=n))
    _replies(g, ctx, out, owner, subscribers, sec, 0.015, 1800)


_BEHAVIOURS: Final[dict[str, Callable[[SenderGroup, DayContext, BatchBuilder], None]]] = {
    GP: _gp,
    PHARMACY: _pharmacy,
    TAKEAWAY: _takeaway,
    SCHOOL: _school,
    TAXI: _taxi,
    COMMUNITY: _community,
    ORGANISER: _organiser,
    NEWSLETTER: _newsletter,
}


def truth(senders: list[BulkSender], numbers: list[str], area_names: list[str]) -> list[Any]:
    """Ground-truth records of every bulk sender, drivers listed after their takeaway."""
    records: list[Any] = []
    for sender in senders:
        records.append(_record(sender, numbers, area_names, None))
        for driver in sender.drivers:
            records.append(_record(driver, numbers, area_names, numbers[sender.phone]))
    return records


def _record(
    sender: BulkSender, numbers: list[str], area_names: list[str], employer: str | None
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "number": numbers[sender.phone],
        "kind": sender.kind,
        "name": sender.name,
        "area": area_names[sender.area],
        "landline": not sender.mobile,
        "clients": len(sender.clients),
    }
    if employer is not None:
        record["employer_number"] = employer
    return record
