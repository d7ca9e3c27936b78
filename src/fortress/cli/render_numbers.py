"""Rich rendering of number profiles (``fortress numbers profile`` and ``profiles``) and of
schedules written (``fortress schedule``)."""

from __future__ import annotations

from rich.table import Table

from fortress.cli.render import console
from fortress.model.profiles import NumberProfile, ProfileTableWritten
from fortress.reports.profile_rows import ProfileRows, profile_rows
from fortress.reports.schedule_report import WrittenSchedule
from fortress.reports.svg import DAY_NAMES

SPARKS = " ▁▂▃▄▅▆▇█"


def render_profile(profile: NumberProfile) -> None:
    """The profile: what was counted, home, each indicator, the week's rhythm, definitions."""
    _header(profile)
    shown = profile_rows(profile)
    table = Table(title="Indicators", title_justify="left")
    table.add_column("indicator")
    table.add_column("over")
    for name in shown.columns:
        table.add_column(name, justify="right")
    table.add_column("unit")
    for row in shown.rows:
        table.add_row(row.label, row.over, *row.values, row.unit)
    console.print(table)
    for note in shown.notes:
        console.print(note, highlight=False)
    _rhythm(profile.week_hours)
    _definitions(shown)


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
    days = ", ".join(f"{name} {n:,}" for name, n in zip(DAY_NAMES, by_day, strict=True))
    console.print(f"By local weekday: {days}.", highlight=False)


def _definitions(shown: ProfileRows) -> None:
    """Each indicator's definition, its source as a reference listed once below."""
    table = Table(title="Definitions", title_justify="left")
    for name in ("indicator", "definition", "source"):
        table.add_column(name)
    for row in dict((r.label, r) for r in shown.rows).values():
        table.add_row(row.label, row.definition, f"[{row.source}]")
    console.print(table)
    for number, source in enumerate(shown.sources, start=1):
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
