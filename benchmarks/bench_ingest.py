"""Benchmark Fortress's comms ingest against DuckDB reading the same files in the same run.

For the canonical CSV of ``--rows`` events, its Parquet twin and the hard CSV (millions of
distinct numbers in mixed forms, 1 % bad rows: ``make_data``), each run measures, each in a
fresh child process:

* **DuckDB read** - ``CREATE TABLE t AS SELECT * FROM read_csv(FILE)`` (``read_parquet`` for
  the twin) in an in-memory database, default settings: DuckDB's raw read speed, the
  baseline of the target ratio;
* **DuckDB read + write** - ``COPY (SELECT * FROM read_csv(FILE)) TO 'x.parquet'``: reading
  and writing a Parquet file, closer to the work an ingest does;
* **Fortress ingest** - ``ingest_comms`` into a fresh workspace with the ``canonical`` layout
  and every guarantee on (hash of the file, row numbers, normalisation, rejects accounting,
  content-hashed event ids, de-duplication, atomic publish with fsync).

The three alternate within each run so that load from other processes hits them alike.
With ``--large-rows`` it also ingests one larger CSV (meant to exceed 2 GB) once, to check
that peak memory stays under 2 GB however big the file.
"""

from __future__ import annotations

import argparse
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from common import DATA_DIR, Measured, Run, mib, run_child, table
from make_data import ensure_csv, ensure_hard_csv, ensure_parquet, hard_bad_rows

MEMORY_TARGET_MB = 2e9 / (1 << 20)  # 2 GB (decimal) in MiB: 1907 MiB
SPEED_TARGET = 0.5


@dataclass
class FileResult:
    """The measurements of one file."""

    path: Path
    rows: int
    read: Measured
    copy: Measured | None
    ingest: Measured

    @property
    def ratio(self) -> float:
        """Fortress events/s over DuckDB read rows/s (medians)."""
        return self.ingest.events_per_s / self.read.events_per_s


@dataclass
class IngestResults:
    """Everything one benchmark invocation measured."""

    rows: int
    runs: int
    files: list[FileResult] = field(default_factory=list)
    large: FileResult | None = None


def label(path: Path) -> str:
    """What kind of benchmark file ``path`` is, for the reader."""
    if path.suffix == ".parquet":
        return "Parquet"
    return "hard CSV" if path.name.startswith("hard-") else "CSV"


def _warm(path: Path) -> None:
    """Read the file once so that every run finds it in the OS page cache."""
    with path.open("rb") as handle:
        while handle.read(64 << 20):
            pass


def _duckdb_read(path: Path) -> Run:
    return run_child(["duckdb-read", str(path)])


def _duckdb_copy(path: Path) -> Run:
    out = DATA_DIR / f"copy-{uuid.uuid4().hex}.parquet"
    try:
        return run_child(["duckdb-copy", str(path), str(out)])
    finally:
        out.unlink(missing_ok=True)


def _fortress(path: Path, rows: int, bad: int) -> Run:
    root = DATA_DIR / f"ws-{uuid.uuid4().hex}"
    try:
        result = run_child(["fortress", str(path), str(root)])
    finally:
        shutil.rmtree(root, ignore_errors=True)
    facts = result.facts
    if facts.get("error") or facts["accepted"] != rows - bad or facts["rejected"] != bad:
        raise RuntimeError(
            f"ingest of {path.name} did not accept every good row and reject every one of "
            f"its {bad} bad rows: {facts}"
        )
    return result


def _show(label: str, rows: int, run: Run, index: int, runs: int) -> None:
    print(
        f"  {label:<32} run {index}/{runs}: {run.seconds:7.2f} s "
        f"{rows / run.seconds:>12,.0f} rows/s  peak RSS {run.peak_rss_mb:7,.0f} MiB",
        flush=True,
    )


def bench_file(
    path: Path, rows: int, runs: int, *, with_copy: bool = True, bad: int = 0
) -> FileResult:
    """Measure DuckDB read, DuckDB read+write and Fortress ingest of one file, ``runs`` times
    (``bad``: how many of its rows must be rejected)."""
    kind = label(path)
    reader = "read_parquet" if kind == "Parquet" else "read_csv"
    _warm(path)
    print(f"{kind} {path.name}: {rows:,} rows, {mib(path.stat().st_size)}", flush=True)
    reads: list[Run] = []
    copies: list[Run] = []
    ingests: list[Run] = []
    for index in range(1, runs + 1):
        reads.append(_duckdb_read(path))
        _show(f"DuckDB {reader}", rows, reads[-1], index, runs)
        if with_copy:
            copies.append(_duckdb_copy(path))
            _show(f"DuckDB {reader} -> Parquet", rows, copies[-1], index, runs)
        ingests.append(_fortress(path, rows, bad))
        _show("Fortress ingest_comms", rows, ingests[-1], index, runs)
    return FileResult(
        path=path,
        rows=rows,
        read=Measured(f"DuckDB `{reader}` into a table", rows, reads),
        copy=Measured(f"DuckDB `{reader}` → Parquet (COPY)", rows, copies) if copies else None,
        ingest=Measured("Fortress `ingest_comms` (all guarantees)", rows, ingests),
    )


def run(rows: int, runs: int, large_rows: int = 0) -> IngestResults:
    """Generate (or reuse) the files and measure them."""
    results = IngestResults(rows=rows, runs=runs)
    for path in (ensure_csv(rows), ensure_parquet(rows)):
        results.files.append(bench_file(path, rows, runs))
    hard = ensure_hard_csv(rows)
    results.files.append(bench_file(hard, rows, runs, bad=hard_bad_rows(rows)))
    if large_rows:
        large = ensure_csv(large_rows)
        results.large = bench_file(large, large_rows, 1, with_copy=False)
    return results


def _row(measured: Measured, baseline: Measured) -> list[str]:
    return [
        measured.label,
        f"{measured.seconds:.2f}",
        f"{measured.events_per_s:,.0f}",
        f"{measured.peak_rss_mb:,.0f} / {measured.max_peak_rss_mb:,.0f}",
        f"{measured.events_per_s / baseline.events_per_s:.2f}",
        measured.spread,
    ]


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def markdown(results: IngestResults) -> str:
    """The ingest section of docs/benchmarks.md."""
    out = [f"## Ingest of {results.rows:,} events\n"]
    out.append(
        f"Median of {results.runs} run{'s' if results.runs > 1 else ''} per row, each in a "
        "fresh process; the file is in the OS page cache. *Peak RSS* is the process's "
        "`VmHWM` (interpreter and libraries included), median / largest over the runs. "
        "*vs DuckDB read* is events per second relative to DuckDB reading the same file in the "
        "same run.\n"
    )
    for result in results.files:
        kind = label(result.path)
        out.append(
            f"### {kind}: `{result.path.name}` - {result.rows:,} rows, "
            f"{mib(result.path.stat().st_size)}\n"
        )
        measured = [result.read, *([result.copy] if result.copy else []), result.ingest]
        out.append(
            table(
                [
                    "what",
                    "median s",
                    "events/s",
                    "peak RSS MiB (median / max)",
                    "vs DuckDB read",
                    "runs (s)",
                ],
                [_row(m, result.read) for m in measured],
            )
        )
        facts = result.ingest.runs[0].facts
        out.append(
            f"\nFortress summary (every run): read {facts['read']:,}, accepted "
            f"{facts['accepted']:,}, rejected {facts['rejected']}, duplicates "
            f"{facts['duplicates']}, blank {facts['blank']}; rows with a data-quality flag: "
            f"{facts.get('flagged', 'n/a')}; published Parquet "
            f"{mib(int(facts['out_bytes']))}.\n"
        )
        out.append(
            f"Target ≥ {SPEED_TARGET:.1f}x DuckDB's raw read speed: "
            f"{result.ratio:.2f}x - {_verdict(result.ratio >= SPEED_TARGET)}.\n"
        )
    if results.large is not None:
        large = results.large
        size = large.path.stat().st_size
        out.append(
            f"### Memory on a file larger than 2 GB: `{large.path.name}` - {large.rows:,} rows, "
            f"{mib(size)}\n"
        )
        out.append("One run each (stated, not a median).\n")
        out.append(
            table(
                ["what", "s", "events/s", "peak RSS MiB", "vs DuckDB read"],
                [_row(m, large.read)[:5] for m in (large.read, large.ingest)],
            )
        )
        peak = large.ingest.max_peak_rss_mb
        bigger = size > 2e9
        out.append(
            f"\nTarget: Fortress's peak memory under 2 GB ({MEMORY_TARGET_MB:,.0f} MiB) on a "
            f"file larger than that: peak {peak:,.0f} MiB on a "
            f"{'file over' if bigger else 'file NOT over'} 2 GB - "
            f"{_verdict(peak < MEMORY_TARGET_MB and bigger)}.\n"
        )
    return "\n".join(out)


def main() -> None:
    """Command line: run the ingest benchmark and print its Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-rows", type=int, default=0, help="0 skips the >2 GB run")
    args = parser.parse_args()
    print(markdown(run(args.rows, args.runs, args.large_rows)))


if __name__ == "__main__":
    main()
