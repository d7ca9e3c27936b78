"""Benchmark ``fortress lines detect`` on one simulated world at several sizes, on each
engine: DuckDB in-process, Spark local (both cores, one JVM), and the loopback Spark
cluster of ``fortress cluster start`` with one worker of two cores and with two workers of
one core. Then estimate, from the measured growth, what 1B and 10B events would need.

Per run: wall time (median of the runs), the driver process's peak RSS (the Python
process; for Spark, the JVMs' peaks are measured apart), each Spark JVM's peak RSS (the
driver JVM and, on the cluster, each executor), and the shuffle Spark wrote and read (from
its event log, summed over every task). Worlds are the cached ones of ``bench_lines.py``
(``benchmarks/data/world-<events>``).

Spark is configured for the benchmark only, through a ``spark-defaults.conf`` in a folder
named by ``SPARK_CONF_DIR`` (the event log, and driver and executor memory); Fortress's own
session settings are unchanged.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench_lines import ensure_world
from common import DATA_DIR, REPO, Run, machine, run_child, table, write_section
from fortress.store.cluster import start_cluster, stop_cluster
from fortress.store.events import ANALYTICS_MEMORY, ENGINE_ENV, SPARK_MASTER_ENV

DOC = REPO / "docs" / "benchmarks.md"
ENGINES = ("duckdb", "spark-local", "cluster-1x2", "cluster-2x1")
"""DuckDB; Spark local[2]; the loopback cluster with 1 worker of 2 cores, and with 2 workers
of 1 core each (the same cores, split: the cost of a shuffle between executors)."""
CORES = 2
"""The cores every engine had here (local[2], and each cluster's 2 cores in all)."""
HEAP_GIB = 6
EXECUTOR_MEMORY = DRIVER_MEMORY = f"{HEAP_GIB}g"


@dataclass
class JvmPeaks:
    """The peak RSS of each Java process of Spark seen while a run lasted, by role."""

    peaks: dict[int, tuple[str, float]] = field(default_factory=dict)

    def roles(self) -> dict[str, float]:
        """Peak MiB by role (driver JVM, executor 1, executor 2...)."""
        found: dict[str, float] = {}
        executors = 0
        for _, (role, peak) in sorted(self.peaks.items()):
            if role == "executor":
                executors += 1
                role = f"executor {executors}"
            found[role] = max(found.get(role, 0.0), peak)
        return found


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return b""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _jvm_role(pid: int, scratch: bytes) -> str | None:
    """The role of a Spark JVM of this benchmark's run: its driver names the benchmark's
    configuration folder, an executor is the child of a worker working in the scratch
    folder. Any other Java process on the machine is not counted."""
    command = _command(pid)
    if b"CoarseGrainedExecutorBackend" in command and scratch in _command(_parent(pid)):
        return "executor"
    if b"SparkSubmit" in command and b"pyspark-shell" in command and scratch in command:
        return "driver JVM"
    return None


def _high_water_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def sampling_jvms(scratch: Path, every_s: float = 0.5) -> Iterator[JvmPeaks]:
    """Poll the high-water RSS of the Spark JVMs working under ``scratch`` while the block
    runs (a process's last reading is at most ``every_s`` before it ended)."""
    peaks, stop = JvmPeaks(), threading.Event()
    mine = str(scratch).encode()

    def poll() -> None:
        while not stop.is_set():
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    role = _jvm_role(int(entry.name), mine)
                    if role is not None:
                        high = _high_water_mb(int(entry.name))
                        if high:
                            peaks.peaks[int(entry.name)] = (role, high)
            stop.wait(every_s)

    sampler = threading.Thread(target=poll, daemon=True)
    sampler.start()
    try:
        yield peaks
    finally:
        stop.set()
        sampler.join()


def shuffle_bytes(event_logs: Path) -> tuple[int, int]:
    """Shuffle bytes (written, read) of every task in the Spark event logs in a folder."""
    written = read = 0
    for log in (p for p in event_logs.rglob("*") if p.is_file()):  # Spark 4: a folder per app
        with log.open(encoding="utf-8") as lines:
            for line in lines:
                if '"SparkListenerTaskEnd"' not in line:
                    continue
                metrics = json.loads(line).get("Task Metrics") or {}
                write = metrics.get("Shuffle Write Metrics") or {}
                fetch = metrics.get("Shuffle Read Metrics") or {}
                written += int(write.get("Shuffle Bytes Written", 0))
                read += int(fetch.get("Remote Bytes Read", 0)) + int(
                    fetch.get("Local Bytes Read", 0)
                )
    return written, read


@dataclass(frozen=True)
class EngineRun:
    """One detection run on one engine."""

    run: Run
    jvms: dict[str, float]
    shuffle_written: int
    shuffle_read: int


@dataclass(frozen=True)
class Result:
    """The runs of one engine on one world."""

    engine: str
    events: int
    runs: list[EngineRun]
    workspace_bytes: int
    seconds_to_measure: float
    """Wall time of the runs, cluster start and stop included."""

    @property
    def seconds(self) -> float:
        """Median wall seconds."""
        return statistics.median(r.run.seconds for r in self.runs)

    def median_of(self, value: str) -> float:
        """The median of a per-run figure."""
        return statistics.median(float(getattr(r, value)) for r in self.runs)


def save_results(results: list[Result], path: Path) -> None:
    """Keep every measurement so far (a run of hours can be resumed, and its page
    written again)."""
    path.write_text(json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8")


def load_results(path: Path) -> list[Result]:
    """The measurements ``save_results`` kept (none without the file)."""
    if not path.exists():
        return []
    return [
        Result(
            engine=r["engine"],
            events=r["events"],
            runs=[
                EngineRun(Run(**x["run"]), x["jvms"], x["shuffle_written"], x["shuffle_read"])
                for x in r["runs"]
            ],
            workspace_bytes=r["workspace_bytes"],
            seconds_to_measure=r["seconds_to_measure"],
        )
        for r in json.loads(path.read_text(encoding="utf-8"))
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def engine_env(engine: str, scratch: Path) -> Iterator[dict[str, str]]:
    """The environment of a child running detection on ``engine`` (a cluster started for
    the block and stopped after it)."""
    if engine == "duckdb":
        yield {ENGINE_ENV: "duckdb"}
        return
    conf = scratch / "conf"
    logs = scratch / "event-logs"
    for folder in (conf, logs):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    (conf / "spark-defaults.conf").write_text(
        f"spark.eventLog.enabled true\nspark.eventLog.compress false\n"
        f"spark.eventLog.dir file://{logs}\n"
        f"spark.driver.memory {DRIVER_MEMORY}\nspark.executor.memory {EXECUTOR_MEMORY}\n",
        encoding="utf-8",
    )
    env = {ENGINE_ENV: "spark", "SPARK_CONF_DIR": str(conf)}
    if engine == "spark-local":
        yield env
        return
    workers, cores = (1, 2) if engine == "cluster-1x2" else (2, 1)
    folder = scratch / "cluster"
    shutil.rmtree(folder, ignore_errors=True)
    status = start_cluster(folder, workers, cores, EXECUTOR_MEMORY, _free_port(), _free_port())
    try:
        yield env | {SPARK_MASTER_ENV: str(status.master_url)}
    finally:
        stop_cluster(folder)


def folder_bytes(root: Path) -> int:
    """The size of the workspace's published event files (its ``events`` folder)."""
    return sum(p.stat().st_size for p in (root / "events").rglob("*") if p.is_file())


def bench(engine: str, events: int, runs: int, scratch: Path) -> Result:
    """``runs`` detections of the world of ``events`` events on ``engine``."""
    root = ensure_world(events)
    started = time.perf_counter()
    found = []
    for index in range(1, runs + 1):
        with engine_env(engine, scratch) as env, sampling_jvms(scratch) as jvms:
            run = run_child(["lines-detect", str(root)], env=env)
        logs = scratch / "event-logs"
        written, read = shuffle_bytes(logs) if logs.is_dir() and engine != "duckdb" else (0, 0)
        found.append(EngineRun(run, jvms.roles(), written, read))
        print(f"  {engine} {events:,} run {index}/{runs}: {run.seconds:.1f} s, driver "
              f"{run.peak_rss_mb:,.0f} MiB, JVMs {jvms.roles()}, shuffle "
              f"{written / 2**20:,.0f} MiB written", flush=True)  # fmt: skip
    return Result(engine, int(found[0].run.facts["rows"]), found, folder_bytes(root),
                  time.perf_counter() - started)  # fmt: skip


def _jvm_text(r: Result) -> str:
    roles: dict[str, list[float]] = {}
    for run in r.runs:
        for role, peak in run.jvms.items():
            roles.setdefault(role, []).append(peak)
    return ", ".join(f"{role} {max(peaks):,.0f}" for role, peaks in sorted(roles.items())) or "none"


def _rate(r: Result) -> float:
    """Events per second at the median time."""
    return r.events / r.seconds


TARGETS = (1_000_000_000, 10_000_000_000)
HOUR = 3600.0


def _growth(small: float, large: float, small_n: int, large_n: int) -> float:
    """The exponent k of y = a x n^k through two measurements."""
    return math.log(large / small) / math.log(large_n / small_n)


def estimate(results: list[Result]) -> list[list[str]]:
    """What 1B and 10B events would take on each engine, from the two largest sizes it was
    measured at: time grown by its measured exponent and in proportion to the events
    (the cores from the larger of the two); event files and Spark's shuffle by
    their bytes per event; the cores that would finish in an hour if the work spread over
    them perfectly (a lower bound); memory as set (both engines spill beyond it)."""
    rows = []
    for engine in ENGINES:
        measured = sorted((r for r in results if r.engine == engine), key=lambda r: r.events)
        if len(measured) < 2:
            continue
        small, large = measured[-2], measured[-1]
        k = _growth(small.seconds, large.seconds, small.events, large.events)
        for target in TARGETS:
            scale = target / large.events
            grown, linear = large.seconds * scale**k, large.seconds * scale
            shuffle = large.median_of("shuffle_written") / large.events * target / 2**30
            rows.append([
                engine, f"{target:,}", f"{k:.2f}",
                f"{grown / HOUR:,.1f} h / {linear / HOUR:,.1f} h",
                f"{math.ceil(max(grown, linear) * CORES / HOUR):,}",
                f"{large.workspace_bytes / large.events * target / 2**30:,.0f} GiB",
                f"{shuffle:,.0f} GiB" if shuffle else "none", _memory(large),
            ])  # fmt: skip
    return rows


def _memory(r: Result) -> str:
    """Memory is a setting on both engines (each spills to disk beyond it): the setting,
    and the largest process measured at the largest size."""
    if r.engine == "duckdb":
        peak = max(x.run.peak_rss_mb for x in r.runs)
        return f"limit {ANALYTICS_MEMORY}; {peak:,.0f} MiB peak here"
    biggest = max((peak for run in r.runs for peak in run.jvms.values()), default=0)
    return f"heap {HEAP_GIB} GiB per JVM; largest JVM {biggest:,.0f} MiB here"


ESTIMATE_COLUMNS = ["engine", "events", "time exponent k",
                    "time on 2 cores (by k / linear)",
                    "cores for 1 hour (perfect spread, the larger time)", "event files",
                    "shuffle written", "memory"]  # fmt: skip


def _row(r: Result) -> list[str]:
    shuffle = f"{r.median_of('shuffle_written') / 2**20:,.0f} / "
    shuffle += f"{r.median_of('shuffle_read') / 2**20:,.0f}"
    python_peak = statistics.median(x.run.peak_rss_mb for x in r.runs)
    runs = ", ".join(f"{x.run.seconds:.1f}" for x in r.runs)
    return [f"{r.events:,}", r.engine, f"{r.seconds:.1f}", f"{_rate(r):,.0f}",
            f"{python_peak:,.0f}", _jvm_text(r), shuffle, runs]  # fmt: skip


COLUMNS = ["events", "engine", "median s", "events/s", "Python peak MiB", "JVM peaks MiB",
           "shuffle MiB written / read", "runs (s)"]  # fmt: skip


def markdown(results: list[Result]) -> str:
    """The section of ``docs/benchmarks.md``."""
    duck = {r.events: r.seconds for r in results if r.engine == "duckdb"}
    ratios = [
        [f"{r.events:,}", r.engine, f"{r.seconds / duck[r.events]:.1f}x"]
        for r in results
        if r.engine != "duckdb" and r.events in duck
    ]
    where = machine()
    lines = [
        "## Scaling across engines",
        "",
        f"Measured by `benchmarks/bench_scale.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"in {sum(r.seconds_to_measure for r in results) / 60:.0f} minutes of measuring "
        f"(world builds apart) on {where['CPU']}, {where['cores available']} cores, "
        f"{where['RAM']}. The same simulated "
        "world (seed 1, classic profile) at each size; `fortress lines detect` from scratch "
        "in a fresh process per run; the runs column lists every run, the median is of "
        "those. Spark local is `local[2]`; the clusters are `fortress "
        "cluster start` on this machine's loopback (1 worker of 2 cores; 2 workers of 1 core), "
        f"executors of {EXECUTOR_MEMORY}, driver {DRIVER_MEMORY}.",
        "",
        table(COLUMNS, [_row(r) for r in results]),
        "",
        "Each engine against DuckDB on the same world (its median time over DuckDB's):",
        "",
        table(["events", "engine", "time / DuckDB"], ratios),
        "",
        "On paper, from these measurements: each engine's time grown from its largest "
        "measured size by the exponent k between its two largest sizes (time = a x "
        "events^k; k above 1 means it grows faster than the events), and in proportion to "
        "the events (k = 1): a k below 1 comes partly from fixed costs (starting the "
        "engine, planning each query) that a larger run dilutes, which cannot go on for "
        "ever; the cores that would finish in an hour are the larger of the two times on "
        "this machine's 2 cores spread perfectly, a lower bound (the 2 workers of 1 core "
        "against 1 worker of 2 show what a shuffle between "
        "executors costs); event files at the measured bytes of published Parquet per event; "
        "Spark's shuffle at its measured bytes per event, which must fit on the workers' "
        "local disks; memory is a setting on both engines (DuckDB's limit, Spark's heap), "
        "each spilling to disk beyond it, so it is given as set, with what was measured. "
        "Assumptions: the same "
        "mix of events, lines and customers per event as the simulated world; the machine's "
        "cores as fast as these; no skew (one very busy number) that one task must carry "
        "alone.",
        "",
        table(ESTIMATE_COLUMNS, estimate(results)),
    ]
    return "\n".join(lines)


RESULTS = REPO / "benchmarks" / "results" / "scale.json"
"""The measurements, committed beside the page they make (worlds and scratch stay in
``benchmarks/data``, which is not): ``--render`` and ``--resume`` work on a fresh clone."""


def main() -> None:
    """Measure each engine at each size and write the section of the benchmarks page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="10000000,30000000,100000000")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--runs", type=int, default=3, help="runs on DuckDB")
    parser.add_argument("--spark-runs", type=int, default=1, help="runs on each Spark engine")
    parser.add_argument(
        "--clusters-up-to", type=int, default=0,
        help="run the cluster engines only on worlds of at most this many events (0: all)",
    )  # fmt: skip
    parser.add_argument(
        "--resume", action="store_true",
        help=f"keep the measurements in {RESULTS.name} and measure only what it lacks",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument(
        "--render", action="store_true",
        help=f"measure nothing: write the page's section from {RESULTS.name}",
    )  # fmt: skip
    args = parser.parse_args()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = load_results(RESULTS) if args.resume or args.render else []
    if args.render:
        write_section(markdown(results), args.out, "scale")
        return
    done = {(r.engine, r.events) for r in results}
    scratch = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=DATA_DIR))
    try:
        for size in args.events.split(","):
            for engine in args.engines.split(","):
                if engine.startswith("cluster") and 0 < args.clusters_up_to < int(size):
                    continue
                if any(e == engine and abs(n - int(size)) < int(size) // 100 for e, n in done):
                    continue  # measured already (a world holds about the events asked for)
                runs = args.runs if engine == "duckdb" else args.spark_runs
                results.append(bench(engine, int(size), runs, scratch))
                save_results(results, RESULTS)
                # Written after every engine and size: a run stopped early keeps what it measured.
                write_section(markdown(results), args.out, "scale")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(markdown(results))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
