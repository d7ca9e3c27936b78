"""Benchmark ``fortress lines detect`` on simulated worlds of 10M and 100M events, and the
bulk-message (wave) step against the same step written by hand as one DuckDB query.

Worlds are simulated once (seed 1) and ingested into a workspace cached in
``benchmarks/data/world-<events>/`` (git-ignored); every measurement then runs in a fresh
process (``measure.py``). Targets (the deal-lines issue): detection under 5 minutes and
8 GB peak at 100M events; the wave step within 1.5x of the hand-written query.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common import DATA_DIR, REPO, Measured, Run, machine, run_child, table, write_section
from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.simulate import simulate
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace

DONE = ".ingested"
DOC = REPO / "docs" / "benchmarks.md"


def ensure_world(events: int) -> Path:
    """The workspace of a simulated world of ``events`` events (built once, then reused)."""
    folder = DATA_DIR / f"world-{events}"
    root = folder / "ws"
    if (folder / DONE).exists():
        return root
    started = time.perf_counter()
    # The classic profile: the world these figures have always been measured on.
    simulate(folder / "world", seed=1, scale=events, fmt="parquet", profile="classic")
    workspace = Workspace.open(root)
    for path in sorted((folder / "world" / "comms").glob("*.parquet")):
        summary = ingest_comms(workspace, path, spec=preset("canonical"))
        if not summary.ok:
            raise RuntimeError(f"{path}: {summary.error}")
    ingest_cells(workspace, folder / "world" / "cells.csv")
    (folder / DONE).write_text(f"{time.perf_counter() - started:.0f} s\n", encoding="utf-8")
    return root


@dataclass(frozen=True)
class LinesResult:
    """Measurements on one world."""

    events: int
    built: str
    """How long the world took to build (simulate and ingest), when it was built."""
    detect: Measured
    waves: Measured
    hand: Measured

    @property
    def wave_ratio(self) -> float:
        """Fortress's wave step time over the hand-written query's."""
        return self.waves.seconds / self.hand.seconds


def bench_world(events: int, runs: int) -> LinesResult:
    """Detection, and the wave step against its hand-written twin, ``runs`` times each,
    alternating so that both see the same machine state."""
    root = ensure_world(events)
    detect: list[Run] = []
    waves: list[Run] = []
    hand: list[Run] = []
    for index in range(1, runs + 1):
        hand.append(run_child(["waves-duckdb", str(root)]))
        waves.append(run_child(["waves-fortress", str(root)]))
        detect.append(run_child(["lines-detect", str(root)]))
        print(
            f"  {events:,} events run {index}/{runs}: detect {detect[-1].seconds:.1f} s "
            f"({detect[-1].peak_rss_mb:,.0f} MiB), waves {waves[-1].seconds:.1f} s, "
            f"hand-written {hand[-1].seconds:.1f} s",
            flush=True,
        )
    rows = int(detect[0].facts["rows"])
    return LinesResult(
        events=rows,
        built=(root.parent / DONE).read_text(encoding="utf-8").strip(),
        detect=Measured("`fortress lines detect` (detection, roles, safeguarding)", rows, detect),
        waves=Measured("wave step, Fortress (Ibis)", rows, waves),
        hand=Measured("wave step, hand-written DuckDB SQL", rows, hand),
    )


def _build_times(results: list[LinesResult]) -> str:
    """How long each world took to simulate and ingest, as recorded when it was built."""
    built = "; ".join(f"{r.events:,} events {r.built}" for r in results)
    return f"World builds (simulate, then ingest file by file): {built}."


def markdown(results: list[LinesResult], seconds: float) -> str:
    """The section of ``docs/benchmarks.md``."""
    rows = []
    for r in results:
        for m in (r.detect, r.waves, r.hand):
            rows.append(
                [
                    f"{r.events:,}",
                    m.label,
                    f"{m.seconds:.1f}",
                    f"{m.peak_rss_mb:,.0f} / {m.max_peak_rss_mb:,.0f}",
                    m.spread,
                ]
            )
    targets = []
    for r in results:
        targets.append(
            [
                f"{r.events:,}",
                f"{r.detect.seconds / 60:.1f} min, {r.detect.max_peak_rss_mb / 1024:.1f} GiB peak",
                f"{r.wave_ratio:.2f}x the hand-written query",
            ]
        )
    facts = ", ".join(
        f"{r.events:,} events: {r.detect.runs[0].facts.get('lines_found')} lines, "
        f"{r.detect.runs[0].facts.get('numbers_scored')} numbers scored"
        for r in results
    )
    return "\n".join(
        [
            "## Deal-line detection",
            "",
            f"Measured by `benchmarks/bench_lines.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} "
            f"UTC in {seconds / 60:.0f} minutes, on the machine described above "
            f"({machine()['CPU']}, {machine()['cores available']} cores). Reproduce: "
            "`.venv/bin/python benchmarks/bench_lines.py` (builds the worlds on first use).",
            "",
            "Simulated worlds (seed 1), ingested once into a cached workspace; each "
            "measurement in a fresh process, median of the runs. The hand-written baseline "
            "is the wave step (bursts by gap, distinct recipients, thresholds) as one DuckDB "
            "query over the same Parquet files with the same 4 GB memory cap; it skips the "
            "local clock and the per-party flag checks that Fortress's step does, and it "
            "puts every message in time order, where Fortress first keeps only the senders "
            "that texted three different numbers within two gaps (an exact filter: "
            "`docs/methods/deal-lines.md`), counting distinct recipients only in the blocks "
            "of three slots with enough messages. "
            f"Found: {facts}. {_build_times(results)}",
            "",
            table(["events", "what", "median s", "peak RSS MiB (median / max)", "runs (s)"], rows),
            "",
            "Targets: detection at 100M events under 5 minutes and 8 GB; wave step within "
            "1.5x of the hand-written query.",
            "",
            table(["events", "detection", "wave step"], targets),
        ]
    )


def main() -> None:
    """Build the worlds if needed, measure, and write the section of the benchmarks page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="10000000,100000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    sizes = [int(n) for n in args.events.split(",")]
    if args.build_only:
        for n in sizes:
            print(ensure_world(n))
        return
    started = time.perf_counter()
    results = [bench_world(n, args.runs) for n in sizes]
    section = markdown(results, time.perf_counter() - started)
    write_section(section, args.out, "lines")
    print(section)


if __name__ == "__main__":
    main()
