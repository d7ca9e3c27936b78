"""Benchmark the table of many numbers' profiles (``fortress numbers profiles``) against the
least any per-number table costs, and against profiling the numbers one by one.

Data: the canonical benchmark file of ``make_data.py`` (2,000,000 events by default, over
its pool of 200,000 synthetic subscribers), ingested once into a workspace cached in
``benchmarks/data/profiles-<events>/``. In one process, alternating, ``--runs`` times each:

* the table: ``profile_table`` over every number with calls or texts, executed to Arrow;
* the baseline: one aggregate of the same ``contacts`` rows by number (records, first and
  last), the floor of any one-query table of per-number figures;
* one by one: ``profile_number`` for ``--single`` numbers spread over the table, whose
  median time times the table's numbers estimates profiling them all that way.

The medians and their ratio go to ``docs/benchmarks.md`` ("Profiles of many numbers").
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import ibis

from common import DATA_DIR, REPO, machine, table, write_section
from fortress.comms.events import contacts
from fortress.comms.lines import workspace_tables
from fortress.comms.profile_table import COLUMNS, profile_table
from fortress.comms.profiles import period, profile_number
from fortress.ingest.comms import ingest_comms
from fortress.model import columns as c
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace
from make_data import ensure_parquet

DOC = REPO / "docs" / "benchmarks.md"
DONE = ".ingested"


def ensure_workspace(events: int) -> Path:
    """A workspace holding the canonical benchmark file of ``events`` events."""
    folder = DATA_DIR / f"profiles-{events}"
    if not (folder / DONE).exists():
        summary = ingest_comms(Workspace.open(folder / "ws"), ensure_parquet(events),
                               spec=preset("canonical"))  # fmt: skip
        if not summary.ok:
            raise RuntimeError(str(summary.error))
        (folder / DONE).write_text(f"{summary.accepted} events\n", encoding="utf-8")
    return folder / "ws"


def _seconds(work: object) -> float:
    started = time.perf_counter()
    assert callable(work)
    work()
    return time.perf_counter() - started


def bench(events: int, runs: int, single: int) -> str:
    """Measure and return the Markdown section."""
    root = ensure_workspace(events)
    workspace = Workspace.open(root)
    comms, _ = workspace_tables(workspace)
    every_day = period(None, None)
    mine = contacts(comms, common=(c.START_UTC,))
    baseline = mine.group_by("number").aggregate(
        records=mine.count(), first=mine[c.START_UTC].min(), last=mine[c.START_UTC].max()
    )
    rows = profile_table(comms, every_day).to_pyarrow()
    numbers = sorted(rows["number"].to_pylist())
    tables, floors = [], []
    for index in range(runs):
        floors.append(_seconds(lambda: baseline.to_pyarrow()))
        tables.append(_seconds(lambda: profile_table(comms, every_day).to_pyarrow()))
        print(f"  run {index + 1}/{runs}: table {tables[-1]:.2f} s, baseline {floors[-1]:.2f} s")
    chosen = numbers[:: max(1, len(numbers) // single)][:single]
    one_by_one = [_seconds(lambda n=n: profile_number(workspace, n, every_day)) for n in chosen]
    return _markdown(events, len(numbers), tables, floors, one_by_one)


def _markdown(
    events: int, numbers: int, tables: list[float], floors: list[float], singles: list[float]
) -> str:
    table_s, floor_s, single_s = (statistics.median(x) for x in (tables, floors, singles))
    facts = machine()
    rows = [
        [f"profile table ({len(COLUMNS)} columns, every number)", f"{table_s:.2f} s",
         ", ".join(f"{t:.2f}" for t in tables), f"{table_s / floor_s:.1f}x"],
        ["baseline: records, first and last per number", f"{floor_s:.2f} s",
         ", ".join(f"{t:.2f}" for t in floors), "1.0x"],
    ]  # fmt: skip
    return "\n".join(
        [
            "## Profiles of many numbers (`benchmarks/bench_profiles.py`)",
            "",
            f"Measured {time.strftime('%Y-%m-%d')} on {facts['CPU']}, "
            f"{facts['cores available']} cores, {facts['RAM']}; DuckDB {facts['DuckDB']}. "
            f"Data: `make_data.py`'s canonical file of {events:,} events, ingested; "
            f"{numbers:,} numbers with calls or texts. In one process, alternating, "
            f"{len(tables)} runs each (median):",
            "",
            table(["query", "median", "runs", "ratio to the baseline"], rows),
            "",
            f"One number at a time (`profile_number`, every indicator, {len(singles)} numbers "
            f"spread over the table): median {single_s:.3f} s each, so about "
            f"{single_s * numbers / 60:,.0f} minutes for all {numbers:,}, against "
            f"{table_s:.1f} s for the table.",
        ]
    )


def main() -> None:
    """Measure and write the section of the benchmarks page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    ibis.options.interactive = False
    section = bench(args.events, args.runs, args.single)
    write_section(section, args.out, "profiles")
    print(section)


if __name__ == "__main__":
    main()
