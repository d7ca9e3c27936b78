"""A number's profile as rows of text: what the terminal's table and the app's profile page
both show (``fortress numbers profile``, ``/app/numbers/{number}/profile``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fortress.model.profiles import (
    IndicatorDefinition,
    Interaction,
    Measure,
    NumberProfile,
    PartOfDay,
    PartOfWeek,
)

PARTS: Final[tuple[tuple[str, PartOfWeek, PartOfDay], ...]] = (
    ("all", "allweek", "allday"),
    ("weekdays", "weekday", "allday"),
    ("weekends", "weekend", "allday"),
    ("days", "allweek", "day"),
    ("nights", "allweek", "night"),
)
"""The columns of a split profile: the whole, then one part of the week or of the day
(the crossed parts, such as weekday nights, are in the JSON)."""
OVER: Final[dict[Interaction | None, str]] = {
    "call": "calls", "text": "texts", "callandtext": "calls and texts", None: "cells",
}  # fmt: skip
NONE_MEANS: Final = (
    "none: no value (no such records, no home cell, no located cell, or for the churn fewer "
    "than two weeks with a cell)."
)
WEEKLY_MEANS: Final = (
    "Each value is the mean across the weeks with records, ± their standard deviation."
)
SPLIT_MEANS: Final = (
    "A distribution shows its mean; its other statistics, and the crossed parts (weekday "
    "nights...), are in the JSON."
)


@dataclass(frozen=True)
class ProfileRow:
    """One indicator over one kind of record, as text."""

    label: str
    over: str
    values: list[str]
    unit: str
    definition: str
    source: int
    """The number of its source in ``sources`` (1 first)."""


@dataclass(frozen=True)
class ProfileRows:
    """The profile's table: its value columns, its rows, and the sources they cite."""

    columns: list[str]
    rows: list[ProfileRow]
    sources: list[str]
    notes: list[str]
    """What the table's conventions mean, in sentences."""


def profile_rows(profile: NumberProfile) -> ProfileRows:
    """Every indicator of ``profile`` as text, split into parts where it was split."""
    split = any(m.part_of_week != "allweek" for m in profile.measures)
    parts = PARTS if split else PARTS[:1]
    sources = list(dict.fromkeys(about.source for about in profile.definitions))
    rows = [
        ProfileRow(
            label=about.label, over=OVER[interaction],
            values=[_value(about, profile.measures, interaction, week, day, profile.weekly,
                           split) for _, week, day in parts],
            unit=about.unit, definition=about.definition,
            source=sources.index(about.source) + 1,
        )
        for about in profile.definitions
        for interaction in about.over()
    ]  # fmt: skip
    notes = [NONE_MEANS] + ([WEEKLY_MEANS] if profile.weekly else [])
    return ProfileRows(
        columns=[name for name, _, _ in parts] if split else ["value"],
        rows=rows,
        sources=sources,
        notes=notes + ([SPLIT_MEANS] if split else []),
    )


def _value(
    about: IndicatorDefinition,
    measures: list[Measure],
    interaction: Interaction | None,
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
        return "none" if mean is None else f"{number_text(mean)} ± {number_text(std)}"
    if not about.distribution:
        return number_text(found.get((None, None)))
    mean = found.get(("mean", None))
    if mean is None or brief:
        return number_text(mean)
    low, high, median = (found.get((s, None)) for s in ("min", "max", "median"))
    return (
        f"mean {number_text(mean)}, median {number_text(median)} "
        f"({number_text(low)} to {number_text(high)})"
    )


def number_text(value: float | None) -> str:
    """A value as shown: whole numbers with thousands separators, others to three places
    (under 1,000) or none; ``none`` for no value."""
    if value is None:
        return "none"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
