"""Benchmark ingest into a workspace that already holds the 100M-event world: the check of
a new file's ids against every held event (the anti-join), beside DuckDB's read of the file.

The new file is the world's first simulated file (2,000,000 events) with each source-given
event id suffixed, so its ids are new but interleave with the held ones (ids that all sort
before or after the held ones would let DuckDB skip row groups by their range). Each run
ingests it into a fresh copy of the world's workspace whose Parquet files are hard links
(published files are never changed in place) and whose record database is a real copy, so
every run meets the same 100M held events. Writes the ``held`` section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench_lines import DOC, ensure_world
from common import DATA_DIR, Measured, Run, machine, run_child, table, write_section
from fortress.model.sql import literal

WORLD_EVENTS = 100_000_000


def new_file(root: Path) -> Path:
    """The world's first file with new ids that interleave with the held ones (cached)."""
    out = DATA_DIR / "held-new-2m.parquet"
    if not out.exists():
        first = sorted((root.parent / "world" / "comms").glob("*.parquet"))[0]
        duckdb.execute(
            f"COPY (SELECT * REPLACE (event_id || 'n' AS event_id) "
            f"FROM read_parquet({literal(first)})) TO {literal(out)} (FORMAT parquet)"
        )
    return out


def fresh_copy(root: Path) -> Path:
    """A copy of the workspace at ``root``: Parquet hard-linked, the rest copied."""
    copy = DATA_DIR / "held-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(
        root, copy, copy_function=_link_parquet, ignore=shutil.ignore_patterns("spill", "tmp")
    )
    for folder in ("spill", "tmp"):
        (copy / folder).mkdir(exist_ok=True)
    return copy


def _link_parquet(source: str, target: str) -> None:
    if source.endswith(".parquet"):
        Path(target).hardlink_to(source)
    else:
        shutil.copy2(source, target)


def bench(runs: int) -> tuple[Measured, Measured, int]:
    """Fortress's ingest into the held world and DuckDB's read of the file, alternating."""
    root = ensure_world(WORLD_EVENTS)
    path = new_file(root)
    held = int(run_child(["scan", str(root), "event_id"]).facts.get("rows", 0) or 0)
    fortress: list[Run] = []
    duck: list[Run] = []
    for index in range(1, runs + 1):
        duck.append(run_child(["duckdb-read", str(path)]))
        copy = fresh_copy(root)
        try:
            fortress.append(run_child(["fortress", str(path), str(copy)]))
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        accepted = fortress[-1].facts["accepted"]
        print(f"  run {index}/{runs}: Fortress {fortress[-1].seconds:.1f} s ({accepted:,} "
              f"accepted), DuckDB read {duck[-1].seconds:.2f} s", flush=True)  # fmt: skip
    rows = int(duck[0].facts["rows"])
    return (
        Measured("Fortress `ingest_comms` into the held world", rows, fortress),
        Measured("DuckDB `read_parquet` of the file", rows, duck),
        held,
    )


def markdown(fortress: Measured, duck: Measured, held: int, seconds: float) -> str:
    """The section of ``docs/benchmarks.md``."""
    ratio = duck.seconds / fortress.seconds
    rows = [
        [m.label, f"{m.seconds:.2f}", f"{m.peak_rss_mb:,.0f}", m.spread] for m in (fortress, duck)
    ]
    accepted = {int(run.facts["accepted"]) for run in fortress.runs}
    return "\n".join(
        [
            "## Ingest into a workspace holding 100M events",
            "",
            f"Measured by `benchmarks/bench_held.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
            f"in {seconds:.0f} s ({machine()['CPU']}, "
            f"{machine()['cores available']} cores). Reproduce: "
            "`.venv/bin/python benchmarks/bench_held.py` (builds the 100M world on first use).",
            "",
            f"A Parquet file of {fortress.rows:,} events (the world's first simulated file, "
            "each id suffixed so that the ids are new but interleave with the held ones) "
            f"ingested into a copy of the 100M world's workspace ({held:,} events held), with "
            "every guarantee on; each run on a fresh copy, in a fresh process, median of "
            f"{len(fortress.runs)}; events accepted in each run: "
            f"{', '.join(f'{a:,}' for a in sorted(accepted))}.",
            "",
            table(["what", "median s", "peak RSS MiB", "runs (s)"], rows),
            "",
            f"Target (issue #17, target 1, into a workspace already holding 100M events): "
            f"ingest at 0.5x DuckDB's read or better. Measured: {ratio:.2f}x, "
            + ("met." if ratio >= 0.5 else "**not met**."),
        ]
    )


def main() -> None:
    """Measure and write the section."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    started = time.perf_counter()
    fortress, duck, held = bench(args.runs)
    section = markdown(fortress, duck, held, time.perf_counter() - started)
    write_section(section, args.out, "held")
    print(section)


if __name__ == "__main__":
    main()
