"""A number's behavioural profile (``fortress.comms.profiles``): indicators with their
definitions and sources, where it sleeps, and when it is active."""

from __future__ import annotations

from typing import Literal

from fortress.model.lines import Frozen

Interaction = Literal["call", "text", "callandtext"]
"""Which records an indicator reads: calls, texts (SMS, MMS and app messages), or both."""
PartOfWeek = Literal["allweek", "weekday", "weekend"]
PartOfDay = Literal["allday", "day", "night"]
Statistic = Literal["mean", "std", "median", "min", "max", "skewness", "kurtosis"]


class IndicatorDefinition(Frozen):
    """What an indicator measures, in one line, and where the definition comes from."""

    name: str
    """bandicoot's name where bandicoot defines it."""
    label: str
    definition: str
    source: str
    unit: str
    interactions: list[Interaction]
    """The records it is computed over, one value each; empty for a place indicator
    (which reads every record with a cell)."""
    distribution: bool
    """Whether it is a distribution (mean, std, median, min, max, skewness, kurtosis) rather
    than one value."""

    def over(self) -> list[Interaction | None]:
        """The kinds of record it has a value for: None alone for a place indicator."""
        return [*self.interactions] or [None]


class Measure(Frozen):
    """One value of one indicator: over one kind of record, in one part of the week and
    of the day; for a distribution, one of its statistics; weekly, the mean or standard
    deviation across the weeks with records (bandicoot's ``groupby='week'``)."""

    indicator: str
    interaction: Interaction | None
    part_of_week: PartOfWeek
    part_of_day: PartOfDay
    statistic: Statistic | None
    across_weeks: Literal["mean", "std"] | None
    value: float | None
    """None where the indicator is undefined (no such records, no home, no located cell)."""


class HomeCell(Frozen):
    """The cell the number is on most at night: of its half-hour slots between 19:00 and
    07:00 local time, the most with this cell as their most frequent cell."""

    cell: str
    night_slots: int
    """Night slots with this cell."""
    of_night_slots: int
    """Night slots with any cell."""
    lat: float | None
    lon: float | None
    area: str | None


class Exclusion(Frozen):
    """Events left out of a profile, how many and why."""

    events: int
    reason: str


class NumberProfile(Frozen):
    """One number's behaviour over a period, on the local clock of ``zone``."""

    number: str
    zone: str
    period: str
    """The local days asked for, in words."""
    from_utc: str | None
    to_utc: str | None
    """The period asked for (None: unbounded), half-open."""
    first_utc: str | None
    last_utc: str | None
    records: int
    """Calls and messages counted (the number's own end of each event)."""
    located_records: int
    """Of them, those with the number's cell."""
    excluded: list[Exclusion]
    weekly: bool
    """Whether each value is the mean (and std) over weeks rather than over the period."""
    definitions: list[IndicatorDefinition]
    measures: list[Measure]
    home: HomeCell | None
    week_hours: list[list[int]]
    """The daily and weekly rhythm: seven rows, Monday first, of 24 counts of records by
    local hour, hour 0 first."""


class ProfileTableWritten(Frozen):
    """A table of many numbers' profiles written to a file."""

    file: str
    numbers: int
    columns: int
    period: str
    seconds: float
