"""Charts of the network analyses' typed results, for the CLI's ``--chart`` files and the
HTML reports: the damage of a disruption comparison, and an investigation's phases.

Analyses compute; this module only lays their results out. A chart covers exactly the
steps of the table beside it (:func:`damage_figures` is what both show), every line has a
legend entry, lines that coincide are drawn once under all their names, and a figure that
no strategy moves is said in a sentence instead of drawn as a flat line.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from fortress.network.disrupt import SHARES, Comparison
from fortress.network.phases import Investigation
from fortress.reports.svg import WIDTH, line_chart, standalone

SAME = 1e-12
"""Values closer than this are the same (a flat figure, coinciding strategies)."""
CHART_HEIGHT = 260


@dataclass(frozen=True)
class DamageFigure:
    """One damage figure of a comparison as its table and chart show it."""

    measure: str
    """The figure's key (``largest_component`` ...)."""
    label: str
    """Its name for people (``largest component``)."""
    removed: list[int]
    """Actors removed at each step: the table's rows and the chart's x-axis."""
    series: dict[str, list[float | None]]
    """Per strategy, the figure at each step (None after a strategy ran out of actors)."""
    lines: dict[str, list[float | None]]
    """What the chart draws: strategies with the same values at every step merged into
    one line named ``a = b``."""
    flat: str | None
    """When no strategy moves the figure at all: the sentence that says so."""
    notes: tuple[str, ...]
    """Sentences about the lines: which coincide, which stop early and why."""

    def format(self, value: float | None) -> str:
        """``value`` as the table shows it."""
        return "" if value is None else format_damage(self.measure, value)


def format_damage(measure: str, value: float) -> str:
    """A share as a percentage (100% only when nothing is lost), else three decimals."""
    if measure in SHARES:
        return "100%" if abs(value - 1.0) <= SAME else f"{value:.1%}"
    return f"{value:.3f}"


def damage_figures(comparison: Comparison) -> list[DamageFigure]:
    """Each damage figure of ``comparison``, over the steps of its longest strategy."""
    runs = comparison.strategies
    if not runs:
        return []
    longest = max(runs, key=lambda run: len(run.steps))
    removed = [int(step["removed"]) for step in longest.steps]
    figures = []
    for measure in comparison.measures:
        series: dict[str, list[float | None]] = {
            run.strategy: [float(step[measure]) for step in run.steps]
            + [None] * (len(removed) - len(run.steps))
            for run in runs
        }
        label = measure.replace("_", " ")
        figures.append(
            DamageFigure(
                measure=measure,
                label=label,
                removed=removed,
                series=series,
                lines=_merged(series),
                flat=_flat_sentence(measure, label, series, removed),
                notes=_notes(series, removed),
            )
        )
    return figures


def _same(a: list[float | None], b: list[float | None]) -> bool:
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and abs(x - y) <= SAME)
        for x, y in zip(a, b, strict=True)
    )


def _merged(series: dict[str, list[float | None]]) -> dict[str, list[float | None]]:
    groups: list[list[str]] = []
    for name, values in series.items():
        for group in groups:
            if _same(series[group[0]], values):
                group.append(name)
                break
        else:
            groups.append([name])
    return {" = ".join(group): series[group[0]] for group in groups}


def _flat_sentence(
    measure: str, label: str, series: dict[str, list[float | None]], removed: list[int]
) -> str | None:
    values = [v for points in series.values() for v in points if v is not None]
    if not values or max(values) - min(values) > SAME:
        return None
    who = (
        f"The {next(iter(series))} strategy leaves"
        if len(series) == 1
        else f"All {len(series)} strategies leave"
    )
    steps = removed[-1]
    span = f"for all {steps} removals" if steps != 1 else "after the one removal"
    if steps == 0:
        span = "(no one was removed)"
    short = {
        name: max(r for r, v in zip(removed, points, strict=True) if v is not None)
        for name, points in series.items()
        if any(v is not None for v in points) and points[-1] is None
    }
    if short:
        stops = ", ".join(f"{name} stops at {last}" for name, last in short.items())
        span = f"at every step they take (up to {steps} removals; {stops})"
    if measure == "customer_reach" and abs(values[0] - 1.0) <= SAME:
        return f"{who} every customer connected to a deal-line number {span}."
    return f"{who} the {label} at {format_damage(measure, values[0])} {span}."


def _notes(series: dict[str, list[float | None]], removed: list[int]) -> tuple[str, ...]:
    notes = []
    for group in _merged(series):
        if " = " in group:
            names = group.split(" = ")
            notes.append(
                f"{', '.join(names[:-1])} and {names[-1]} give the same figures at every "
                "step: one line is drawn for them."
            )
    for name, values in series.items():
        taken = [r for r, v in zip(removed, values, strict=True) if v is not None]
        if taken and taken[-1] < removed[-1]:
            notes.append(
                f"{name} stops at {taken[-1]} removed: it selects no more actors "
                "(blank rows after that)."
            )
    return tuple(notes)


def damage_chart(figure: DamageFigure, title: str) -> str:
    """One figure as an inline SVG chart, or, when no strategy moves it, its sentence as
    a one-line SVG (so every slot of a chart file holds something to read)."""
    if figure.flat is not None:
        return text_panel(title, figure.flat)
    return line_chart(
        title,
        [str(r) for r in figure.removed],
        figure.lines,
        height=CHART_HEIGHT,
        y_title=figure.label,
    )


def text_panel(title: str, sentence: str) -> str:
    """A sentence where a chart would be."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="40" '
        f'viewBox="0 0 {WIDTH} 40" class="chart"><title>{escape(title)}</title>'
        f'<text x="10" y="24" class="axis">{escape(sentence)}</text></svg>'
    )


def disruption_chart(comparison: Comparison) -> str:
    """A standalone SVG file: each damage figure per strategy, step by step."""
    charts = [
        damage_chart(figure, f"{figure.label} after each removal ({comparison.network})")
        for figure in damage_figures(comparison)
    ]
    return standalone(charts, CHART_HEIGHT)


def damage_html(comparison: Comparison, measure: str, title: str) -> str:
    """One figure for an HTML page: its chart with the notes under it, or its sentence."""
    [figure] = [f for f in damage_figures(comparison) if f.measure == measure]
    if figure.flat is not None:
        return f'<p class="meta">{escape(figure.flat)}</p>'
    notes = "".join(f'<p class="meta">{escape(note)}</p>' for note in figure.notes)
    return damage_chart(figure, title) + notes


def phase_chart(investigation: Investigation, actors: int = 5) -> str:
    """A standalone SVG file: centralisation per phase, and the betweenness of the
    ``actors`` most central actors across phases (gaps where absent)."""
    rows = investigation.phases
    labels = [row.phase for row in rows]
    centralisation = line_chart(
        "Centralisation per phase",
        labels,
        {
            "degree centralisation": [r.degree_centralisation for r in rows],
            "betweenness centralisation": [r.betweenness_centralisation for r in rows],
        },
    )
    top = investigation.actors[:actors]
    positions = line_chart(
        "Betweenness of the most central actors (gaps: absent)",
        labels,
        {actor.node: list(actor.series["betweenness"]) for actor in top},
    )
    return standalone([centralisation, positions])
