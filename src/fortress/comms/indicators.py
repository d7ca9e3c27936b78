"""Behavioural indicators of one number over its records, as bandicoot defines them.

bandicoot (de Montjoye, Rocher & Pentland 2016, JMLR 17(175)) publishes its indicators'
definitions with hand-computed values for sample users; every indicator here that bandicoot
defines follows its definition exactly (``docs/methods/profiles.md`` lists the few
deliberate differences), and the tests reproduce those values. A record is one call or
message at the number's own end, on the local clock.

Values are computed over the whole period (bandicoot's ``groupby=None``) or per ISO week
and then summarised by their mean and standard deviation across the weeks with records
(``groupby='week'``), for every part of the week and of the day asked for.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import groupby, pairwise
from typing import Final

from fortress.model.profiles import (
    IndicatorDefinition,
    Interaction,
    Measure,
    PartOfDay,
    PartOfWeek,
    Statistic,
)

NIGHT_START: Final = time(19)
NIGHT_END: Final = time(7)
"""Night is 19:00 to 07:00 local time, both ends included (bandicoot's default)."""
WEEKEND: Final = (6, 7)
"""ISO weekdays of the weekend: Saturday and Sunday."""
SLOT_MINUTES: Final = 30
"""Place indicators read one cell per half hour: the most frequent in the slot."""
CONVERSATION_GAP: Final = timedelta(hours=1)
"""A text conversation ends after an hour without texts between the two, or at a call."""
PARETO_SHARE: Final = 0.8
EARTH_RADIUS_KM: Final = 6371.0

BANDICOOT: Final = "bandicoot 0.6 (de Montjoye, Rocher & Pentland 2016, JMLR 17(175))"
STATISTICS: Final[tuple[Statistic, ...]] = (
    "mean", "std", "median", "min", "max", "skewness", "kurtosis",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Record:
    """One call or message at the number's end."""

    at: datetime
    """Local clock time: days, hours, weeks and nights are read from it."""
    utc: datetime
    """The same instant in UTC: time between records is read from it, so that a change of
    the clock does not add or remove an hour."""
    interaction: Interaction
    outgoing: bool
    other: str
    duration_s: int
    cell: str | None


@dataclass(frozen=True, slots=True)
class Stats:
    """A distribution's summary, as bandicoot computes it: population moments."""

    mean: float
    std: float
    median: float
    min: float
    max: float
    skewness: float
    kurtosis: float
    """Not excess kurtosis: m4 / m2^2 (0 where m2 is 0)."""

    @classmethod
    def of(cls, values: Iterable[float]) -> Stats | None:
        """The summary of ``values``, or None when there are none."""
        data = sorted(values)
        n = len(data)
        if n == 0:
            return None
        mean = sum(data) / n
        m2, m3, m4 = (_moment(data, mean, k) for k in (2, 3, 4))
        return cls(
            mean=mean,
            std=m2**0.5,
            median=(data[n // 2] + data[(n - 1) // 2]) / 2,
            min=float(data[0]),
            max=float(data[-1]),
            skewness=m3 / m2**1.5 if m2 else 0.0,
            kurtosis=m4 / m2**2 if m2 else 0.0,
        )

    def get(self, statistic: Statistic) -> float:
        """One statistic by name."""
        value: float = getattr(self, statistic)
        return value


def _moment(data: Sequence[float], mean: float, k: int) -> float:
    if len(data) <= 1:
        return 0.0
    return sum((x - mean) ** k for x in data) / len(data)


Value = float | Stats | None


@dataclass(frozen=True, slots=True)
class Places:
    """What the place indicators need beyond the records: where cells are, and home."""

    locations: dict[str, tuple[float, float]] = field(default_factory=dict)
    home: str | None = None


# --- the indicators over records ----------------------------------------------------------


def active_days(records: Sequence[Record]) -> Value:
    return len({r.at.date() for r in records})


def number_of_contacts(records: Sequence[Record]) -> Value:
    return len({r.other for r in records})


def number_of_contacts_in(records: Sequence[Record]) -> Value:
    return len({r.other for r in records if not r.outgoing})


def number_of_contacts_out(records: Sequence[Record]) -> Value:
    return len({r.other for r in records if r.outgoing})


def number_of_interactions(records: Sequence[Record]) -> Value:
    return len(records)


def number_of_interaction_in(records: Sequence[Record]) -> Value:
    return sum(1 for r in records if not r.outgoing)


def number_of_interaction_out(records: Sequence[Record]) -> Value:
    return sum(1 for r in records if r.outgoing)


def call_duration(records: Sequence[Record]) -> Value:
    return Stats.of(r.duration_s for r in records)


def percent_initiated_interactions(records: Sequence[Record]) -> Value:
    return sum(1 for r in records if r.outgoing) / len(records) if records else 0.0


def is_night(at: datetime) -> bool:
    """Whether a local time is in the night (19:00 to 07:00, both included)."""
    return not (NIGHT_END < at.time() < NIGHT_START)


def percent_nocturnal(records: Sequence[Record]) -> Value:
    return sum(1 for r in records if is_night(r.at)) / len(records) if records else 0.0


def entropy(counts: Iterable[int]) -> float | None:
    """Shannon entropy (natural log) of the shares ``counts`` make, None for none."""
    values = list(counts)
    total = sum(values)
    if not values:
        return None
    return -sum(n / total * math.log(n / total) for n in values)


def entropy_of_contacts(records: Sequence[Record]) -> Value:
    return entropy(Counter(r.other for r in records).values())


def interactions_per_contact(records: Sequence[Record]) -> Value:
    return Stats.of(Counter(r.other for r in records).values())


def interevent_time(records: Sequence[Record]) -> Value:
    return Stats.of((b.utc - a.utc).total_seconds() for a, b in pairwise(records))


def balance_of_contacts(records: Sequence[Record]) -> Value:
    """Each contact's outgoing records as a share of all the number's records."""
    made = Counter(r.other for r in records if r.outgoing)
    contacts = dict.fromkeys(r.other for r in records)
    return Stats.of(made[other] / len(records) for other in contacts)


def _top_for_pareto(weights: dict[str, float]) -> int:
    """How many keys, taken largest first, reach 80% of the total weight (rounded up)."""
    remaining: float = math.ceil(sum(weights.values()) * PARETO_SHARE)
    taken = 0
    for weight in sorted(weights.values(), reverse=True):
        if remaining <= 0:
            break
        remaining -= weight
        taken += 1
    return taken


def _pareto(weights: dict[str, float]) -> float | None:
    """The share of contacts that, taken largest first, reach 80% of the total weight."""
    return _top_for_pareto(weights) / len(weights) if weights else None


def percent_pareto_interactions(records: Sequence[Record]) -> Value:
    return _pareto(dict(Counter(r.other for r in records)))


def percent_pareto_durations(records: Sequence[Record]) -> Value:
    seconds: dict[str, float] = defaultdict(float)
    for r in records:
        seconds[r.other] += r.duration_s
    return _pareto(seconds)


def by_contact(records: Sequence[Record]) -> list[list[Record]]:
    """The records with each contact, in time order, contacts in order of first record."""
    found: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        found[r.other].append(r)
    return list(found.values())


def conversations(with_one: Sequence[Record]) -> Iterator[list[Record]]:
    """Text conversations with one contact: texts each within an hour of the record
    before; a call, or an hour's silence, ends one."""
    current: list[Record] = []
    last: datetime | None = None
    for r in with_one:
        if last is not None and r.utc - last >= CONVERSATION_GAP and current:
            yield current
            current = []
        if r.interaction == "text":
            current.append(r)
        elif current:
            yield current
            current = []
        last = r.utc
    if current:
        yield current


def _all_conversations(records: Sequence[Record]) -> list[list[Record]]:
    return [talk for one in by_contact(records) for talk in conversations(one)]


def percent_initiated_conversations(records: Sequence[Record]) -> Value:
    talks = _all_conversations(records)
    return sum(1 for t in talks if t[0].outgoing) / len(talks) if talks else 0.0


def response_rate_text(records: Sequence[Record]) -> Value:
    started = [t for t in _all_conversations(records) if not t[0].outgoing]
    if not started:
        return None
    return sum(1 for t in started if any(r.outgoing for r in t)) / len(started)


def response_delay_text(records: Sequence[Record]) -> Value:
    delays = (
        (b.utc - a.utc).total_seconds()
        for talk in _all_conversations(records)
        for a, b in pairwise(talk)
        if b.outgoing and not a.outgoing
    )
    return Stats.of(d for d in delays if d > 0)


# --- places: one cell per half-hour slot ----------------------------------------------------


def slot_cells(records: Iterable[Record]) -> list[str]:
    """The most frequent cell of each half-hour slot with a located record (the first to
    reach the highest count, where two tie)."""
    located = (r for r in records if r.cell is not None)
    found = []
    for _, slot in groupby(located, key=lambda r: (r.at.date(), r.at.hour, r.at.minute // 30)):
        cells = [str(r.cell) for r in slot]
        found.append(max(cells, key=cells.count))
    return found


def home_cell(records: Sequence[Record]) -> tuple[str, int, int] | None:
    """The cell of the most night slots: (cell, its night slots, all night slots)."""
    nights = slot_cells(r for r in records if is_night(r.at))
    if not nights:
        return None
    cell, count = Counter(nights).most_common(1)[0]
    return cell, count, len(nights)


def number_of_antennas(cells: Sequence[str], places: Places) -> Value:
    return len(set(cells))


def entropy_of_antennas(cells: Sequence[str], places: Places) -> Value:
    return entropy(Counter(cells).values())


def percent_at_home(cells: Sequence[str], places: Places) -> Value:
    if places.home is None:
        return None
    return sum(1 for cell in cells if cell == places.home) / len(cells) if cells else 0.0


def frequent_antennas(cells: Sequence[str], places: Places) -> Value:
    return _top_for_pareto(dict(Counter(cells)))


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (lat, lon) points on a 6,371 km sphere."""
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    dlat, dlon = lat1 - lat2, math.radians(a[1] - b[1])
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def radius_of_gyration(cells: Sequence[str], places: Places) -> Value:
    """Root mean square distance of the located slots from their centre (the mean of
    their latitudes and of their longitudes), in km."""
    points = [places.locations[cell] for cell in cells if cell in places.locations]
    if not points:
        return None
    centre = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    return math.sqrt(sum(great_circle_km(centre, p) ** 2 for p in points) / len(points))


def churn_rate(records: Sequence[Record]) -> Stats | None:
    """Cosine distances between consecutive weeks' shares of slots per cell."""
    weeks = [slot_cells(week) for week in by_week(records)]
    weeks = [w for w in weeks if w]
    cells = sorted({cell for week in weeks for cell in week})
    shares = [[Counter(week)[cell] / len(week) for cell in cells] for week in weeks]
    distances = []
    for f, g in pairwise(shares):
        dot = sum(x * y for x, y in zip(f, g, strict=True))
        norms = math.sqrt(sum(x * x for x in f)) * math.sqrt(sum(y * y for y in g))
        distances.append(1 - dot / norms)
    return Stats.of(distances)


# --- the catalogue ------------------------------------------------------------------------

RecordIndicator = Callable[[Sequence[Record]], Value]
PlaceIndicator = Callable[[Sequence[str], Places], Value]
BOTH: Final[list[Interaction]] = ["call", "text"]


@dataclass(frozen=True)
class Indicator:
    """An indicator's definition and how to compute it."""

    about: IndicatorDefinition
    compute: RecordIndicator | None = None
    compute_places: PlaceIndicator | None = None


def _indicator(
    compute: RecordIndicator | PlaceIndicator,
    label: str,
    definition: str,
    *,
    unit: str,
    over: list[Interaction] = BOTH,
    distribution: bool = False,
    source: str = BANDICOOT,
    places: bool = False,
) -> Indicator:
    about = IndicatorDefinition(
        name=compute.__name__, label=label, definition=definition, source=source, unit=unit,
        interactions=[] if places else over, distribution=distribution,
    )  # fmt: skip
    if places:
        return Indicator(about, compute_places=compute)  # type: ignore[arg-type]
    return Indicator(about, compute=compute)  # type: ignore[arg-type]


FORTRESS: Final = "Fortress (bandicoot's definition with its direction parameter)"
GONZALEZ: Final = f"{BANDICOOT}; Gonzalez, Hidalgo & Barabási 2008, Nature 453"
INDICATORS: Final = (
    _indicator(active_days, "Active days", "Local days with at least one call or text.",
               unit="days", over=["callandtext"]),
    _indicator(number_of_contacts, "Contacts", "Distinct other parties.", unit="numbers"),
    _indicator(number_of_contacts_in, "Contacts who got in touch",
               "Distinct other parties that called or texted the number.",
               unit="numbers", source=FORTRESS),
    _indicator(number_of_contacts_out, "Contacts reached",
               "Distinct other parties the number called or texted.",
               unit="numbers", source=FORTRESS),
    _indicator(number_of_interactions, "Interactions", "Calls or texts, either way.",
               unit="records"),
    _indicator(number_of_interaction_in, "Interactions received", "Calls or texts received.",
               unit="records"),
    _indicator(number_of_interaction_out, "Interactions made", "Calls or texts made.",
               unit="records"),
    _indicator(call_duration, "Call duration", "Length of each call, either way.",
               unit="seconds", over=["call"], distribution=True),
    _indicator(percent_initiated_interactions, "Calls made",
               "Share of calls that the number made.", unit="share", over=["call"]),
    _indicator(percent_nocturnal, "Nocturnal", "Share of records between 19:00 and 07:00.",
               unit="share"),
    _indicator(percent_initiated_conversations, "Conversations started",
               "Share of text conversations (with one contact, no call between, no gap "
               "of an hour) that the number started.",
               unit="share", over=["callandtext"]),
    _indicator(response_rate_text, "Text response rate",
               "Share of text conversations started by the other party that the number "
               "answered by text.", unit="share", over=["callandtext"]),
    _indicator(response_delay_text, "Text response delay",
               "Seconds from a text received to the number's reply in the same "
               "conversation.", unit="seconds", over=["callandtext"], distribution=True),
    _indicator(entropy_of_contacts, "Entropy of contacts",
               "Shannon entropy (nats) of the shares of records with each contact.",
               unit="nats"),
    _indicator(balance_of_contacts, "Balance of contacts",
               "Each contact's records made by the number, as a share of all its records.",
               unit="share", distribution=True),
    _indicator(interactions_per_contact, "Interactions per contact",
               "Records with each contact.", unit="records", distribution=True),
    _indicator(interevent_time, "Inter-event time", "Seconds between consecutive records.",
               unit="seconds", distribution=True),
    _indicator(percent_pareto_interactions, "Top contacts' share",
               "Share of contacts that, busiest first, account for 80% of records.",
               unit="share"),
    _indicator(percent_pareto_durations, "Top callers' share",
               "Share of call contacts that, longest first, account for 80% of call time.",
               unit="share", over=["call"]),
    _indicator(number_of_antennas, "Cells", "Distinct cells of the half-hour slots.",
               unit="cells", places=True),
    _indicator(entropy_of_antennas, "Entropy of cells",
               "Shannon entropy (nats) of the shares of half-hour slots on each cell.",
               unit="nats", places=True),
    _indicator(percent_at_home, "At home", "Share of half-hour slots on the home cell.",
               unit="share", places=True),
    _indicator(radius_of_gyration, "Radius of gyration",
               "Root mean square distance of the located slots from their centre.",
               unit="km", places=True, source=GONZALEZ),
    _indicator(frequent_antennas, "Frequent cells",
               "Cells that, busiest first, account for 80% of half-hour slots.",
               unit="cells", places=True),
)  # fmt: skip
CHURN: Final = IndicatorDefinition(
    name="churn_rate", label="Weekly churn of cells",
    definition="Cosine distance between consecutive weeks' shares of half-hour slots per "
               "cell.", source=BANDICOOT, unit="distance", interactions=[], distribution=True,
)  # fmt: skip
DEFINITIONS: Final = [indicator.about for indicator in INDICATORS] + [CHURN]


# --- selection, weeks and measures -----------------------------------------------------------


def select(
    records: Sequence[Record],
    interaction: Interaction | None,
    part_of_week: PartOfWeek,
    part_of_day: PartOfDay,
) -> list[Record]:
    """The records of one kind (None: all) in one part of the week and of the day."""
    weekend, night = part_of_week == "weekend", part_of_day == "night"
    return [
        r
        for r in records
        if (interaction in (None, "callandtext") or r.interaction == interaction)
        and (part_of_week == "allweek" or (r.at.isoweekday() in WEEKEND) == weekend)
        and (part_of_day == "allday" or is_night(r.at) == night)
    ]


def by_week(records: Sequence[Record]) -> list[list[Record]]:
    """The records of each ISO week that has any, in order."""
    return [list(week) for _, week in groupby(records, key=lambda r: r.at.isocalendar()[:2])]


def measures(
    records: Sequence[Record],
    places: Places,
    *,
    weekly: bool = False,
    split: bool = False,
) -> list[Measure]:
    """Every indicator of ``records`` (in time order) over the whole period, or per week
    then across weeks; ``split`` adds weekdays and weekends, days and nights."""
    weeks: tuple[PartOfWeek, ...] = ("allweek", "weekday", "weekend") if split else ("allweek",)
    days: tuple[PartOfDay, ...] = ("allday", "day", "night") if split else ("allday",)
    found: list[Measure] = []
    for indicator in INDICATORS:
        for part_of_week in weeks:
            for part_of_day in days:
                found += _measures_of(indicator, records, places, weekly, part_of_week, part_of_day)
    return found + _flatten(CHURN, None, "allweek", "allday", churn_rate(records))


def _measures_of(
    indicator: Indicator,
    records: Sequence[Record],
    places: Places,
    weekly: bool,
    part_of_week: PartOfWeek,
    part_of_day: PartOfDay,
) -> list[Measure]:
    about = indicator.about
    found: list[Measure] = []
    for interaction in about.over():
        chosen = select(records, interaction, part_of_week, part_of_day)
        groups = by_week(chosen) if weekly else ([chosen] if chosen else [])
        values = [_compute(indicator, group, places) for group in groups]
        if weekly:
            found += _across_weeks(about, interaction, part_of_week, part_of_day, values)
        else:
            value = values[0] if values else None
            found += _flatten(about, interaction, part_of_week, part_of_day, value)
    return found


def _compute(indicator: Indicator, records: Sequence[Record], places: Places) -> Value:
    if indicator.compute is not None:
        return indicator.compute(records)
    assert indicator.compute_places is not None
    return indicator.compute_places(slot_cells(records), places)


def _flatten(
    about: IndicatorDefinition,
    interaction: Interaction | None,
    part_of_week: PartOfWeek,
    part_of_day: PartOfDay,
    value: Value,
) -> list[Measure]:
    """One measure for a value, or one per statistic of a distribution."""
    common = dict(indicator=about.name, interaction=interaction, part_of_week=part_of_week,
                  part_of_day=part_of_day)  # fmt: skip
    if not about.distribution:
        assert not isinstance(value, Stats)
        plain = None if value is None else float(value)
        return [Measure(**common, statistic=None, across_weeks=None, value=plain)]  # type: ignore[arg-type]
    stats = value if isinstance(value, Stats) else None
    return [
        Measure(**common, statistic=name, across_weeks=None,  # type: ignore[arg-type]
                value=None if stats is None else stats.get(name))
        for name in STATISTICS
    ]  # fmt: skip


def _across_weeks(
    about: IndicatorDefinition,
    interaction: Interaction | None,
    part_of_week: PartOfWeek,
    part_of_day: PartOfDay,
    values: list[Value],
) -> list[Measure]:
    """The mean and standard deviation across weeks of each weekly value (or statistic)."""
    per_statistic: dict[Statistic | None, list[float]] = {}
    if about.distribution:
        for name in STATISTICS:
            per_statistic[name] = [v.get(name) for v in values if isinstance(v, Stats)]
    else:
        per_statistic[None] = [float(v) for v in values if isinstance(v, int | float)]
    found = []
    for statistic, weekly in per_statistic.items():
        summary = Stats.of(weekly)
        for across in ("mean", "std"):
            found.append(
                Measure(indicator=about.name, interaction=interaction, part_of_week=part_of_week,
                        part_of_day=part_of_day, statistic=statistic, across_weeks=across,  # type: ignore[arg-type]
                        value=None if summary is None else summary.get(across))  # type: ignore[arg-type]
            )  # fmt: skip
    return found
