"""Synthetic county-lines worlds with ground truth.

``simulate`` writes the files an analyst would bring (comms records in the canonical layout,
a cell-site table) and a ground-truth file describing every deal line, cuckooed address and
legitimate bulk sender. See docs/synthetic-world.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fortress.simulate.crime import write_crime
from fortress.simulate.profile import (
    CLASSIC,
    PROFILES,
    BehaviourProfile,
    draw_profile,
    resolve_profile,
)
from fortress.simulate.truth import build_truth, write_truth
from fortress.simulate.world import (
    PRESETS,
    VARIANTS,
    Tally,
    day_chunks,
    default_days,
    plan_world,
    target_events,
)
from fortress.simulate.writer import FORMATS, CommsWriter, Directories, write_cells

__all__ = [
    "CLASSIC",
    "FORMATS",
    "PRESETS",
    "PROFILES",
    "BehaviourProfile",
    "SimulationSummary",
    "draw_profile",
    "simulate",
]


@dataclass(frozen=True)
class SimulationSummary:
    """What a simulation wrote."""

    out_dir: Path
    seed: int
    scale: str | int
    events: int
    people: int
    lines: int
    files: list[Path]
    ground_truth: Path
    start_date: date
    end_date: date
    fmt: str
    crime_files: list[Path] = field(default_factory=list)
    """With ``crime=True``: the synthetic police.uk street-crime files (``crime.py``)."""
    profile: str = "classic"
    """The behaviour profile's name (its values are in the ground-truth file)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (paths and dates as strings)."""
        return {
            "out_dir": str(self.out_dir),
            "seed": self.seed,
            "scale": self.scale,
            "events": self.events,
            "people": self.people,
            "lines": self.lines,
            "files": [str(p) for p in self.files],
            "ground_truth": str(self.ground_truth),
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "format": self.fmt,
            "crime_files": [str(p) for p in self.crime_files],
            "profile": self.profile,
        }


def simulate(
    out_dir: Path,
    *,
    seed: int = 1,
    scale: str | int = "demo",
    fmt: str = "parquet",
    start_date: date = date(2025, 1, 6),
    days: int | None = None,
    progress: Callable[[int], None] | None = None,
    variant: str = "default",
    crime: bool = False,
    profile: str | BehaviourProfile = "drawn",
) -> SimulationSummary:
    """Generate a synthetic world into ``out_dir`` and return a summary.

    Args:
        out_dir: directory to write into (created if needed). ``comms/part-*`` files,
            ``cells.csv`` and ``ground_truth.json`` left by an earlier run are replaced.
        seed: non-negative seed; the same seed and arguments give byte-identical files.
        scale: ``"demo"`` (~50k events), ``"small"`` (~1M), ``"medium"`` (~10M),
            ``"large"`` (~100M), or a target event count (met within about 10%).
        fmt: ``"parquet"`` or ``"csv"`` for the comms files.
        start_date: first (local) day of the world.
        days: length in days; by default 28, 56, 91 or 182 days depending on the scale.
        progress: called after each day with the number of events generated so far.
        variant: ``"default"`` or ``"hard"`` (smaller lines, three times the legitimate
            bulk senders, rival lines sharing half their customers).
        crime: also write two years of synthetic police.uk street-crime files for the
            world's towns, with a campaign in the first line's town (``crime.py``).
        profile: the world's behaviour profile (``profile.py``): ``"drawn"`` (the
            default: every parameter drawn from documented ranges with the seed, so no two
            seeds share the same habits), ``"classic"`` (the behaviour worlds had before
            profiles: the same files for the same seed as then), or a
            ``BehaviourProfile``. Orthogonal to ``variant``.

    Returns:
        A ``SimulationSummary`` of the files written and the world's size.
    """
    if seed < 0:
        raise ValueError("seed must be non-negative")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; use one of {sorted(VARIANTS)}")
    behaviour = resolve_profile(profile, seed)
    target = target_events(scale)
    length = default_days(target) if days is None else days
    if length < 1:
        raise ValueError("days must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = plan_world(seed, target, start_date, length, VARIANTS[variant], behaviour)
    dirs = Directories.create(world.numbers, world.imsis, world.imeis, world.cells.cell_ids)
    writer = CommsWriter(out_dir, fmt, seed, dirs)
    tally = Tally()
    try:
        for chunk in day_chunks(world, tally):
            writer.write(chunk)
            if progress is not None:
                progress(tally.total)
    finally:
        files = writer.close()
    cells_path = write_cells(out_dir, world.cells)
    crime_files: list[Path] = []
    if crime:
        towns = sorted({line.town for line in world.lines})
        crime_files, _campaign = write_crime(out_dir, world.cells, towns, world.cal.start, seed)
    truth_path = write_truth(out_dir, build_truth(world, scale, tally, files, out_dir))
    return SimulationSummary(
        out_dir=out_dir,
        seed=seed,
        scale=scale,
        events=tally.total,
        people=world.pop.size,
        lines=len(world.lines),
        files=[*files, cells_path],
        ground_truth=truth_path,
        start_date=world.cal.start,
        end_date=world.cal.end,
        fmt=fmt,
        crime_files=crime_files,
        profile=behaviour.name,
    )
