"""Shared helpers of the benchmark scripts: paths, child processes, medians and Markdown.

Every measurement runs in a fresh child process (``measure.py``) that reports its own wall
time and peak resident set size (``VmHWM`` of the measuring process) as one JSON line, so each
peak belongs to exactly one run and no run inherits another's caches or allocator state.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"
MEASURE = BENCH_DIR / "measure.py"


@dataclass(frozen=True)
class Run:
    """One child's report: wall seconds of the timed part, peak RSS, and extra facts."""

    seconds: float
    peak_rss_mb: float
    facts: dict[str, Any]


@dataclass(frozen=True)
class Measured:
    """Several runs of one measurement, summarised by their medians."""

    label: str
    rows: int
    runs: list[Run]

    @property
    def seconds(self) -> float:
        """Median wall seconds."""
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_rss_mb(self) -> float:
        """Median peak RSS in MiB."""
        return statistics.median(r.peak_rss_mb for r in self.runs)

    @property
    def max_peak_rss_mb(self) -> float:
        """Largest peak RSS of any run, in MiB."""
        return max(r.peak_rss_mb for r in self.runs)

    @property
    def events_per_s(self) -> float:
        """Rows per second at the median time."""
        return self.rows / self.seconds

    @property
    def spread(self) -> str:
        """The runs' times, for the reader to judge the noise."""
        return ", ".join(f"{r.seconds:.1f}" for r in self.runs)


def run_child(
    args: Sequence[str], *, timeout: float = 7200, env: dict[str, str] | None = None
) -> Run:
    """Run ``measure.py`` with ``args`` in a fresh interpreter (with ``env`` added to this
    process's environment) and parse its report."""
    done = subprocess.run(
        [sys.executable, str(MEASURE), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=False,
        env=os.environ | (env or {}),
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"measure.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}"
        )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(
        seconds=float(report.pop("seconds")),
        peak_rss_mb=float(report.pop("peak_rss_mb")),
        facts=report,
    )


def measure(label: str, rows: int, args: Sequence[str], runs: int) -> Measured:
    """Run one measurement ``runs`` times, each in its own child, printing progress."""
    results: list[Run] = []
    for index in range(1, runs + 1):
        result = run_child(args)
        print(
            f"  {label} run {index}/{runs}: {result.seconds:.2f} s, "
            f"{rows / result.seconds:,.0f} rows/s, peak RSS {result.peak_rss_mb:,.0f} MiB",
            flush=True,
        )
        results.append(result)
    return Measured(label, rows, results)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def mib(size_bytes: int) -> str:
    """A byte count as MiB (and GiB when large)."""
    if size_bytes >= 1 << 30:
        return f"{size_bytes / (1 << 30):.2f} GiB ({size_bytes:,} bytes)"
    return f"{size_bytes / (1 << 20):.0f} MiB ({size_bytes:,} bytes)"


def cpu_ticks() -> tuple[int, int]:
    """The machine's CPU time so far, in clock ticks: (all, stolen by the hypervisor).
    The stolen share between two readings is time this virtual machine was ready to run
    but another guest had the core: a noisy host's mark on any figure measured then."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0, 0
    ticks = [int(f) for f in fields[:8]]  # user nice system idle iowait irq softirq steal
    return sum(ticks), ticks[7] if len(ticks) > 7 else 0


def stolen_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of CPU time stolen between two ``cpu_ticks`` readings (0 if unknown)."""
    total = after[0] - before[0]
    return (after[1] - before[1]) / total if total > 0 else 0.0


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, OS and the versions that matter to the figures."""
    import duckdb
    import pyarrow

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
                break
    except OSError:
        pass
    return {
        "CPU": cpu,
        "cores available": str(len(os.sched_getaffinity(0))),
        "RAM": ram,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "DuckDB": duckdb.__version__,
        "PyArrow": pyarrow.__version__,
    }


SECTIONS = (
    "held",
    "lines",
    "increments",
    "scale",
    "ingest-spark",
    "network",
    "places",
    "casework",
    "app",
    "app-maps",
    "profiles",
)
"""Parts of ``docs/benchmarks.md`` that their own scripts write between markers."""


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of section ``name``."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(section: str, doc: Path, name: str) -> None:
    """Put ``section`` into ``doc`` between its markers (replacing an earlier one)."""
    start, end = markers(name)
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance benchmarks\n"
    block = f"{start}\n{section}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def carried_sections(doc: Path) -> str:
    """The marked sections of an existing page, to carry over when it is rewritten."""
    if not doc.exists():
        return ""
    text = doc.read_text(encoding="utf-8")
    kept = []
    for name in SECTIONS:
        start, end = markers(name)
        if start in text and end in text:
            kept.append(start + text.split(start, 1)[1].split(end, 1)[0] + end)
    return "".join(f"\n{block}\n" for block in kept)
