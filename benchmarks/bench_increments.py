"""Benchmark detection after one new day of events: the kept wave step and tallies
extended by the day's file, against a run from scratch over the same files (issue #17,
target 3).

Each world (seed 1, classic profile, as ``bench_lines.py`` simulates it) is ingested into
its own cached workspace ``benchmarks/data/increments-<events>/ws`` without its last day,
detected once (which keeps the wave step and the tallies), and what it kept saved aside;
then the last day is ingested as one more file. Each run then restores what was saved and
runs ``lines detect`` (extending it by the day), and alternately runs it from scratch; both in
fresh processes (``measure.py``). The two runs' stored results are compared whole
(``fortress.comms.fingerprint``). Target: the run after a new day in under 10 % of the
time of a run from scratch, with the same result.
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench_lines import DOC, ingest_file, simulated_world
from common import DATA_DIR, Measured, Run, machine, run_child, table, write_section
from fortress.comms.fingerprint import differences, fingerprint
from fortress.comms.lines import KEPT_FOLDERS
from fortress.ingest.cells import ingest_cells
from fortress.store.workspace import Workspace

DONE = ".ready"
SAVED = "kept-before-last-day"


@dataclass(frozen=True)
class IncrementResult:
    """Runs after the last day, extended and from scratch, on one world."""

    events: int
    day_events: int
    extended: Measured
    scratch: Measured
    same: list[str]
    """Differences between the stored results of an extended run and a run from scratch."""

    @property
    def share(self) -> float:
        """The extended run's time as a share of the run from scratch."""
        return self.extended.seconds / self.scratch.seconds


def ensure_workspace(events: int) -> Path:
    """The world's workspace without its last day, its kept wave step and tallies saved
    aside (``SAVED``), and then the last day ingested as one more file."""
    folder = DATA_DIR / f"increments-{events}"
    root = folder / "ws"
    if (folder / DONE).exists():
        return root
    shutil.rmtree(folder, ignore_errors=True)
    world = simulated_world(events)
    workspace = Workspace.open(root)
    days = folder / "days"
    days.mkdir(parents=True)
    parts = sorted((world / "comms").glob("*.parquet"))
    # Parts are written in time order: the last holds the latest event.
    latest = pc.max(pq.read_table(parts[-1], columns=["start"])["start"])
    last_day = pc.floor_temporal(latest, unit="day")
    held, later = [], []
    for path in parts:
        start = pq.read_table(path, columns=["start"])["start"]
        if not pc.any(pc.greater_equal(start, last_day)).as_py():
            held.append(path)
            continue
        events_of_file = pq.read_table(path)
        on_last = pc.greater_equal(events_of_file["start"], last_day)
        earlier = events_of_file.filter(pc.invert(on_last))
        if earlier.num_rows:
            held.append(_write(earlier, days / f"{path.stem}-before.parquet"))
        later.append(events_of_file.filter(on_last))
    for path in held:
        ingest_file(workspace, path)
    ingest_cells(workspace, world / "cells.csv")
    run_child(["lines-detect", str(root)])  # keeps its steps over every day but the last
    for kept in KEPT_FOLDERS:
        shutil.copytree(root / kept, folder / SAVED / kept.name)
    ingest_file(workspace, _write(pa.concat_tables(later), days / "last-day.parquet"))
    (folder / DONE).write_text("ready\n", encoding="utf-8")
    return root


def _write(events: pa.Table, path: Path) -> Path:
    pq.write_table(events, path)
    return path


def bench(events: int, runs: int) -> IncrementResult:
    """``runs`` extended runs and as many from scratch, alternating."""
    root = ensure_workspace(events)
    saved = root.parent / SAVED
    extended: list[Run] = []
    scratch: list[Run] = []
    for index in range(1, runs + 1):
        for kept in KEPT_FOLDERS:
            shutil.rmtree(root / kept, ignore_errors=True)
            shutil.copytree(saved / kept.name, root / kept)
        extended.append(run_child(["lines-detect-kept", str(root)]))
        scratch.append(run_child(["lines-detect", str(root)]))
        print(
            f"  {events:,} events run {index}/{runs}: extended {extended[-1].seconds:.1f} s "
            f"({extended[-1].facts['wave_step']}), from scratch {scratch[-1].seconds:.1f} s",
            flush=True,
        )
    workspace = Workspace.open(root)
    same = differences(
        fingerprint(workspace, extended[-1].facts["run_id"]),
        fingerprint(workspace, scratch[-1].facts["run_id"]),
    )
    rows = int(scratch[0].facts["rows"])
    day = pq.read_metadata(root.parent / "days" / "last-day.parquet").num_rows
    return IncrementResult(
        events=rows,
        day_events=day,
        extended=Measured("after the last day: what was kept extended", rows, extended),
        scratch=Measured("from scratch over the same files", rows, scratch),
        same=same,
    )


def _median_stage(measured: Measured, stage: str) -> float:
    """The median over ``measured``'s runs of one stage's own time."""
    times = sorted(float(run.facts["stages"].get(stage, 0.0)) for run in measured.runs)
    return times[len(times) // 2]


def markdown(results: list[IncrementResult], seconds: float) -> str:
    """The section of ``docs/benchmarks.md``."""
    now = datetime.now(UTC)
    stages = list(results[0].scratch.runs[0].facts["stages"]) if results else []
    rows = []
    for r in results:
        for m in (r.extended, r.scratch):
            rows.append(
                [
                    f"{r.events:,}",
                    m.label,
                    f"{m.seconds:.1f}",
                    *(f"{_median_stage(m, stage):.1f}" for stage in stages),
                    f"{m.peak_rss_mb:,.0f}",
                    m.spread,
                ]
            )
    targets = [
        [
            f"{r.events:,} (+{r.day_events:,} on the last day)",
            f"{r.share:.0%}",
            "met" if r.share < 0.10 else "**not met**",
            "identical" if not r.same else f"**{len(r.same)} differences**: {r.same[0]}",
        ]
        for r in results
    ]
    return "\n".join(
        [
            "## Detection after a new day of events",
            "",
            f"Measured by `benchmarks/bench_increments.py` on {now:%Y-%m-%d %H:%M} UTC in "
            f"{seconds / 60:.0f} minutes ({machine()['CPU']}, "
            f"{machine()['cores available']} cores). Reproduce: "
            "`.venv/bin/python benchmarks/bench_increments.py`.",
            "",
            "The world of `bench_lines.py` ingested without its last day and detected once "
            "(keeping the wave step, `comms/increments.py`, the tallies over every event, "
            "`comms/tallies.py`, and the contacts fetched, `comms/kept_contacts.py`); then "
            "the last day ingested as one more file. Each run "
            "restores what that run kept and runs `lines detect`, which extends it by the "
            "day's file; alternately, `lines detect` from scratch over the "
            "same files. Fresh processes, median of the runs; the results of the last two "
            "runs compared whole (every score, evidence text, figure, line and person).",
            "",
            "Each stage's own time is the median over the runs (`lines detect` reports it).",
            "",
            table(
                [
                    "events",
                    "run",
                    "median s",
                    *(f"{stage}, s" for stage in stages),
                    "peak RSS MiB",
                    "runs (s)",
                ],
                rows,
            ),
            "",
            "Target 3 of issue #17: the run after one new day in under 10 % of a run from "
            "scratch, with the same result.",
            "",
            table(["events", "extended / from scratch", "under 10 %", "result"], targets),
        ]
    )


def main() -> None:
    """Build the workspaces if needed, measure, and write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="10000000,100000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    started = time.perf_counter()
    results = [bench(int(n), args.runs) for n in args.events.split(",")]
    section = markdown(results, time.perf_counter() - started)
    write_section(section, args.out, "increments")
    print(section)


if __name__ == "__main__":
    main()
