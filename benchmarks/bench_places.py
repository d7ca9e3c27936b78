"""Benchmark the places workflow on the 16 real Hampshire months (the places issue's target:
ingest, summary, hot spots and an evaluation under 20 s in total), beside a plain pandas
computation of the same counts.

Fortress, each run in a fresh workspace: ingest the 16 street files and the 4 stop-and-search
files; `place summary --area Gosport`; `place hotspots` for Gosport, January-April 2024
against January-April 2025; `place evaluate` of Gosport over the same periods against
Havant, Fareham and Portsmouth. pandas: read the 16 street CSVs and count the same things
(Gosport per month and type; the four areas' counts per type in the two periods). Both in
this process, alternating, median of the runs. Needs ``../shared/data/policeuk``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from common import REPO, machine, table, write_section
from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.evaluate import evaluate
from fortress.places.hotspot_map import find_hotspots
from fortress.places.periods import Period
from fortress.places.summary import area_summary
from fortress.store.workspace import Workspace

DOC = REPO / "docs" / "benchmarks.md"
POLICEUK = REPO.parent / "shared" / "data" / "policeuk"
BEFORE, AFTER = Period.parse("2024-01..2024-04"), Period.parse("2025-01..2025-04")
AREAS = ("Gosport", "Havant", "Fareham", "Portsmouth")


def fortress_run(folder: Path) -> dict[str, float]:
    """The whole workflow in a fresh workspace; seconds per step."""
    root = folder / "ws"
    shutil.rmtree(root, ignore_errors=True)
    workspace = Workspace.open(root)
    steps: dict[str, float] = {}
    clock = time.perf_counter()
    files = sorted((POLICEUK / "hampshire_street").glob("*.csv"))
    files += sorted((POLICEUK / "hampshire_stop_and_search").glob("*.csv"))
    for path in files:
        if not ingest_policeuk(workspace, path).ok:
            raise RuntimeError(f"{path} was refused")
    steps["ingest (20 files)"] = time.perf_counter() - clock
    for name, work in (
        ("summary", lambda: area_summary(workspace, "Gosport")),
        ("hot spots", lambda: find_hotspots(workspace, "Gosport", [BEFORE, AFTER])),
        (
            "evaluation",
            lambda: evaluate(workspace, "Gosport", BEFORE, AFTER, compare=list(AREAS[1:])),
        ),
    ):
        clock = time.perf_counter()
        work()
        steps[name] = time.perf_counter() - clock
    steps["total"] = sum(steps.values())
    return steps


def pandas_run() -> dict[str, float]:
    """The same counts, plainly: read every street CSV, count by month, area and type."""
    clock = time.perf_counter()
    frames = [pd.read_csv(path) for path in sorted((POLICEUK / "hampshire_street").glob("*.csv"))]
    crimes = pd.concat(frames, ignore_index=True)
    crimes["area"] = crimes["LSOA name"].str.extract(r"^(.*) \d{3}[A-Z]$", expand=False)
    gosport = crimes[crimes["area"] == "Gosport"]
    gosport.groupby(["Month", "Crime type"]).size()
    chosen = crimes[crimes["area"].isin(AREAS)]
    for period in (BEFORE, AFTER):
        inside = chosen["Month"].between(period.first, period.last)
        chosen[inside].groupby(["area", "Crime type"]).size()
    return {"total": time.perf_counter() - clock}


def timed(runs: int, work: Callable[[], dict[str, float]]) -> list[dict[str, float]]:
    return [work() for _ in range(runs)]


def main() -> None:
    """Measure and write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    if not POLICEUK.is_dir():
        raise SystemExit(f"{POLICEUK} is missing: this benchmark reads the real police.uk files")
    started = time.perf_counter()
    mine: list[dict[str, float]] = []
    plain: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.runs):
            mine.append(fortress_run(Path(folder)))
            plain.append(pandas_run())
            print(f"  fortress {mine[-1]['total']:.2f} s, pandas {plain[-1]['total']:.2f} s",
                  flush=True)  # fmt: skip
    section = markdown(args.runs, mine, plain, time.perf_counter() - started)
    write_section(section, args.out, "places")
    print(section)


def markdown(
    runs: int, mine: list[dict[str, float]], plain: list[dict[str, float]], seconds: float
) -> str:
    """The section of ``docs/benchmarks.md``."""
    info = machine()
    rows: list[list[Any]] = []
    for step in mine[0]:
        values = [run[step] for run in mine]
        rows.append([f"Fortress: {step}", f"{statistics.median(values):.2f}",
                     ", ".join(f"{v:.2f}" for v in values)])  # fmt: skip
    base = [run["total"] for run in plain]
    spread = ", ".join(f"{v:.2f}" for v in base)
    label = "pandas: read the 16 street CSVs and count the same things"
    rows.append([label, f"{statistics.median(base):.2f}", spread])
    total = statistics.median(run["total"] for run in mine)
    ratio = total / statistics.median(base)
    return "\n".join(
        [
            "## Places",
            "",
            f"Measured by `benchmarks/bench_places.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
            f"in {seconds:.0f} s ({info['CPU']}, {info['cores available']} cores); "
            f"median of {runs} runs in one process, alternating with the pandas baseline. Data: "
            "the 16 real Hampshire street-crime months (219,034 rows) and 4 stop-and-search "
            "months (5,168 rows). Fortress ingests into a fresh workspace each run (header "
            "checks, typing, rejects, provenance), then summarises Gosport, finds its hot spots "
            "in two periods and evaluates it against Havant, Fareham and Portsmouth; pandas "
            "only reads the street files and counts.",
            "",
            table(["what", "median s", "runs (s)"], rows),
            "",
            f"Target: the whole workflow under 20 s: {total:.1f} s, "
            f"{'met' if total < 20 else 'missed'}; {ratio:.1f}x the pandas counting.",
        ]
    )


if __name__ == "__main__":
    main()
