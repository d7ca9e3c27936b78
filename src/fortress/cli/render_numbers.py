"""Rich rendering of number profiles (``fortress numbers profile`` and ``profiles``) and of
schedules written (``fortress schedule``)."""

from __future__ import annotations

from rich.table import Table

from fortress.cli.render import console
from fortress.model.profiles import (
    IndicatorDefinition,
    Measure,
    NumberProfile,
    PartOfDay,
    PartOfWeek,
    ProfileTableWritten,
)
from fortress.reports.schedule_report import WrittenSchedule

PARTS: tuple[tuple[str, PartOfWeek, PartOfDay], ...] = (
    ("all", "allweek", "allday"),
    ("weekdays", "weekday", "allday"),
    ("weekends", "weekend", "allday"),
    ("days", "allweek", "day"),
    ("nights", "allweek", "night"),
)
"""The columns of a split profile: the whole, then one part of the week or of the day
(the crossed parts, such as weekday nights, are in the JSON)."""
OVER = {"call": "calls", "text": "texts", "callandtext": "calls and texts", None: "cells"}
SPARKS = " ▁▂▃▄▅▆▇█"


def render_profile(profile: NumberProfile) -> None:
    """The profile: what was counted, home, each indicator, the week's rhythm, definitions."""
    _header(profile)
    split = any(m.part_of_week != "allweek" for m in profile.measures)
    parts = PARTS if split else PARTS[:1]
    table = Table(title="Indicators", title_justify="left")
    table.add_column("indicator")
    table.add_column("over")
    for name, _, _ in parts:
        table.add_column(name if split else "value", justify="right")
    table.add_column("unit")
    for about in profile.definitions:
        for interaction in about.over():
            cells = [
                _value(about, profile.measures, interaction, week, day, profile.weekly, split)
                for _, week, day in parts
            ]
            table.add_row(about.label, OVER[interaction], *cells, about.unit)
    console.print(table)
    console.print("none: no value (no such records, no home cell, no located cell, or for "
                  "the churn fewer than two weeks with a cell).", highlight=False)  # fmt: skip
    if profile.weekly:
        console.print("Each value is the mean across the weeks with records, ± their standard "
                      "deviation.", highlight=False)  # fmt: skip
    if split:
        console.print("A distribution shows its mean; its other statistics, and the crossed "
                      "parts (weekday nights...), are in --json.", highlight=False)  # fmt: skip
    _rhythm(profile.week_hours)
    _definitions(profile.definitions)


def _header(profile: NumberProfile) -> None:
    console.print(
        f"[bold]Profile of {profile.number}[/], {profile.period}: {profile.records:,} calls "
        f"and texts ({profile.located_records:,} with a cell), the first at "
        f"{profile.first_utc} UTC, the last at {profile.last_utc} UTC. Days, hours and "
        f"nights are read on the {profile.zone} clock.",
        highlight=False,
    )
    for left_out in profile.excluded:
        console.print(f"Not counted: {left_out.events:,} events: {left_out.reason}.",
                      highlight=False)  # fmt: skip
    home = profile.home
    if home is None:
        console.print("Home cell: none (no night record with a cell).", highlight=False)
        return
    where = f" at {home.lat:.5f}, {home.lon:.5f}" if home.lat is not None else " (not located)"
    area = f", {home.area}" if home.area else ""
    console.print(
        f"Home cell: {home.cell}{where}{area}: {home.night_slots} of the "
        f"{home.of_night_slots} night half-hours with a cell.",
        highlight=False,
    )


def _value(
    about: IndicatorDefinition,
    measures: list[Measure],
    interaction: str | None,
    week: PartOfWeek,
    day: PartOfDay,
    weekly: bool,
    brief: bool,
) -> str:
    found: dict[tuple[str | None, str | None], float | None] = {
        (m.statistic, m.across_weeks): m.value
        for m in measures
        if m.indicator == about.name and m.interaction == interaction
        and m.part_of_week == week and m.part_of_day == day
    }  # fmt: skip
    if weekly:
        key = "mean" if about.distribution else None
        mean, std = found.get((key, "mean")), found.get((key, "std"))
        return "none" if mean is None else f"{_number(mean)} ± {_number(std)}"
    if not about.distribution:
        return _number(found.get((None, None)))
    mean = found.get(("mean", None))
    if mean is None or brief:
        return _number(mean)
    low, high, median = (found.get((s, None)) for s in ("min", "max", "median"))
    return f"mean {_number(mean)}, median {_number(median)} ({_number(low)} to {_number(high)})"


def _number(value: float | None) -> str:
    if value is None:
        return "none"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"


def _rhythm(week_hours: list[list[int]]) -> None:
    """Records by local hour and by weekday, as bars scaled to the busiest."""
    by_hour = [sum(day[hour] for day in week_hours) for hour in range(24)]
    by_day = [sum(day) for day in week_hours]
    busiest = max(by_hour) or 1
    bars = "".join(SPARKS[round(n / busiest * (len(SPARKS) - 1))] for n in by_hour)
    console.print(
        f"By local hour, 00 to 23 (█ = {max(by_hour):,} records, blank = none or under "
        f"1/16 of that): [{bars}]",
        highlight=False,
    )
    days = ", ".join(f"{name} {n:,}" for name, n in zip(WEEKDAYS, by_day, strict=True))
    console.print(f"By local weekday: {days}.", highlight=False)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _definitions(definitions: list[IndicatorDefinition]) -> None:
    """Each indicator's definition, its source as a reference listed once below."""
    sources = list(dict.fromkeys(about.source for about in definitions))
    table = Table(title="Definitions", title_justify="left")
    for name in ("indicator", "definition", "source"):
        table.add_column(name)
    for about in definitions:
        table.add_row(about.label, about.definition, f"[{sources.index(about.source) + 1}]")
    console.print(table)
    for number, source in enumerate(sources, start=1):
        console.print(f"[{number}] {source}", highlight=False, markup=False)


def render_profile_table(written: ProfileTableWritten) -> None:
    """What the many-number table wrote."""
    console.print(
        f"Wrote profiles of {written.numbers:,} numbers ({written.columns} columns) to "
        f"{written.file} in {written.seconds:.1f} s; period {written.period}.",
        highlight=False,
    )


def render_written_schedule(written: WrittenSchedule) -> None:
    """What ``fortress schedule`` wrote."""
    pair = (
        f" and {written.attribution_periods:,} attribution periods"
        if written.attribution_periods
        else ""
    )
    console.print(
        f"Wrote a schedule of {written.rows:,} rows{pair} to {written.file} "
        f"({written.format.upper()}, {written.bytes:,} bytes).",
        highlight=False,
    )
