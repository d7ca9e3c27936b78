"""Engine-portable access to the workspace's event tables through Ibis (DuckDB backend)."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final
from uuid import uuid4

import ibis
import ibis.expr.types as ir
import pyarrow.parquet as pq

from fortress.model import columns as c
from fortress.model.sql import literal
from fortress.store.cluster import LOOPBACK
from fortress.store.models import IngestBatch
from fortress.store.workspace import CELLS, COMMS, Workspace

ANALYTICS_MEMORY = "4GB"
"""DuckDB's memory cap for analytics; beyond it, joins and sorts spill to the workspace's
``spill`` folder (DuckDB removes its files when the connection closes), so a 100M-event
detection stays far below the machine's memory."""


ENGINE_ENV = "FORTRESS_ENGINE"
SPARK_MASTER_ENV = "FORTRESS_SPARK_MASTER"
ENGINES = ("duckdb", "spark")
SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"
ONE_MACHINE_PARTITIONS = "8"
"""Spark's shuffle partitions unless its configuration (``spark-defaults.conf``) says."""


class EngineError(Exception):
    """The configured analytics engine cannot be used; the message says why."""


def connect(workspace: Workspace, engine: str | None = None) -> ibis.BaseBackend:
    """An Ibis backend for reading the workspace: DuckDB in-process (the default), or
    Apache Spark when ``engine`` (or ``FORTRESS_ENGINE``) is ``spark``."""
    chosen = engine or os.environ.get(ENGINE_ENV) or "duckdb"
    if chosen not in ENGINES:
        raise EngineError(f"unknown engine {chosen!r}; use one of {', '.join(ENGINES)}")
    if chosen == "spark":
        return _spark(workspace)
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET TimeZone = 'UTC'")
    backend.raw_sql(f"SET memory_limit = '{ANALYTICS_MEMORY}'")
    backend.raw_sql("SET enable_progress_bar = false")  # it would write into our output
    spill = workspace.root / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    backend.raw_sql(f"SET temp_directory = {literal(spill)}")
    return backend


def _spark(workspace: Workspace) -> ibis.BaseBackend:
    """The Spark session of ``spark_session`` behind Ibis."""
    return ibis.pyspark.connect(spark_session(workspace))


def spark_session(workspace: Workspace) -> Any:
    """This process's Spark session: on the cluster ``FORTRESS_SPARK_MASTER`` names (one
    of ``fortress cluster start``, or any other), else local on both cores. The cluster's
    workers must read the workspace's files at the same path (a shared folder), and run
    Python tasks with this interpreter's path (or ``PYSPARK_PYTHON``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError("the spark engine needs PySpark: pip install pyspark") from exc
    spill = workspace.root / "spill" / "spark"
    spill.mkdir(parents=True, exist_ok=True)
    master = os.environ.get(SPARK_MASTER_ENV, "local[2]")
    # PySpark runs Python tasks (``ingest comms --on-spark``) with this variable's
    # interpreter, else any ``python3`` on the path, which may lack Fortress.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    if master.startswith(f"spark://{LOOPBACK}:"):  # the executors reach the driver there
        builder = builder.config("spark.driver.host", LOOPBACK)
    session = (
        builder.appName("fortress")
        .master(master)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.local.dir", str(spill))
        .config("spark.sql.warehouse.dir", str(spill / "warehouse"))
        .getOrCreate()
    )
    if not session.sparkContext.getConf().contains(SHUFFLE_PARTITIONS):
        # Few partitions suit one machine. A cluster working on billions of events sets
        # more in its spark-defaults.conf, which a setting made here would override.
        session.conf.set(SHUFFLE_PARTITIONS, ONE_MACHINE_PARTITIONS)
    session.sparkContext.setLogLevel("ERROR")
    return session


def table(backend: ibis.BaseBackend, workspace: Workspace, name: str) -> ir.Table | None:
    """One event table as an Ibis expression over its published Parquet files, or None
    when nothing has been ingested into it."""
    if name == COMMS:
        return comms_table(backend, workspace.data_files(COMMS))
    return files_table(backend, workspace.data_files(name), name)


def comms_table(backend: ibis.BaseBackend, paths: list[Path]) -> ir.Table | None:
    """The comms events of some published files (``columns.EVENT_COLUMNS``), with the
    number keys (``columns.NUMBER_KEYS``) when every file has one for every subscriber
    (``keys_complete``), or None for no files. Files published before ingest wrote keys
    have none: such a table is read without them."""
    keyed = all(keys_complete(path) for path in paths)
    columns = [*c.EVENT_COLUMNS, *(c.NUMBER_KEYS if keyed else ())]
    # a name no earlier table of the engine has: a run reads several sets of files
    return files_table(backend, paths, f"{COMMS}_{uuid4().hex}", columns)


@functools.cache
def keys_complete(path: Path) -> bool:
    """Whether a published comms file has a number key for every subscriber: it has the
    key columns and no -1 among them, read from the file's statistics (published files
    never change, so the answer is kept)."""
    metadata = pq.read_metadata(path)
    names = metadata.schema.names
    if not all(name in names for name in c.NUMBER_KEYS):
        return False
    indexes = [names.index(name) for name in c.NUMBER_KEYS]
    for group in range(metadata.num_row_groups):
        for index in indexes:
            column = metadata.row_group(group).column(index)
            stats = column.statistics
            if stats is None:
                return False
            if stats.has_min_max and stats.min < 0:
                return False
            if not stats.has_min_max and stats.null_count != column.num_values:
                return False  # values without a minimum: cannot tell
    return True


def files_table(
    backend: ibis.BaseBackend,
    paths: list[Path],
    name: str,
    columns: Sequence[str] | None = None,
) -> ir.Table | None:
    """An Ibis table over some of an event table's Parquet files (``name`` prefixes the
    engine's table names), or None for no files. ``columns`` (default: all) are read by
    name, so files whose columns differ can be read together."""
    files = [str(path) for path in paths]
    if not files:
        return None
    if backend.name == "pyspark":
        return _columns(_spark_files(backend, files, f"{name}_events"), columns)
    read = backend.read_parquet(files, table_name=f"{name}_events", union_by_name=True)
    return _columns(read, columns)


def _spark_files(backend: ibis.BaseBackend, files: list[str], name: str) -> ir.Table:
    """Every file as one Spark scan. Ibis's PySpark reader takes one path, and a union of
    one scan per file grows every plan with the files: each join below the union is
    repeated per file, with its own broadcast (at 30M events in 15 files, nearly a
    thousand broadcasts in one query ran the driver out of memory)."""
    session = backend._session
    frame = session.read.option("mergeSchema", "true").parquet(*files)
    frame.createOrReplaceTempView(name)
    found: ir.Table = backend.table(name)
    return found


def _columns(table: ir.Table, columns: Sequence[str] | None) -> ir.Table:
    return table if columns is None else table.select(*columns)


@dataclass(frozen=True, slots=True)
class CommsStatus:
    """Headline figures of the comms table (all zero when nothing was ingested)."""

    events: int = 0
    first_event_utc: str | None = None
    last_event_utc: str | None = None
    numbers: int = 0
    handsets_seen_as_originator: int = 0
    events_with_flags: int = 0
    events_by_flag: dict[str, int] = field(default_factory=dict)
    """Events carrying each data-quality flag, most frequent first (an event may carry
    several, so these add up to ``events_with_flags`` or more)."""
    source_files: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CellsStatus:
    """Headline figures of the cell-site table."""

    cells: int = 0
    by_area: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IngestTotals:
    """What the ingests of the workspace came to."""

    published: int
    failed: int
    rows_rejected: int
    """Rows rejected from the files that were published."""
    rejected_by_reason: dict[str, int]
    """``rows_rejected`` by reason, most frequent first; rows of files ingested before
    Fortress kept reasons count under :data:`REASON_NOT_RECORDED`."""
    rows_duplicate: int


REASON_NOT_RECORDED: Final = "reason not recorded (ingested before reasons were kept)"


@dataclass(frozen=True, slots=True)
class IngestedFile:
    """One ingest batch as ``status`` lists it."""

    file: str
    table: str
    layout: str | None
    status: str
    accepted: int
    rejected: int
    reject_reasons: dict[str, int]
    duplicates: int
    at: str


@dataclass(frozen=True, slots=True)
class WorkspaceStatus:
    """Everything ``fortress status`` reports."""

    workspace: str
    database: str
    created_at: str | None
    comms: CommsStatus
    cells: CellsStatus
    ingests: IngestTotals
    files: tuple[IngestedFile, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)


def comms_status(events: ir.Table) -> CommsStatus:
    """Headline figures of the comms table: counts, time span, numbers, flags."""
    numbers = (
        events.select(number=events[c.A_NUMBER])
        .union(events.select(number=events[c.B_NUMBER]))
        .filter(lambda t: t.number.notnull())
        .distinct()
    )
    summary = (
        events.aggregate(
            events=events.count(),
            first=events[c.START_UTC].min(),
            last=events[c.START_UTC].max(),
            handsets=events[c.A_IMEI].nunique(),
            flagged=(events[c.FLAGS].length() > 0).sum(),
            sources=events[c.SOURCE].nunique(),
        )
        .execute()
        .iloc[0]
    )
    kinds = events.group_by(c.KIND).aggregate(n=events.count()).execute()
    return CommsStatus(
        events=int(summary["events"]),
        first_event_utc=_iso(summary["first"]),
        last_event_utc=_iso(summary["last"]),
        numbers=int(numbers.count().execute()),
        handsets_seen_as_originator=int(summary["handsets"]),
        events_with_flags=int(summary["flagged"] or 0),
        events_by_flag=events_by_flag(events),
        source_files=int(summary["sources"]),
        by_kind={str(k): int(n) for k, n in zip(kinds[c.KIND], kinds["n"], strict=True)},
    )


def events_by_flag(events: ir.Table) -> dict[str, int]:
    """How many events carry each data-quality flag, most frequent first (ties by name)."""
    flags = events.select(flag=events[c.FLAGS].unnest())
    counts = flags.group_by("flag").aggregate(n=flags.count()).to_pyarrow().to_pylist()
    ordered = sorted(counts, key=lambda row: (-row["n"], row["flag"]))
    return {str(row["flag"]): int(row["n"]) for row in ordered}


def cells_status(cells: ir.Table) -> CellsStatus:
    """Headline figures of the cell-site table."""
    areas = cells.group_by(c.AREA).aggregate(n=cells.count()).order_by(c.AREA)
    return CellsStatus(
        cells=int(cells.count().to_pyarrow().as_py()),
        by_area={str(row[c.AREA]): int(row["n"]) for row in areas.to_pyarrow().to_pylist()},
    )


def status_report(workspace: Workspace) -> WorkspaceStatus:
    """Everything ``fortress status`` reports."""
    backend = connect(workspace)
    comms = table(backend, workspace, COMMS)
    cells = table(backend, workspace, CELLS)
    batches = workspace.batches()
    published = [b for b in batches if b.status == "published"]
    return WorkspaceStatus(
        workspace=str(workspace.root),
        database=workspace.database_url,
        created_at=workspace.info("created_at"),
        comms=comms_status(comms) if comms is not None else CommsStatus(),
        cells=cells_status(cells) if cells is not None else CellsStatus(),
        ingests=IngestTotals(
            published=len(published),
            failed=len(batches) - len(published),
            rows_rejected=sum(b.rejected for b in published),
            rejected_by_reason=_rejected_by_reason(published),
            rows_duplicate=sum(b.duplicates for b in batches),
        ),
        files=tuple(
            IngestedFile(
                file=b.source_path,
                table=b.table_name,
                layout=b.layout,
                status=b.status,
                accepted=b.accepted,
                rejected=b.rejected,
                reject_reasons=json.loads(b.reject_reasons),
                duplicates=b.duplicates,
                at=b.finished_at.isoformat(),
            )
            for b in batches
        ),
    )


def workspace_status(workspace: Workspace) -> dict[str, Any]:
    """:func:`status_report` as a JSON-ready dictionary (for callers assembling JSON)."""
    return status_report(workspace).to_dict()


def _rejected_by_reason(batches: list[IngestBatch]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for batch in batches:
        reasons: dict[str, int] = json.loads(batch.reject_reasons)
        totals.update(reasons)
        unexplained = batch.rejected - sum(reasons.values())
        if unexplained > 0:
            totals[REASON_NOT_RECORDED] += unexplained
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())
