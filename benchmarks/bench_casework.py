"""Benchmark the casework server under load (the casework issue's target: 50 concurrent users
on loopback against 1,000,000 intelligence records, p95 under 300 ms for record views and
under 1 s for searches, on SQLite and on PostgreSQL).

For each database, a fresh record database is migrated (``fortress.casework.db.migrate``),
50 analysts are added (``add_user``) and the records are bulk-loaded (SQLite: ``executemany``
in one transaction; PostgreSQL: ``COPY`` into a private schema, then ``VACUUM ANALYZE`` as
autovacuum would after a bulk load; the schema is dropped afterwards). Then ``fortress
serve`` runs as its own process on 127.0.0.1 with its defaults, the analysts sign in through
the API (once: tokens last 8 hours), and ``wrk`` (``benchmarks/casework_wrk.lua``) keeps 50
connections busy for a fixed time, each request with a random analyst's bearer token and no
think time. One server answers every run on a database, from the first to the last (a
server that cannot recover from one load fails the next); before each run, an unmeasured
warm-up on one connection. The request kinds alternate within each run: the baseline
``GET /api/v1/me`` (signed in, no record touched), record views
``GET /api/v1/intelligence/<random id>`` (each audited), and searches (each audited): half
``?vehicle=<a plate that is linked>``, half ``?phone=<a drama number>&limit=100``.

The records (seeded, deterministic): ids 1..N recorded in order from 2020-01-01 over six
years; grade 3x5x2 (source 1/2/3 at 30/50/20 %, assessment A-E, handling P, or C with
conditions for 10 %); a short text made of a few phrases; recorded by ``bench``; one link,
and a second of another type for half of them. Link types: phone 40 %, vehicle 40 %, address
20 %. Phones are Ofcom's drama numbers +447700900000-+447700900999 (1,000 numbers, so each is
linked to hundreds of reports); vehicles are synthetic plates ``FT`` + 2 digits + 3 letters
from a pool of one plate per ten records (a handful of reports each); addresses are ``<n>
<street>, TESTTOWN`` on five invented streets. Every record has its retention row (review
six years after it was recorded). The audit log is not pre-filled: it holds the analysts'
creation and grows by one entry per view or search during the load.

Reproduce: ``.venv/bin/python benchmarks/bench_casework.py`` (needs ``wrk``: ``apt-get
install -y wrk``, which the script runs when it is missing and it may; and PostgreSQL at
``--postgres-url``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from common import BENCH_DIR, REPO, cpu_ticks, machine, stolen_share, table, write_section
from fortress.casework import audit
from fortress.casework.db import migrate
from fortress.casework.retention import REVIEW_YEARS, in_years
from fortress.casework.users import add_user
from fortress.store.workspace import Workspace

DOC = REPO / "docs" / "benchmarks.md"
LUA = BENCH_DIR / "casework_wrk.lua"
POSTGRES_URL = os.environ.get(
    "FORTRESS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
USERS = 50
PASSWORD = "bench-password-not-secret"
KINDS = ("me", "view", "search")
LABELS = {
    "me": "baseline `GET /api/v1/me`",
    "view": "record view `GET /api/v1/intelligence/{id}`",
    "search": "search `GET /api/v1/intelligence?vehicle=` / `?phone=&limit=100`",
}
HEADER = ("database", "request", "p50", "p95", "p99", "max", "req/s", "failed", "p95 of runs",
          "vs baseline", "server CPU ms / answer", "CPU stolen")  # fmt: skip
TARGET_MS = {"view": 300.0, "search": 1000.0}
CHUNK = 50_000
START = datetime(2020, 1, 1)
SPAN_SECONDS = 6 * 365 * 86_400

STREETS = ("EXAMPLE STREET", "SAMPLE ROAD", "FICTION AVENUE", "PLACEHOLDER LANE", "TEST CLOSE")
SUBJECTS = (
    "A male in his twenties", "A female known locally as J", "Two youths on bicycles",
    "The occupant of the ground-floor flat", "A driver in a grey hatchback",
    "An older male with a dog", "A teenager in school uniform",
)  # fmt: skip
ACTS = (
    "was seen handing small packages to callers", "is believed to hold drugs for a line",
    "collects cash from users", "meets a car for a few minutes at a time",
    "is recruiting local children to run deliveries", "has visitors at all hours",
    "was seen with a large amount of cash",
)  # fmt: skip
WHEN = ("most evenings after 18:00", "on weekday mornings", "at weekends", "late at night",
        "after school hours", "on benefit days")  # fmt: skip
CONDITIONS = (
    "Not to be disclosed outside the force without the originating officer's consent.",
    "May be shared with the local authority safeguarding team only.",
    "Source protection: do not action without a supervisor's review.",
)


# --- the records ----------------------------------------------------------------------------


def plate(index: int) -> str:
    """The synthetic plate number ``index``: FT, two digits, three letters."""
    rest, digits = divmod(index, 100)
    letters = ""
    for _ in range(3):
        rest, letter = divmod(rest, 26)
        letters += chr(ord("A") + letter)
    return f"FT{digits:02d}{letters}"


def phone(index: int) -> str:
    """Drama number ``index`` (0-999) in E.164: +447700900000-+447700900999."""
    return f"+447700900{index:03d}"


@dataclass
class Generated:
    """What the generator made, beyond the rows: link counts and the values to search."""

    links: int = 0
    by_value: Counter[tuple[str, str]] = field(default_factory=Counter)


GENERATED = Generated()
"""Filled by ``generate`` (cleared before each database)."""


def generate(records: int, seed: int = 1) -> Iterator[tuple[list[tuple[Any, ...]], ...]]:
    """Chunks of (intelligence rows, link rows, retention rows); see the module docstring."""
    rng = random.Random(seed)
    plates = max(1_000, records // 10)
    link_id = 0
    made = GENERATED
    for first in range(1, records + 1, CHUNK):
        items: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        keep: list[tuple[Any, ...]] = []
        for item_id in range(first, min(first + CHUNK, records + 1)):
            at = START + timedelta(seconds=int(item_id * SPAN_SECONDS / (records + 1)))
            kinds = rng.choices(("phone", "vehicle", "address"), weights=(40, 40, 20))
            if rng.random() < 0.5:
                kinds.append(rng.choice([k for k in ("phone", "vehicle", "address")
                                         if k != kinds[0]]))  # fmt: skip
            values: list[tuple[str, str]] = []
            for kind in kinds:
                if kind == "phone":
                    value = phone(rng.randrange(1_000))
                elif kind == "vehicle":
                    value = plate(rng.randrange(plates))
                else:
                    value = f"{rng.randrange(1, 1_000)} {rng.choice(STREETS)}, TESTTOWN"
                values.append((kind, value))
            detail = {"phone": "linked number {}", "vehicle": "seen in vehicle {}",
                      "address": "seen at {}"}[values[0][0]].format(values[0][1].title()
                      if values[0][0] == "address" else values[0][1])  # fmt: skip
            text = f"{rng.choice(SUBJECTS)} {rng.choice(ACTS)} {rng.choice(WHEN)}; {detail}."
            conditional = rng.random() < 0.10
            items.append((
                item_id, text, "3x5x2", rng.choices("123", weights=(30, 50, 20))[0],
                rng.choices("ABCDE", weights=(15, 35, 30, 15, 5))[0], "C" if conditional else "P",
                rng.choice(CONDITIONS) if conditional else None, None, "bench", at,
            ))  # fmt: skip
            for kind, value in values:
                link_id += 1
                links.append((link_id, item_id, kind, value))
                made.by_value[(kind, value)] += 1
            review = in_years(at.date(), REVIEW_YEARS["intelligence"])
            keep.append(("intelligence", item_id, review, None, None))
        made.links = link_id
        yield items, links, keep


INTELLIGENCE_COLUMNS = (
    "id", "text", "grading_model", "source_evaluation", "assessment", "handling_code",
    "handling_conditions", "public_report_id", "recorded_by", "recorded_at",
)  # fmt: skip
LINK_COLUMNS = ("id", "intelligence_id", "entity_type", "value")
RETENTION_COLUMNS = ("record_type", "record_id", "review_on", "hold_reason", "held_by")
TABLES = (
    ("casework_intelligence", INTELLIGENCE_COLUMNS),
    ("casework_intelligence_links", LINK_COLUMNS),
    ("casework_retention", RETENTION_COLUMNS),
)


def _sqlite_value(value: Any) -> Any:
    """As SQLAlchemy stores it in SQLite (datetimes with microseconds, dates ISO)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load_sqlite(path: Path, records: int) -> None:
    """Bulk-load the records into the workspace's SQLite file (one transaction)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=OFF")  # loading only; the server uses FULL
        with connection:
            for chunk in generate(records):
                for (name, columns), rows in zip(TABLES, chunk, strict=True):
                    marks = ", ".join("?" for _ in columns)
                    connection.executemany(
                        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",
                        ([_sqlite_value(v) for v in row] for row in rows),
                    )
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)  # the generated texts hold no tab, newline or backslash


def load_postgresql(engine: sa.Engine, records: int) -> None:
    """Bulk-load the records with COPY, set the id sequences, then VACUUM ANALYZE."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for chunk in generate(records):
            for (name, columns), rows in zip(TABLES, chunk, strict=True):
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(
                        "".join("\t".join(_copy_text(v) for v in row) + "\n" for row in rows)
                    )
        for name in ("casework_intelligence", "casework_intelligence_links"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT max(id) FROM {name}))"
            )
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name, _ in TABLES:
            connection.execute(sa.text(f"VACUUM ANALYZE {name}"))


# --- one database ---------------------------------------------------------------------------


@dataclass
class Database:
    """A seeded record database and what it took."""

    name: str
    workspace: Path
    url: str | None
    seed_seconds: float = 0.0
    size_bytes: int = 0
    links: int = 0
    drop: str | None = None


def prepare(name: str, folder: Path, records: int, postgres_url: str) -> Database:
    """A fresh workspace (and PostgreSQL schema), migrated, with analysts and records."""
    root = folder / f"ws-{name}"
    shutil.rmtree(root, ignore_errors=True)
    url: str | None = None
    schema = None
    if name == "postgresql":
        admin = sa.create_engine(postgres_url)
        schema = f"fortress_bench_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = f"{postgres_url}?options=-csearch_path%3D{schema}"
    found = Database(name, root, url, drop=schema)
    clock = time.perf_counter()
    workspace = Workspace.open(root, database_url=url)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        for number in range(1, USERS + 1):
            add_user(session, f"analyst{number:02d}", "analyst", PASSWORD, agency=None,
                     actor="bench")  # fmt: skip
    if name == "sqlite":
        workspace.engine.dispose()
        load_sqlite(root / "records.db", records)
        found.size_bytes = (root / "records.db").stat().st_size
    else:
        load_postgresql(workspace.engine, records)
        with workspace.engine.connect() as connection:
            found.size_bytes = int(connection.execute(sa.text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind = 'r'"
            ), {"s": schema}).scalar_one())  # fmt: skip
    workspace.engine.dispose()
    found.seed_seconds = time.perf_counter() - clock
    found.links = GENERATED.links
    return found


def drop(database: Database, postgres_url: str) -> None:
    """Remove the benchmark's PostgreSQL schema."""
    if database.drop:
        admin = sa.create_engine(postgres_url)
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{database.drop}" CASCADE'))
        admin.dispose()


def audit_state(database: Database) -> tuple[int, bool]:
    """Audit entries held and whether the hash chain verifies."""
    workspace = Workspace.open(database.workspace, database_url=database.url)
    try:
        with workspace.sessions() as session:
            found = audit.verify(session)
        return found.entries, found.ok
    finally:
        workspace.engine.dispose()


# --- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fortress() -> str:
    beside = Path(sys.executable).parent / "fortress"
    if beside.exists():
        return str(beside)
    found = shutil.which("fortress")
    if found is None:
        raise SystemExit("the fortress command is not installed (pip install -e .)")
    return found


class Server:
    """``fortress serve`` in its own process, logging to a file."""

    def __init__(self, database: Database, log: Path, workers: int = 1) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [_fortress(), "--workspace", str(database.workspace)]
        if database.url:
            command += ["--database-url", database.url]
        command += ["serve", "--host", "127.0.0.1", "--port", str(self.port),
                    "--workers", str(workers)]  # fmt: skip
        self.log = log
        self._log = log.open("w")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                        cwd=REPO)  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"fortress serve stopped:\n{log.read_text()[-4000:]}")
            try:
                urllib.request.urlopen(f"{self.base}/openapi.json", timeout=5).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("fortress serve did not answer within 120 s") from None
                time.sleep(0.25)

    def sign_in(self, name: str) -> str:
        """A bearer token for ``name``."""
        body = json.dumps({"name": name, "password": PASSWORD}).encode()
        request = urllib.request.Request(f"{self.base}/api/v1/session", data=body,
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            return str(json.load(answer)["token"])

    def peak_rss_mb(self) -> float:
        """The peak resident set size (VmHWM) of the server's processes (uvicorn's and its
        workers'), summed, MiB: an upper bound of what they held at once."""
        return sum(_peak_rss_mb(pid) for pid in _process_tree(self.process.pid))

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server's processes have used so far."""
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.process.pid))

    def stop(self) -> None:
        """Stop the server (SIGTERM; killed if requests stuck in it keep it alive for 10 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def errors(self) -> Counter[str]:
        """Exceptions the server logged, by type and the start of the message."""
        found: Counter[str] = Counter()
        pattern = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Violation)): (.{0,120})")
        for line in self.log.read_text(errors="replace").splitlines():
            match = pattern.match(line)
            if match:
                found[f"{match.group(1)}: {match.group(2)}"] += 1
        return found


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += _process_tree(int(child))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # it ended meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # it ended meanwhile
        pass
    return 0.0


# --- the load -------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The wrk binary, installed with apt-get when missing and allowed (root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (apt-get install -y wrk)", flush=True)
        done = subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True,
                              text=True, check=False)  # fmt: skip
        if done.returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True, check=False)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("this benchmark needs wrk: install it with `apt-get install -y wrk`")


@dataclass(frozen=True)
class Load:
    """One wrk run's figures (milliseconds, requests per second). With no answer at all,
    the percentiles are infinite."""

    p50: float
    p95: float
    p99: float
    max: float
    rps: float
    requests: int
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    in_flight: int
    """Requests sent but unanswered when the run ended (wrk drops them): up to one per
    connection is normal in a closed loop; with no answer at all, they were stuck."""
    stolen: float = 0.0
    """The share of the machine's CPU time the hypervisor gave other guests meanwhile."""
    server_cpu_ms: float = math.nan
    """The server's processes' CPU time (user and system) per answer, ms."""

    @property
    def ok(self) -> int:
        """2xx answers."""
        return sum(n for status, n in self.statuses.items() if status.startswith("2"))

    @property
    def non_2xx(self) -> int:
        """Answers that were not 2xx."""
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))

    @property
    def failed(self) -> int:
        """Non-2xx answers and socket errors (timeouts included)."""
        return self.non_2xx + sum(self.socket_errors.values())


def run_wrk(
    wrk: str,
    server: Server,
    kind: str,
    *,
    seconds: float,
    connections: int,
    files: dict[str, Path],
    records: int,
    seed: int,
    think_ms: float,
) -> Load:
    """``seconds`` of ``kind`` requests over ``connections`` connections."""
    env = dict(os.environ, BENCH_TOKENS=str(files["tokens"]), BENCH_SEED=str(seed),
               BENCH_MAX_ID=str(records))  # fmt: skip
    env["BENCH_PATHS"] = str(files[kind]) if kind in files else ""
    env["BENCH_THINK_MS"] = f"{think_ms:g}"
    threads = str(min(2, connections))  # wrk refuses more threads than connections
    command = [wrk, "-t", threads, "-c", str(connections), "-d", f"{seconds:g}s", "--timeout",
               "60s", "-s", str(LUA), server.base]  # fmt: skip
    ticks, server_cpu = cpu_ticks(), server.cpu_seconds()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False,
                          timeout=seconds + 120)  # fmt: skip
    stolen, server_cpu = stolen_share(ticks, cpu_ticks()), server.cpu_seconds() - server_cpu
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    report = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
    answered = report["requests"]
    sockets = {k: v for k, v in report["errors"].items() if k != "status" and v}
    lost = sum(v for k, v in sockets.items() if k != "connect")
    ms = {key: report[f"{key}_us"] / 1000 if answered else math.inf
          for key in ("p50", "p95", "p99", "max")}  # fmt: skip
    return Load(
        p50=ms["p50"], p95=ms["p95"], p99=ms["p99"], max=ms["max"],
        rps=answered / (report["duration_us"] / 1e6), requests=answered,
        statuses={str(k): v for k, v in report["statuses"].items()}, socket_errors=sockets,
        in_flight=max(0, report["sent"] - answered - lost), stolen=stolen,
        server_cpu_ms=1000 * server_cpu / answered if answered else math.nan,
    )  # fmt: skip


def search_paths(folder: Path, count: int = 10_000) -> Path:
    """Half vehicle searches (plates that are linked), half phone searches (limit 100)."""
    rng = random.Random(2)
    linked = sorted(v for k, v in GENERATED.by_value if k == "vehicle")
    paths = []
    for _ in range(count // 2):
        paths.append(f"/api/v1/intelligence?vehicle={rng.choice(linked)}")
        number = urllib.parse.quote(phone(rng.randrange(1_000)), safe="")
        paths.append(f"/api/v1/intelligence?phone={number}&limit=100")
    rng.shuffle(paths)
    path = folder / "search-paths.txt"
    path.write_text("\n".join(paths) + "\n")
    return path


@dataclass
class Result:
    """Everything measured on one database."""

    database: Database
    loads: dict[int, dict[str, list[Load]]]
    """Per server (its number of worker processes), each kind's runs."""
    peak_rss_mb: dict[int, float]
    audit_entries: int
    audit_added: int
    audit_ok: bool
    server_errors: Counter[str]
    audited_answers: int


def bench_database(name: str, args: argparse.Namespace, folder: Path, wrk: str) -> Result:
    """Seed one database, then every run of each kind against one server per number of
    worker processes, each of which keeps running from the first load to the last (as a
    deployed one would); the servers take turns within each run and kind, so that a
    comparison between them sees the same moments of a noisy machine."""
    print(f"{name}: seeding {args.records:,} records", flush=True)
    database = prepare(name, folder, args.records, args.postgres_url)
    try:
        print(f"{name}: seeded in {database.seed_seconds:.1f} s, {database.size_bytes:,} bytes",
              flush=True)  # fmt: skip
        before, _ = audit_state(database)
        files = {"search": search_paths(folder), "me": folder / "me-paths.txt",
                 "tokens": folder / f"tokens-{name}.txt"}  # fmt: skip
        files["me"].write_text("/api/v1/me\n")
        loads: dict[int, dict[str, list[Load]]] = {n: {k: [] for k in KINDS} for n in args.workers}
        audited = 0
        common = {"files": files, "records": args.records, "think_ms": args.think_ms}
        servers = {n: Server(database, folder / f"server-{name}-{n}.log", n) for n in args.workers}
        try:
            if not files["tokens"].exists():  # tokens last 8 hours: sign in once
                first = servers[args.workers[0]]
                tokens = [first.sign_in(f"analyst{n:02d}") for n in range(1, USERS + 1)]
                files["tokens"].write_text("\n".join(tokens) + "\n")
            for index, kind, workers in itertools.product(
                range(1, args.runs + 1), KINDS, args.workers
            ):
                server = servers[workers]
                # the warm-up also lets the previous load's last requests finish
                warm = run_wrk(wrk, server, kind, seconds=args.warmup, connections=1,
                               seed=100 + index, **common)  # fmt: skip
                load = run_wrk(wrk, server, kind, seconds=args.seconds,
                               connections=args.connections, seed=index, **common)  # fmt: skip
                if kind != "me":
                    audited += warm.ok + load.ok
                loads[workers][kind].append(load)
                print(f"  {name} x{workers} run {index}/{args.runs} {kind}: p50 {load.p50:.0f} ms, "
                      f"p95 {load.p95:.0f} ms, p99 {load.p99:.0f} ms, {load.rps:,.0f} req/s, "
                      f"statuses {load.statuses}, socket errors {load.socket_errors}, in "
                      f"flight at the end {load.in_flight}, CPU stolen {load.stolen:.0%} "
                      f"(warm-up: {warm.rps:,.0f} req/s, statuses {warm.statuses})",
                      flush=True)  # fmt: skip
            peak = {n: server.peak_rss_mb() for n, server in servers.items()}
        finally:
            for server in servers.values():
                server.stop()
        errors = sum((server.errors() for server in servers.values()), Counter[str]())
        after, ok = audit_state(database)
        return Result(database, loads, peak, after, after - before, ok, errors, audited)
    finally:
        drop(database, args.postgres_url)


# --- the report -----------------------------------------------------------------------------


def _median(loads: list[Load], what: str) -> float:
    return float(statistics.median(getattr(load, what) for load in loads))


def _failures(loads: list[Load]) -> str:
    statuses: Counter[str] = Counter()
    sockets: Counter[str] = Counter()
    for load in loads:
        statuses.update({k: v for k, v in load.statuses.items() if not k.startswith("2")})
        sockets.update(load.socket_errors)
    total = sum(load.requests for load in loads)
    parts = [f"{n:,} x {status}" for status, n in sorted(statuses.items())]
    parts += [f"{n:,} {kind} errors" for kind, n in sorted(sockets.items())]
    found = f"{', '.join(parts) or '0'} of {total:,} answers"
    stuck = sum(load.in_flight for load in loads if not load.requests)
    return found + (f"; {stuck:,} sent and never answered (runs with no answer)" if stuck else "")


def _largest(loads: list[Load]) -> float:
    """The slowest answer of any run (infinite if no run had one)."""
    return max((load.max for load in loads if math.isfinite(load.max)), default=math.inf)


def _ms(value: float) -> str:
    return f"{value:,.0f}" if math.isfinite(value) else "none"


def markdown(
    args: argparse.Namespace, results: list[Result], seconds: float, wrk: str, code: str
) -> str:
    """The section of ``docs/benchmarks.md``."""
    info = machine()
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    wrk_version = (version.stdout or version.stderr).split()[1]
    rows = []
    verdicts = []
    for result, workers in itertools.product(results, args.workers):
        served = _served_by(result.database.name, workers)
        base = _median(result.loads[workers]["me"], "p95")
        for kind in KINDS:
            loads = result.loads[workers][kind]
            p95 = _median(loads, "p95")
            ratio = p95 / base if math.isfinite(p95) and base > 0 else math.inf
            rows.append([
                served, LABELS[kind], _ms(_median(loads, "p50")), f"**{_ms(p95)}**",
                _ms(_median(loads, "p99")), _ms(_largest(loads)),
                f"{_median(loads, 'rps'):,.0f}", _failures(loads),
                ", ".join(_ms(load.p95) for load in loads),
                "1.0" if kind == "me" else (f"{ratio:.1f}x" if math.isfinite(ratio) else "-"),
                f"{_median(loads, 'server_cpu_ms'):.2f}",
                ", ".join(f"{load.stolen:.0%}" for load in loads),
            ])  # fmt: skip
        verdicts.append([served, *(_verdict(result.loads[workers][k], k) for k in TARGET_MS)])
    seeded = "; ".join(
        f"{r.database.name} {r.database.seed_seconds:.0f} s ({_size(r.database.size_bytes)})"
        for r in results
    )
    links = results[0].database.links if results else 0
    phones = [n for (k, _), n in GENERATED.by_value.items() if k == "phone"]
    vehicles = [n for (k, _), n in GENERATED.by_value.items() if k == "vehicle"]
    checks = []
    for r in results:
        errors = ", ".join(f"{n:,} x `{e}`" for e, n in r.server_errors.most_common(3))
        peaks = ", ".join(f"{_processes(n)} {mib:,.0f} MiB" for n, mib in r.peak_rss_mb.items())
        checks.append(
            f"{r.database.name}: server peak RSS (processes summed) {peaks}; audit entries written "
            f"during the load {r.audit_added:,} (2xx views and searches wrk saw: "
            f"{r.audited_answers:,}; a request still in flight when wrk stops is audited "
            f"but not counted), chain {'intact' if r.audit_ok else '**broken**'} "
            f"({r.audit_entries:,} entries)"
            + (f"; exceptions in the server log: {errors}" if errors else "")
        )
    command = ".venv/bin/python benchmarks/bench_casework.py" + _options(args)
    lines = [
        "## Casework server under load",
        "",
        f"Measured by `benchmarks/bench_casework.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"in {seconds / 60:.0f} minutes ({info['CPU']}, {info['cores available']} cores, "
        f"{info['RAM']}), on {code}. Reproduce: `{command}`.",
        "",
        f"**Data.** {args.records:,} intelligence reports with {links:,} links and "
        f"{args.records:,} retention rows, bulk-loaded into a fresh, migrated database (the "
        "script's docstring gives the seeded scheme): drama phone numbers linked to "
        f"{statistics.mean(phones) if phones else 0:,.0f} reports each on average, plates to "
        f"{statistics.mean(vehicles) if vehicles else 0:,.1f}. SQLite is the workspace's "
        "`records.db` (WAL, `synchronous=FULL`, as Fortress opens it; no `ANALYZE`); "
        "PostgreSQL 15 a private schema on the same machine, `VACUUM ANALYZE`d after the "
        "load. The audit log is not pre-filled (each view and search appends to it during "
        f"the load). Seeding (migrate, 50 users, load): {seeded}.",
        "",
        f"**Load.** `fortress serve --workers N` (uvicorn; N = "
        f"{', '.join(str(n) for n in args.workers)}; one process answers when N is 1, N "
        "worker processes otherwise) "
        f"and wrk {wrk_version} "
        f"(2 threads, {args.connections} connections, `--timeout 60s` so slow answers are "
        f"measured, not dropped) on the same machine over loopback; {USERS} analysts signed "
        f"in, each request carrying a random one's token, {_thinking(args)}. Per database, "
        f"{args.runs} runs of {args.seconds:g} s per kind, the kinds alternating within each "
        "run; one server per database and N answers every run, from the first to the last "
        "(the servers take turns within each run and kind, so that they meet the same "
        "moments of a noisy machine), each run after an unmeasured warm-up of "
        f"{args.warmup:g} s of the same kind on one connection (which also lets the previous "
        "run's last requests finish). Record "
        f"views pick a random id in 1..{args.records:,}; searches are half `?vehicle=<a "
        "linked plate>` (a handful of reports), half `?phone=<a drama number>&limit=100` "
        "(100 reports returned, with their links). Latencies in ms: medians over the runs "
        "of each run's p50, p95 and p99; max is the largest of any run. *vs baseline* is "
        "the p95 against the signed-in `GET /api/v1/me` in the same runs. *failed* counts "
        "every non-2xx answer and socket error over all runs; *none*: not one request was "
        "answered during the run. *server CPU ms / answer*: the CPU time the server's processes "
        "used during a run (user and system, from `/proc`), per answer, median over the runs: "
        "the work per request, which a busy host's stolen time inflates far less than it "
        "does latency. *CPU stolen*, per run: the share of the machine's CPU time "
        "the hypervisor gave other guests during the load (`/proc/stat`), time this machine "
        "was ready to work and could not; figures from runs with much of it stolen are "
        "slower than the machine is.",
        "",
        table(HEADER, rows),
        "",
        "Targets: p95 under 300 ms for record views and under 1 s for searches.",
        "",
        table(["database", "record view p95 < 300 ms", "search p95 < 1 s"], verdicts),
        "",
        "A target counts as met only if no request of that kind failed (a quick error answer "
        "would flatter the percentiles).",
        "",
        "Checks: " + "; ".join(checks) + ".",
    ]  # fmt: skip
    return "\n".join(lines)


def _processes(workers: int) -> str:
    return "1 process" if workers == 1 else f"{workers} processes"


def _served_by(database: str, workers: int) -> str:
    return f"{database}, {_processes(workers)}"


def _thinking(args: argparse.Namespace) -> str:
    if args.think_ms > 0:
        return (f"each connection pausing a random time (exponential, mean {args.think_ms:g} "
                "ms) before its next request")  # fmt: skip
    return (
        f"no think time: each connection sends its next request as soon as it has an answer, "
        f"so {args.connections} requests are always in flight (harsher than "
        f"{args.connections} people at a screen) and, by Little's law, the mean latency is "
        f"{args.connections} / (requests per second)"
    )


def _verdict(loads: list[Load], kind: str) -> str:
    p95 = _median(loads, "p95")
    failed = sum(load.failed for load in loads)
    if not math.isfinite(p95):
        return "no answer within the runs - **not met**"
    if p95 < TARGET_MS[kind] and not failed:
        return f"{p95:,.0f} ms - met"
    return f"{p95:,.0f} ms" + (f", {failed:,} failed" if failed else "") + " - **not met**"


def _code_version() -> str:
    """The commit measured, and whether the source differed from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=REPO, check=False).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], capture_output=True,
                           text=True, cwd=REPO, check=False).stdout.strip()  # fmt: skip
    return f"commit {head or 'unknown'}" + (" with uncommitted changes in src/" if dirty else "")


def _size(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MiB"


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1 or len(set(counts)) < len(counts):
        raise argparse.ArgumentTypeError(f"distinct whole numbers from 1, such as 1,2: {text!r}")
    return counts


def _options(args: argparse.Namespace) -> str:
    defaults = {"records": 1_000_000, "runs": 3, "seconds": 30.0, "warmup": 5.0,
                "connections": 50, "think_ms": 0.0, "databases": "sqlite,postgresql",
                "workers": [1, 2]}  # fmt: skip
    return "".join(
        f" --{key.replace('_', '-')} {getattr(args, key):g}" if isinstance(default, float)
        else f" --{key.replace('_', '-')} {','.join(map(str, getattr(args, key)))}"
        if isinstance(default, list)
        else f" --{key.replace('_', '-')} {getattr(args, key)}"
        for key, default in defaults.items()
        if getattr(args, key) != default
    )  # fmt: skip


def main() -> None:
    """Measure and write the section."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0, help="per run and request kind")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds on one connection before each run"
    )
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="mean pause before a connection's next request"
    )
    parser.add_argument(
        "--workers",
        type=_counts,
        default=[1, 2],
        help="fortress serve --workers: one server per value, taking turns (e.g. 1,2)",
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown or not databases:
        raise SystemExit(f"--databases: sqlite and/or postgresql, not {args.databases!r}")
    wrk = ensure_wrk()
    started = time.perf_counter()
    code = _code_version()
    results = []
    with tempfile.TemporaryDirectory(prefix="fortress-bench-casework-") as folder:
        for name in databases:
            GENERATED.by_value.clear()
            results.append(bench_database(name, args, Path(folder), wrk))
    if _code_version() != code:
        code += f" (then {_code_version()}: the source changed during the run)"
    section = markdown(args, results, time.perf_counter() - started, wrk, code)
    write_section(section, args.out, "casework")
    print(section)


if __name__ == "__main__":
    main()
