"""Campaign evaluation (``fortress place evaluate``): before and after, against comparison
areas, with an interval, a displacement check and words a commissioner can quote.

Per crime type (and all crime): counts before and after in the area; the naive change in
the monthly rate; and a difference-in-differences estimate from a count model of the
monthly counts of the area and its comparison areas, with an area effect for each area, a
month effect for each month (shared seasonality and force-wide change) and one effect for
"the campaign area after the start". The model is Poisson with its standard errors
scaled by the Pearson dispersion (quasi-Poisson), so extra-Poisson variation widens the
interval instead of being ignored. The estimate exp(b) - 1 is the change in the area
relative to what the comparison areas suggest would have happened, with a 95% Wald
interval and a Wald p-value.

Before and after are compared as crimes per month with data, so periods holding different
numbers of months compare like with like. Many crime types are tested at once, so the
false discovery rate is controlled across them (Benjamini and Hochberg 1995, at ``FDR``):
a type is called changed only when its adjusted p-value passes. When the saved area names
the crime types its campaign targeted, those lead and form a family of their own (they
were chosen before the data was seen); the other types form another. All crime is one
test on its own. Method and its limits: ``docs/methods/place.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import ibis.expr.types as ir
import numpy as np
import shapely

from fortress.places.areas import Area
from fortress.places.campaigns import area_for, crime_types, saved_area
from fortress.places.countmodel import regressor_effect
from fortress.places.hotspots import METRES_PER_DEGREE_LAT
from fortress.places.periods import Period
from fortress.places.quality import force_flags
from fortress.places.store import (
    CRIMES,
    MONTH,
    current,
    fetch,
    in_periods,
    month_text,
    monthly_counts,
    opened,
)
from fortress.places.summary import in_area, lsoa_names
from fortress.sources.policeuk import district_of
from fortress.store.workspace import Workspace

ALL = "All crime"
MIN_COUNT = 20
"""Fewer crimes than this before or after in the area: no estimate is claimed."""
AUTO_COMPARE = 3
BUFFER_M = 1_000
FDR = 0.05
"""The false discovery rate controlled across crime types (Benjamini-Hochberg)."""


class EvaluationProblem(ValueError):
    """An evaluation that cannot be run as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Design:
    """What is compared with what."""

    area: Area
    comparisons: list[Area]
    before: Period
    after: Period
    targets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NamedArea:
    """An area as the result names it."""

    name: str
    how: str


@dataclass(frozen=True, slots=True)
class TypeResult:
    """Before, after and the estimate for one crime type (or all crime) in one area."""

    crime_type: str
    targeted: bool
    """A type the saved area's campaign targeted."""
    before: int
    after: int
    months_before: int
    """Months of the before period that the data holds (the rates' denominators)."""
    months_after: int
    before_per_month: float
    after_per_month: float
    naive_change: float | None
    """The change in crimes per month, after against before (None: none before)."""
    estimate: float | None
    low: float | None
    high: float | None
    p_value: float | None
    q_value: float | None
    """The Benjamini-Hochberg adjusted p-value within its family (all crime: its p)."""
    family: str
    """``all crime``, ``targeted crime types``, ``other crime types`` or ``crime types``."""
    family_size: int
    """How many types of the family had an estimate (the tests the rate is controlled over)."""
    significant: bool
    text: str

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AreaSeries:
    """All crime per month in one area over the evaluated months (None: not in the data),
    and as an index: 100 is the area's mean month before."""

    name: str
    role: str
    """``campaign`` or ``comparison``."""
    months: tuple[str, ...]
    counts: tuple[int | None, ...]
    index: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A campaign evaluation: the design, one result per crime type (all crime, then the
    targeted types, then the rest), the displacement check and a headline."""

    area: NamedArea
    comparisons: tuple[NamedArea, ...]
    before: Period
    after: Period
    months_in_data: tuple[str, ...]
    targets: tuple[str, ...]
    phases: dict[str, Period]
    """The saved area's campaign phases (empty for an area that is not saved)."""
    method: str
    headline: str
    results: tuple[TypeResult, ...]
    displacement: tuple[TypeResult, ...]
    series: tuple[AreaSeries, ...]
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it (and as ``evaluate`` returns it)."""
        return {
            "area": asdict(self.area),
            "comparisons": [asdict(c) for c in self.comparisons],
            "before": str(self.before),
            "after": str(self.after),
            "months_in_data": list(self.months_in_data),
            "targets": list(self.targets),
            "phases": {p: [span.first, span.last] for p, span in self.phases.items()},
            "method": self.method,
            "headline": self.headline,
            "results": [r.to_dict() for r in self.results],
            "displacement": [r.to_dict() for r in self.displacement],
            "series": [s.to_dict() for s in self.series],
            "warnings": list(self.warnings),
        }


def evaluate(
    workspace: Workspace,
    spec: str,
    before: Period,
    after: Period,
    *,
    compare: list[str] | None = None,
    auto_compare: bool = False,
    targets: Iterable[str] | None = None,
) -> Evaluation:
    """The evaluation of the area ``spec`` (see the module docstring). ``targets``: the
    crime types the campaign targeted (police.uk ids or names); by default those saved
    with the area."""
    if after.first <= before.last:
        raise EvaluationProblem(f"the after period {after} must start after {before} ends")
    saved = saved_area(workspace, spec)
    chosen_targets = crime_types(targets) if targets is not None else (
        saved.targets if saved else ()
    )  # fmt: skip
    with opened(workspace) as backend:
        crimes = current(backend, workspace, CRIMES)
        names = lsoa_names(crimes)
        area = _with_codes(crimes, area_for(workspace, spec, names))
        months = _months(crimes)
        _check_periods(months, before, after)
        chosen = [area_for(workspace, c, names) for c in compare] if compare else None
        comparisons = _comparisons(crimes, names, area, before, chosen, auto_compare)
        design = Design(area, comparisons, before, after, chosen_targets)
        series = {a.name: _monthly(crimes, a, before, after) for a in [area, *comparisons]}
        ring = _displacement_ring(crimes, design)
        flagged = sorted({f.month for f in force_flags(crimes)})
    return _report(design, series, ring, flagged, months, saved.phases if saved else {})


def _months(crimes: ir.Table) -> list[str]:
    return sorted(month_text(row[MONTH]) for row in fetch(crimes.select(MONTH).distinct()))


def _with_codes(crimes: ir.Table, area: Area) -> Area:
    """A polygon area with the LSOAs of its crimes as codes too, so that comparison areas
    can be checked for overlap and matching leaves out the districts it covers."""
    if area.polygon is None:
        return area
    rows = in_area(crimes, area)
    codes = rows.filter(rows.lsoa_code.notnull()).select("lsoa_code").distinct()
    return replace(area, codes=frozenset(row["lsoa_code"] for row in fetch(codes)))


def _coverage(months: list[str], period: Period) -> tuple[int, int]:
    """(months of ``period`` in the data, months in ``period``)."""
    return sum(1 for m in months if m in period), len(period.months())


def _check_periods(months: list[str], before: Period, after: Period) -> None:
    for name, period in (("before", before), ("after", after)):
        if not [m for m in months if period.first <= m <= period.last]:
            raise EvaluationProblem(
                f"no months of data in the {name} period {period} (the data has "
                f"{months[0]}..{months[-1]}, with gaps: {len(months)} months)"
            )


def _comparisons(
    crimes: ir.Table,
    names: dict[str, str],
    area: Area,
    before: Period,
    chosen: list[Area] | None,
    auto: bool,
) -> list[Area]:
    if chosen and auto:
        raise EvaluationProblem("give --compare or --auto-compare, not both")
    if chosen:
        overlap = [c.name for c in chosen if c.codes & area.codes]
        if overlap:
            raise EvaluationProblem(f"comparison areas overlap the area: {', '.join(overlap)}")
        return chosen
    if auto:
        return _matched(crimes, names, area, before)
    raise EvaluationProblem(
        "name comparison areas (--compare Havant,Fareham) or let Fortress match them on the "
        "before period (--auto-compare): a before-and-after change alone cannot separate the "
        "campaign from everything else that changed"
    )


def _matched(
    crimes: ir.Table,
    names: dict[str, str],
    area: Area,
    before: Period,
) -> list[Area]:
    """The districts most like the area before the campaign: nearest in log monthly level
    and in trend (slope of log counts per month), each scaled by its spread."""
    districts: dict[str, set[str]] = {}
    for code, name in names.items():
        if code not in area.codes:
            districts.setdefault(district_of(name), set()).add(code)
    candidates = [
        Area(d, frozenset(codes), f"matched: LSOA names starting {d!r}")
        for d, codes in sorted(districts.items())
        if not codes & area.codes
    ]
    if len(candidates) < AUTO_COMPARE:
        raise EvaluationProblem("too few other districts in the data to match comparisons")
    profile = {c.name: _profile(crimes, c, before) for c in [area, *candidates]}
    spread = np.std(np.array([profile[c.name] for c in candidates]), axis=0)
    spread[spread == 0] = 1.0
    target = np.array(profile[area.name])

    def distance(candidate: Area) -> float:
        return float(np.linalg.norm((np.array(profile[candidate.name]) - target) / spread))

    return sorted(candidates, key=distance)[:AUTO_COMPARE]


def _profile(crimes: ir.Table, area: Area, before: Period) -> tuple[float, float]:
    """Mean log monthly count and its trend (slope per month) in the before period."""
    per_month: dict[str, float] = {}
    for month, _, n in _monthly(crimes, area, before, None):
        per_month[month] = per_month.get(month, 0.0) + n
    logs = np.log(np.array(list(per_month.values())) + 1.0)
    slope = float(np.polyfit(np.arange(len(logs)), logs, 1)[0]) if len(logs) > 1 else 0.0
    return float(logs.mean()), slope


def _monthly(
    crimes: ir.Table,
    area: Area,
    before: Period,
    after: Period | None,
    exclude: frozenset[str] = frozenset(),
) -> list[tuple[str, str, int]]:
    """(month, crime type, count) of the area in the periods, zeros included, leaving out
    crimes in the LSOAs ``exclude`` names."""
    periods = [before] + ([after] if after else [])

    def within(rows: ir.Table) -> ir.Table:
        kept = rows.filter(in_periods(rows, periods))
        if exclude:
            kept = kept.filter(kept.lsoa_code.fill_null("").notin(sorted(exclude)))
        return kept

    return monthly_counts(within(crimes), within(in_area(crimes, area)))


def _displacement_ring(
    crimes: ir.Table, design: Design
) -> tuple[Area, list[tuple[str, str, int]]] | None:
    """The ring within ``BUFFER_M`` of the area (outside it, and outside the comparison
    areas, which must not count twice), and its monthly counts. An LSOA area's outline is
    the convex hull of its crimes."""
    area = design.area
    if area.polygon is not None:
        shape = area.polygon
    else:
        rows = in_area(crimes, area)
        located = rows.filter(rows.longitude.notnull()).select("longitude", "latitude")
        points = sorted((row["longitude"], row["latitude"]) for row in fetch(located))
        if len(points) < 3:
            return None
        shape = shapely.MultiPoint(points).convex_hull
    per_lon = METRES_PER_DEGREE_LAT * max(math.cos(math.radians(shape.centroid.y)), 0.1)
    ring_shape = shape.buffer(BUFFER_M / per_lon).difference(shape)
    ring = Area(f"{BUFFER_M:,} m around {area.name}", frozenset(), "displacement ring", ring_shape)
    taken = area.codes.union(*(c.codes for c in design.comparisons))
    return ring, _monthly(crimes, ring, design.before, design.after, taken)


def _report(
    design: Design,
    series: dict[str, list[tuple[str, str, int]]],
    ring: tuple[Area, list[tuple[str, str, int]]] | None,
    flagged: list[str],
    months: list[str],
    phases: dict[str, Period],
) -> Evaluation:
    types = sorted({t for rows in series.values() for _, t, _ in rows})
    targeted = [t for t in design.targets]
    others = [t for t in types if t not in targeted]
    held = (_coverage(months, design.before)[0], _coverage(months, design.after)[0])
    drafts = {t: _fit(design, series, t, held) for t in [ALL, *targeted, *others]}
    families: list[tuple[str, list[str]]] = [("all crime", [ALL])]
    if targeted:
        families += [("targeted crime types", targeted), ("other crime types", others)]
    else:
        families.append(("crime types", others))
    results = [
        result
        for label, members in families
        for result in _judged(design, [drafts[t] for t in members], label)
    ]
    displacement: list[TypeResult] = []
    if ring is not None:
        ring_area, ring_rows = ring
        with_ring = {
            ring_area.name: ring_rows,
            **{c.name: series[c.name] for c in design.comparisons},
        }
        ring_design = Design(ring_area, design.comparisons, design.before, design.after)
        (checked,) = _judged(ring_design, [_fit(ring_design, with_ring, ALL, held)], "all crime")
        displacement = [replace(checked, text=_displacement_words(design, checked))]
    used = [m for m in flagged if m in design.before or m in design.after]
    warnings = [
        f"{m} is flagged by the data-quality check and is inside the evaluated periods; "
        "the figures that use it may be wrong (see `fortress place quality`)"
        for m in used
    ]
    for name, period in (("before", design.before), ("after", design.after)):
        have, wanted = _coverage(months, period)
        if have < wanted:
            warnings.append(
                f"the {name} period {period} has data for {have} of its {wanted} months; the "
                "model compares the months there are, and before and after are compared as "
                "crimes per month, but the periods are not what was asked"
            )
    return Evaluation(
        area=NamedArea(design.area.name, design.area.how),
        comparisons=tuple(NamedArea(c.name, c.how) for c in design.comparisons),
        before=design.before,
        after=design.after,
        months_in_data=tuple(months),
        targets=design.targets,
        phases=dict(phases),
        method=(
            "before and after as crimes per month with data; difference in differences from "
            "a Poisson model of monthly counts with an effect per area and per month, standard "
            "errors scaled by the Pearson dispersion (quasi-Poisson); 95% Wald interval; "
            "change = exp(b) - 1; a crime type is called changed only when its p-value passes "
            f"Benjamini-Hochberg at a false discovery rate of {FDR:g} across the types "
            "estimated"
            + (" (the targeted types a family of their own)" if targeted else "")
            + "; all crime is one test of its own"
        ),
        headline=_headline(design, results),
        results=tuple(results),
        displacement=tuple(displacement),
        series=_series(design, series),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True, slots=True)
class _Draft:
    """One type's figures before its family is judged."""

    crime_type: str
    before: int
    after: int
    months_before: int
    months_after: int
    naive: float | None
    effect: tuple[float, float, float, float] | None
    """(estimate, low, high, p)."""
    why_not: str
    """Why there is no estimate, in words (when there is none)."""


def _fit(
    design: Design,
    series: dict[str, list[tuple[str, str, int]]],
    crime_type: str,
    held: tuple[int, int],
) -> _Draft:
    """Before, after, the change in the monthly rate and the model's estimate for one type."""
    table = _table(series, crime_type, design)
    area = design.area.name
    mine = [row for row in table if row["area"] == area]
    before = sum(r["count"] for r in mine if not r["post"])
    after = sum(r["count"] for r in mine if r["post"])
    months_before, months_after = held
    naive = (
        (after / months_after) / (before / months_before) - 1
        if before and months_before and months_after
        else None
    )
    others = [row for row in table if row["area"] != area]
    theirs = (sum(r["count"] for r in others if not r["post"]),
              sum(r["count"] for r in others if r["post"]))  # fmt: skip
    draft = _Draft(crime_type, before, after, months_before, months_after, naive, None, "")
    rates = (
        f"{before:,} before ({_rate(before, months_before)} a month) and {after:,} after "
        f"({_rate(after, months_after)} a month) in {area}"
    )
    if min(before, after) < MIN_COUNT:
        return replace(draft, why_not=(
            f"{crime_type}: {rates}; too few crimes (under {MIN_COUNT} in a period) to "
            "estimate a change."
        ))  # fmt: skip
    if min(theirs) < MIN_COUNT:
        return replace(draft, why_not=(
            f"{crime_type}: {rates}, but {theirs[0]:,} before and {theirs[1]:,} after in the "
            f"comparison areas together; too few (under {MIN_COUNT} in a period) to say what "
            "would have happened without the campaign."
        ))  # fmt: skip
    fitted = _did(table, area)
    if fitted is None:
        return replace(draft, why_not=(
            f"{crime_type}: the campaign's months cannot be told apart from the area and month "
            f"effects in {area}, so no change can be estimated."
        ))  # fmt: skip
    return replace(draft, effect=fitted)


def _judged(design: Design, drafts: list[_Draft], family: str) -> list[TypeResult]:
    """The family's results: Benjamini-Hochberg adjusted p-values over the types with an
    estimate, and the words for each."""
    tested = [d for d in drafts if d.effect is not None]
    p_values = [d.effect[3] for d in tested if d.effect is not None]
    adjusted = dict(zip([d.crime_type for d in tested], bh_adjust(p_values), strict=True))
    results = []
    for d in drafts:
        base = TypeResult(
            crime_type=d.crime_type,
            targeted=d.crime_type in design.targets,
            before=d.before,
            after=d.after,
            months_before=d.months_before,
            months_after=d.months_after,
            before_per_month=round(d.before / d.months_before, 4) if d.months_before else 0.0,
            after_per_month=round(d.after / d.months_after, 4) if d.months_after else 0.0,
            naive_change=_round(d.naive),
            estimate=None,
            low=None,
            high=None,
            p_value=None,
            q_value=None,
            family=family,
            family_size=len(tested),
            significant=False,
            text=d.why_not,
        )
        if d.effect is None:
            results.append(base)
            continue
        estimate, low, high, p = d.effect
        q = adjusted[d.crime_type]
        judged = replace(
            base,
            estimate=_round(estimate),
            low=_round(low),
            high=_round(high),
            p_value=round(p, 6),
            q_value=round(q, 6),
            significant=q <= FDR,
        )
        results.append(replace(judged, text=_words(design, judged)))
    return results


def bh_adjust(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (in the order given): the smallest
    ``m * p_(k) / k`` over the ranks k at or above each one's, capped at 1. A test passes
    at false discovery rate q exactly when its adjusted p-value is at most q."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = running
    return adjusted


def _table(
    series: dict[str, list[tuple[str, str, int]]], crime_type: str, design: Design
) -> list[dict[str, Any]]:
    rows = []
    for name, monthly in series.items():
        per_month: dict[str, int] = {}
        for month, t, n in monthly:
            if crime_type in (ALL, t):
                per_month[month] = per_month.get(month, 0) + n
        for month, n in sorted(per_month.items()):
            post = design.after.first <= month <= design.after.last
            rows.append({"area": name, "month": month, "post": post, "count": n})
    return rows


def _did(table: list[dict[str, Any]], treated: str) -> tuple[float, float, float, float] | None:
    """The change in the campaign area after its start, beyond the area and month effects,
    as (estimate, low, high, p); None when the design cannot separate it."""
    rows = [
        (
            r["area"],
            r["month"],
            float(r["count"]),
            1.0 if r["area"] == treated and r["post"] else 0.0,
        )
        for r in table
    ]
    effect = regressor_effect(rows)
    if effect is None:
        return None
    return effect.factor - 1, effect.low - 1, effect.high - 1, effect.p_value


def _series(
    design: Design, series: dict[str, list[tuple[str, str, int]]]
) -> tuple[AreaSeries, ...]:
    """All crime per month of the area and each comparison over the evaluated months."""
    span = Period(design.before.first, design.after.last).months()
    shown = []
    for name, monthly in series.items():
        per_month: dict[str, int] = {}
        for month, _, n in monthly:
            per_month[month] = per_month.get(month, 0) + n
        counts = tuple(
            per_month.get(m) if (m in design.before or m in design.after) else None for m in span
        )
        base = [
            n for m, n in zip(span, counts, strict=True) if n is not None and m in design.before
        ]
        mean = sum(base) / len(base) if base else 0.0
        index = tuple(None if n is None or not mean else round(100 * n / mean, 2) for n in counts)
        role = "campaign" if name == design.area.name else "comparison"
        shown.append(AreaSeries(name, role, tuple(span), counts, index))
    return tuple(shown)


def _family_words(family: str, tested: int) -> str:
    return (
        f"the false discovery rate controlled at {FDR:.0%} across the {tested} {family} estimated"
    )


def _words(design: Design, r: TypeResult) -> str:
    """The sentence for one estimated type: a change only when it passes its family's
    Benjamini-Hochberg test (all crime: its own 95% test)."""
    assert r.estimate is not None and r.low is not None and r.high is not None
    against = ", ".join(c.name for c in design.comparisons)
    interval = f"95% CI {_pct(r.low)} to {_pct(r.high)}"
    raw = (
        f"; the raw change in crimes per month was {_pct(r.naive_change)} "
        f"({_rate(r.before, r.months_before)} to {_rate(r.after, r.months_after)})"
        if r.naive_change is not None
        else ""
    )
    single = r.family_size == 1 and r.family == "all crime"
    if single:
        judged = f"p {_p_value(r.p_value)}"
    else:
        judged = f"Benjamini-Hochberg adjusted p {_p_value(r.q_value)}, with " + _family_words(
            r.family, r.family_size
        )
    if r.significant:
        direction = "fell" if r.estimate < 0 else "rose"
        return (
            f"{r.crime_type} in {design.area.name} {direction} "
            f"{_pct(abs(r.estimate), sign=False)} ({interval}) relative to comparable areas "
            f"({against}), {design.before} against {design.after}{raw}; {judged}."
        )
    if r.low > 0 or r.high < 0:
        return (
            f"{r.crime_type} in {design.area.name}: the estimate is {_pct(r.estimate)} "
            f"({interval}) relative to comparable areas ({against}), but not a finding: with "
            f"{r.family_size} {r.family} tested at once, a result this size could arise by "
            f"chance ({judged}; it would need at most {FDR:g}){raw}."
        )
    return (
        f"The data cannot show a change in {r.crime_type.lower()} in {design.area.name} "
        f"relative to comparable areas ({against}): the estimate is {_pct(r.estimate)} and the "
        f"95% interval ({_pct(r.low)} to {_pct(r.high)}) includes no change ({judged}){raw}."
    )


def _headline(design: Design, results: list[TypeResult]) -> str:
    """One paragraph a reader can quote: the targeted types first when there are any."""
    by_family: dict[str, list[TypeResult]] = {}
    for r in results:
        by_family.setdefault(r.family, []).append(r)
    everything = by_family["all crime"][0]
    if everything.estimate is None:
        overall = "All crime: no estimate (" + everything.text.rstrip(".") + ")."
    elif everything.significant:
        direction = "fell" if everything.estimate < 0 else "rose"
        overall = (
            f"All crime {direction} {_pct(abs(everything.estimate), sign=False)} relative to "
            f"comparable areas (95% CI {_pct(everything.low)} to {_pct(everything.high)})."
        )
    else:
        overall = (
            f"All crime: no change the data can show (estimate {_pct(everything.estimate)}, "
            f"95% CI {_pct(everything.low)} to {_pct(everything.high)})."
        )
    parts = []
    for family, label in (("targeted crime types", "Targeted crime types"),
                          ("crime types", "Crime types"),
                          ("other crime types", "Other crime types")):  # fmt: skip
        members = by_family.get(family)
        if members is None:
            continue
        names = f" ({', '.join(r.crime_type for r in members)})" if family.startswith("t") else ""
        tested = [r for r in members if r.estimate is not None]
        changed = [r for r in tested if r.significant]
        if not tested:
            parts.append(f"{label}{names}: too few crimes to estimate a change in any.")
        elif not changed:
            parts.append(
                f"{label}{names}: no crime type changed detectably relative to comparable "
                f"areas, with {_family_words(family, len(tested))}."
            )
        else:
            moves = ", ".join(
                f"{r.crime_type.lower()} {'fell' if (r.estimate or 0) < 0 else 'rose'} "
                f"{_pct(abs(r.estimate or 0), sign=False)}"
                for r in changed
            )
            parts.append(
                f"{label}{names}: {len(changed)} of the {len(tested)} estimated changed "
                f"detectably relative to comparable areas, with "
                f"{_family_words(family, len(tested))}: {moves}."
            )
    if design.targets:
        return " ".join([parts[0], overall, *parts[1:]])
    return " ".join([overall, *parts])


def _displacement_words(design: Design, ring: TypeResult) -> str:
    around = f"within {BUFFER_M:,} m of {design.area.name} (outside it and the comparison areas)"
    if ring.estimate is None or ring.low is None or ring.high is None:
        return (
            f"Displacement could not be checked: {around} there were {ring.before:,} crimes "
            f"before ({_rate(ring.before, ring.months_before)} a month) and {ring.after:,} "
            f"after ({_rate(ring.after, ring.months_after)} a month), too few to compare."
        )
    interval = f"{_pct(ring.estimate)}, 95% CI {_pct(ring.low)} to {_pct(ring.high)}"
    if ring.low > 0:
        return (
            f"Possible displacement: crime {around} rose relative to comparable areas ({interval})."
        )
    if ring.high < 0:
        return (
            f"No displacement seen: crime {around} fell relative to comparable areas "
            f"({interval}), a diffusion of benefits rather than a move."
        )
    return f"No sign of displacement: crime {around} did not change detectably ({interval})."


def _rate(count: int, months: int) -> str:
    return f"{count / months:,.1f}" if months else "n/a"


def _pct(value: float | None, *, sign: bool = True) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:+.1f}%" if sign else f"{value * 100:.1f}%"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _p_value(p: float | None) -> str:
    """``= 0.042``, or ``< 0.001`` where three decimals would print a p-value as zero."""
    if p is None:
        return "not estimable"
    return "< 0.001" if p < 0.0005 else f"= {p:.3f}"
