"""One measurement, run in a fresh interpreter by the benchmark scripts (not by hand).

Prints one JSON line on stdout: ``seconds`` (wall time of the timed operation only, not of
interpreter start-up or imports), ``peak_rss_mb`` (this process's peak resident set size,
``VmHWM``, read right after the timed operation; it includes the interpreter and its
imported libraries) and facts about the result. Modes::

    measure.py duckdb-read FILE          CREATE TABLE t AS SELECT * FROM read_csv/read_parquet
    measure.py duckdb-copy FILE OUT      COPY (SELECT * FROM read_...) TO OUT (FORMAT parquet)
    measure.py fortress FILE WORKSPACE   ingest_comms into a fresh workspace, canonical layout
    measure.py simulate OUT EVENTS       fortress.simulate.simulate(OUT, scale=EVENTS, ...)
    measure.py ingest-drop WS MODE FILES  the files into a fresh workspace (MODE: duckdb, one
                                         after another; spark, ingest comms --on-spark)
    measure.py lines-detect WORKSPACE    fortress lines detect (detection, roles, safeguarding),
                                         what earlier runs kept removed first
    measure.py lines-detect-kept WS      the same, extending those an earlier run kept
    measure.py waves-fortress WORKSPACE  the bulk-message (wave) step, as Fortress runs it
    measure.py waves-duckdb WORKSPACE    the same step as one hand-written DuckDB query
    measure.py scan WORKSPACE COLUMNS    one DuckDB scan of those comms columns (comma list)
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any


def _peak_rss_mb() -> float:
    """This process's peak resident memory in MiB.

    Read from ``VmHWM`` in /proc/self/status, not ``getrusage``: Linux carries a forked
    parent's high-water mark into the child across ``exec`` in ``ru_maxrss``, so a child of
    a runner that once held 3 GB would report 3 GB whatever it used itself.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def _reader(path: Path) -> str:
    function = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    return f"{function}('{path}')"


def duckdb_read(path: Path) -> dict[str, Any]:
    """DuckDB's own read of the file into an in-memory table, default settings."""
    import duckdb

    con = duckdb.connect()
    clock = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM {_reader(path)}")
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    row = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return {"seconds": seconds, "peak_rss_mb": peak, "rows": int(row[0]) if row else 0}


def duckdb_copy(path: Path, out: Path) -> dict[str, Any]:
    """DuckDB reading the file and writing it to Parquet (zstd), default settings."""
    import duckdb

    con = duckdb.connect()
    clock = time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM {_reader(path)}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"
    )
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    row = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()
    con.close()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "rows": int(row[0]) if row else 0,
        "out_bytes": out.stat().st_size,
    }


def fortress_ingest(path: Path, root: Path) -> dict[str, Any]:
    """Fortress's ingest of the file into a fresh workspace, with every guarantee on."""
    from fortress.ingest.comms import ingest_comms
    from fortress.sources.mapping import preset
    from fortress.store.workspace import COMMS, Workspace

    workspace = Workspace.open(root)
    spec = preset("canonical")
    clock = time.perf_counter()
    summary = ingest_comms(workspace, path, spec=spec)
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    facts: dict[str, Any] = {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "error": summary.error,
        "read": summary.read,
        "accepted": summary.accepted,
        "rejected": summary.rejected,
        "duplicates": summary.duplicates,
        "blank": summary.blank,
    }
    files = workspace.data_files(COMMS)
    facts["out_bytes"] = sum(f.stat().st_size for f in files)
    if files:  # a sanity check of the data, after the timed part
        import duckdb

        listed = ", ".join(f"'{f}'" for f in files)
        with duckdb.connect() as con:
            row = con.execute(
                f"SELECT count(*) FILTER (WHERE len(flags) > 0) FROM read_parquet([{listed}])"
            ).fetchone()
        facts["flagged"] = int(row[0]) if row else None
    return facts


def ingest_drop(root: Path, on_spark: bool, paths: list[Path]) -> dict[str, Any]:
    """A drop of comms files into a fresh workspace: one after another, or on Spark's
    executors (``ingest comms --on-spark``; the session is started inside the timing)."""
    from fortress.ingest.comms import ingest_comms
    from fortress.ingest.on_spark import ingest_comms_on_spark
    from fortress.sources.mapping import preset
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root)
    spec = preset("canonical")
    clock = time.perf_counter()
    if on_spark:
        summaries = [d.summary for d in ingest_comms_on_spark(workspace, paths, spec=spec)]
    else:
        summaries = [ingest_comms(workspace, path, spec=spec) for path in paths]
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "errors": [s.error for s in summaries if s.error],
        "read": sum(s.read for s in summaries),
        "accepted": sum(s.accepted for s in summaries),
        "duplicates": sum(s.duplicates for s in summaries),
    }


def simulate(out: Path, events: int) -> dict[str, Any]:
    """Fortress's simulator writing ``events`` events as Parquet."""
    from fortress.simulate import simulate as run_simulation

    clock = time.perf_counter()
    summary = run_simulation(out, seed=1, scale=events, fmt="parquet", profile="classic")
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    facts: dict[str, Any] = {"seconds": seconds, "peak_rss_mb": peak}
    to_dict = getattr(summary, "to_dict", None)
    if callable(to_dict):
        facts["summary"] = to_dict()
    facts["rows"] = _count_event_rows(out)
    facts["out_bytes"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return facts


def lines_detect(root: Path, *, kept: bool = False) -> dict[str, Any]:
    """The whole of ``fortress lines detect`` on an existing workspace: from scratch (the
    wave step, tallies and contacts an earlier run kept are removed first), or with ``kept``
    extending them."""
    from fortress.comms.lines import KEPT_FOLDERS, run_detection
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root)
    if not kept:
        for folder in KEPT_FOLDERS:
            shutil.rmtree(root / folder, ignore_errors=True)
    clock = time.perf_counter()
    summary = run_detection(workspace)
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "rows": summary.events,
        "lines_found": summary.lines_found,
        "numbers_scored": summary.numbers_scored,
        "stages": {stage.stage: stage.seconds for stage in summary.stages},
        "wave_step": summary.wave_step,
        "run_id": summary.run_id,
    }


def waves_fortress(root: Path) -> dict[str, Any]:
    """Fortress's wave step (Ibis over the workspace's Parquet), executed to Arrow: the
    close-sender filter, then bursts and waves of those senders' messages."""
    from fortress.comms import waves as wv
    from fortress.comms.events import span, with_local_time
    from fortress.comms.params import DetectionParams
    from fortress.store import events as event_tables
    from fortress.store.workspace import COMMS, Workspace

    workspace = Workspace.open(root)
    backend = event_tables.connect(workspace)
    events = event_tables.table(backend, workspace, COMMS)
    assert events is not None
    clock = time.perf_counter()
    when = span(events)
    assert when is not None
    params = DetectionParams()
    waves = wv.waves(wv.sent_in_bursts(with_local_time(events, when), params).messages, params)
    found = waves.to_pyarrow()
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    return {"seconds": seconds, "peak_rss_mb": peak, "rows": when.events, "waves": found.num_rows}


HAND_WAVES_SQL = """
WITH sent AS (
    SELECT a_number AS number, b_number AS recipient, start_utc, event_id,
           epoch(start_utc) AS e
    FROM read_parquet({files})
    WHERE kind IN ('sms', 'mms') AND a_number IS NOT NULL AND b_number IS NOT NULL
      AND a_number <> b_number AND len(flags) = 0
), gaps AS (
    SELECT *, CASE WHEN e - lag(e) OVER w > 180 OR lag(e) OVER w IS NULL
                   THEN 1 ELSE 0 END AS new
    FROM sent WINDOW w AS (PARTITION BY number ORDER BY start_utc, event_id)
), bursts AS (
    SELECT *, sum(new) OVER (PARTITION BY number ORDER BY start_utc, event_id
                             ROWS UNBOUNDED PRECEDING) AS burst
    FROM gaps
)
SELECT number, burst, min(start_utc) AS start_utc, count(*) AS messages,
       count(DISTINCT recipient) AS recipients
FROM bursts GROUP BY number, burst
HAVING count(DISTINCT recipient) >= 10 AND count(DISTINCT recipient) >= 0.8 * count(*)
"""


def _analytics_duckdb(root: Path) -> tuple[Any, str]:
    """A DuckDB connection set up as detection's (memory cap, spill folder) and the SQL
    list of the workspace's comms files."""
    import duckdb

    from fortress.model.sql import literal, path_list
    from fortress.store.events import ANALYTICS_MEMORY
    from fortress.store.workspace import COMMS, Workspace

    workspace = Workspace.open(root)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{ANALYTICS_MEMORY}'")
    con.execute(f"SET temp_directory = {literal(workspace.root / 'spill')}")
    return con, path_list(workspace.data_files(COMMS))


def waves_duckdb(root: Path) -> dict[str, Any]:
    """The wave step written by hand as one DuckDB query over the same Parquet files,
    with the same memory cap (no local clock: this baseline does less work)."""
    con, files = _analytics_duckdb(root)
    clock = time.perf_counter()
    waves = con.sql(HAND_WAVES_SQL.format(files=files)).to_arrow_table()
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    con.close()
    return {"seconds": seconds, "peak_rss_mb": peak, "waves": waves.num_rows}


def scan(root: Path, columns: list[str]) -> dict[str, Any]:
    """One DuckDB pass reading every value of ``columns`` of the comms table (the least
    any step reading them can cost), with detection's memory cap."""
    reads = ", ".join(f"max(len({c}))" if c == "flags" else f"min({c})" for c in columns)
    con, files = _analytics_duckdb(root)
    clock = time.perf_counter()
    [(rows, *_)] = con.execute(f"SELECT count(*), {reads} FROM read_parquet({files})").fetchall()
    seconds, peak = time.perf_counter() - clock, _peak_rss_mb()
    con.close()
    return {"seconds": seconds, "peak_rss_mb": peak, "columns": columns, "rows": rows}


def _count_event_rows(out: Path) -> int:
    """Rows of every Parquet file under ``out`` that looks like a comms event table."""
    import pyarrow.parquet as pq

    total = 0
    for path in out.rglob("*.parquet"):
        parquet = pq.ParquetFile(path)
        if {"kind", "a_number", "b_number"} <= set(parquet.schema_arrow.names):
            total += parquet.metadata.num_rows
    return total


def main(argv: list[str]) -> None:
    """Dispatch on the mode and print the JSON report."""
    mode, *args = argv
    if mode == "duckdb-read":
        facts = duckdb_read(Path(args[0]))
    elif mode == "duckdb-copy":
        facts = duckdb_copy(Path(args[0]), Path(args[1]))
    elif mode == "fortress":
        facts = fortress_ingest(Path(args[0]), Path(args[1]))
    elif mode == "simulate":
        facts = simulate(Path(args[0]), int(args[1]))
    elif mode == "ingest-drop":
        facts = ingest_drop(Path(args[0]), args[1] == "spark", [Path(a) for a in args[2:]])
    elif mode == "lines-detect":
        facts = lines_detect(Path(args[0]))
    elif mode == "lines-detect-kept":
        facts = lines_detect(Path(args[0]), kept=True)
    elif mode == "waves-fortress":
        facts = waves_fortress(Path(args[0]))
    elif mode == "waves-duckdb":
        facts = waves_duckdb(Path(args[0]))
    elif mode == "scan":
        facts = scan(Path(args[0]), args[1].split(","))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    facts.setdefault("peak_rss_mb", _peak_rss_mb())
    print(json.dumps(facts, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
