"""Benchmark ``ingest comms --on-spark`` against ingesting the same drop one file after
another, on each engine of ``bench_scale.py``: Spark local (both cores), and the loopback
cluster with one worker of two cores and with two workers of one core.

The drop is the comms files of a cached simulated world (``benchmarks/data/world-<events>``,
as ``bench_lines.py`` builds it: one Parquet file per 2M events). Each run ingests the whole
drop into a fresh workspace in a child process; the Spark runs include starting the
session (the cluster itself is started before and stopped after). Per engine: the median
wall time of the runs, events per second, the ratio to one file after another (the
baseline, measured in the same script), the driver's peak RSS, and each Spark JVM's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_lines import ensure_world
from bench_scale import ENGINES, engine_env, sampling_jvms
from common import DATA_DIR, REPO, Run, machine, run_child, table, write_section

DOC = REPO / "docs" / "benchmarks.md"
BASELINE = "duckdb"


def bench(engine: str, files: list[Path], runs: int, scratch: Path) -> list[tuple[Run, str]]:
    """``runs`` ingests of ``files`` on ``engine`` (``duckdb``: one after another)."""
    found = []
    for index in range(1, runs + 1):
        root = scratch / "ws"
        shutil.rmtree(root, ignore_errors=True)
        mode = "duckdb" if engine == BASELINE else "spark"
        with engine_env(engine, scratch) as env, sampling_jvms(scratch) as jvms:
            run = run_child(["ingest-drop", str(root), mode, *map(str, files)], env=env)
        if run.facts["errors"]:
            raise RuntimeError(f"{engine}: files refused: {run.facts['errors']}")
        peaks = ", ".join(f"{role} {mib:,.0f}" for role, mib in jvms.roles().items()) or "none"
        found.append((run, peaks))
        print(f"  {engine} run {index}/{runs}: {run.seconds:.1f} s, "
              f"{run.facts['accepted']:,} events, JVMs {peaks}", flush=True)  # fmt: skip
    return found


def markdown(
    events: int, files: int, results: dict[str, list[tuple[Run, str]]], minutes: float
) -> str:
    """The page's section (``minutes``: how long the whole measurement took)."""
    where = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    base = statistics.median(run.seconds for run, _ in results[BASELINE])
    rows = []
    for engine, found in results.items():
        median = statistics.median(run.seconds for run, _ in found)
        rows.append([
            "one file after another" if engine == BASELINE else f"--on-spark, {engine}",
            str(len(found)), f"{median:.1f}", ", ".join(f"{r.seconds:.1f}" for r, _ in found),
            f"{events / median:,.0f}", f"{median / base:.2f}x",
            f"{max(r.peak_rss_mb for r, _ in found):,.0f}", found[-1][1],
        ])  # fmt: skip
    header = ["how", "runs", "median s", "each run s", "events/s", "vs one after another",
              "driver peak MiB", "Spark JVMs peak MiB (last run)"]  # fmt: skip
    return "\n".join([
        "## Ingest of a drop on Spark (`bench_ingest_spark.py`)",
        "",
        f"Measured by `benchmarks/bench_ingest_spark.py` on {when} UTC in {minutes:.0f} "
        "minutes. Reproduce: `.venv/bin/python benchmarks/bench_ingest_spark.py` (builds "
        "the world on first use).",
        "",
        f"Machine: {where['CPU']}, {where['cores available']} cores, {where['RAM']}. "
        f"A drop of {files} Parquet files holding {events:,} events (a simulated "
        "world), ingested into a fresh workspace each way; the Spark runs include "
        "starting the session, not the cluster. Each file is one task, so at most as "
        "many files run at once as the engine has cores (2 here). The driver's peak is "
        "its Python process; the Python workers that ingest the files on the executors "
        "are not measured.",
        "",
        table(header, rows),
    ])  # fmt: skip


def main() -> None:
    """Measure each way and write the page's section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default=",".join((BASELINE, *ENGINES[1:])))
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    world = ensure_world(args.events).parent / "world" / "comms"
    files = sorted(world.glob("*.parquet"))
    scratch = Path(tempfile.mkdtemp(prefix="bench-ingest-spark-", dir=DATA_DIR))
    started = time.perf_counter()
    results: dict[str, list[tuple[Run, str]]] = {}
    try:
        for engine in args.engines.split(","):
            results[engine] = bench(engine, files, args.runs, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    events = int(results[BASELINE][0][0].facts["accepted"])
    section = markdown(events, len(files), results, (time.perf_counter() - started) / 60)
    write_section(section, args.out, "ingest-spark")
    print(section)


if __name__ == "__main__":
    main()
