"""Write a realistic canonical comms CSV of N events, and its Parquet twin, with DuckDB SQL.

Values are pseudo-random but deterministic (DuckDB's ``hash`` of the row number and a salt;
the same DuckDB version gives the same bytes):

* ``start``: ISO 8601 with ``Z``, rising through 90 days from 2025-01-01 as exports usually
  are (each row a few seconds after the last, with jitter, so not strictly sorted);
* ``kind``: ``call`` about 40 %, ``sms`` about 60 %;
* numbers from a pool of 200,000 synthetic subscribers in the documented synthetic scheme:
  ``+444`` and 9 digits (the UK 04 range, never allocated by Ofcom) plus 100 drama numbers
  ``+44770090000``..``+447700900099``; some busy subscribers appear far more often than
  others, and one number in ten is written in national form (``04123456789``, ``07700900012``);
* ``duration_s``: 0 for messages and missed calls, else 1 s to about 20 minutes (exponential,
  mean 2 minutes);
* ``a_imei``: the A subscriber's handset, 15 digits with a valid Luhn check digit, one in ten
  with a ``01`` type code (leading zero), 3 % empty; ``a_imsi``: ``00101`` + 10 digits (the
  test network's code);
* ``a_cell``, ``b_cell``: ids ``234-30-LAC-CI`` of 2,000 cells, ``b_cell`` empty for 5 %;
* ``answered``: for calls ``true`` 80 %, ``false`` 15 %, empty 5 %; empty for messages;
* no ``event_id`` column, so ingest computes hashed ids (the slower, realistic path).

Files are cached in ``benchmarks/data/`` (git-ignored), keyed by N and a generator version.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Final

import duckdb

from common import DATA_DIR, mib

VERSION: Final = "v1"
SUBSCRIBERS: Final = 200_000
DRAMA: Final = 100
CELLS: Final = 2_000
DAYS: Final = 90
COLUMNS: Final = (
    "start",
    "kind",
    "a_number",
    "b_number",
    "duration_s",
    "a_imei",
    "a_imsi",
    "a_cell",
    "b_cell",
    "answered",
)


def csv_path(rows: int) -> Path:
    """Where the cached CSV of ``rows`` events lives."""
    return DATA_DIR / f"canonical-{rows}-{VERSION}.csv"


def parquet_path(rows: int) -> Path:
    """Where the cached Parquet twin of ``rows`` events lives."""
    return DATA_DIR / f"canonical-{rows}-{VERSION}.parquet"


def _u(salt: int, key: str = "i") -> str:
    """SQL for a deterministic uniform number in [0, 1) from ``key`` and ``salt``."""
    return f"((hash({key}, {salt}) % 1000000007) / 1000000007.0)"


def _subscribers_sql() -> str:
    """200,000 subscribers: number, handset (Luhn-valid IMEI) and SIM."""
    luhn = (
        "list_sum(list_transform(range(1, 15), lambda k: CASE WHEN k % 2 = 0 THEN "
        "(2 * CAST(substr(body, k, 1) AS INTEGER)) // 10 + "
        "(2 * CAST(substr(body, k, 1) AS INTEGER)) % 10 "
        "ELSE CAST(substr(body, k, 1) AS INTEGER) END))"
    )
    return f"""
        WITH base AS (
            SELECT
                s,
                CASE WHEN s >= {SUBSCRIBERS - DRAMA}
                    THEN '+447700900' || lpad(CAST(s - {SUBSCRIBERS - DRAMA} AS VARCHAR), 3, '0')
                    ELSE '+444' || lpad(CAST(hash(s, 11) % 1000000000 AS VARCHAR), 9, '0')
                END AS number,
                CASE WHEN hash(s, 12) % 10 = 0 THEN '01' ELSE '35' END
                    || lpad(CAST(hash(s, 13) % 1000000 AS VARCHAR), 6, '0')
                    || lpad(CAST(hash(s, 14) % 1000000 AS VARCHAR), 6, '0') AS body,
                '00101' || lpad(CAST(hash(s, 15) % 10000000000 AS VARCHAR), 10, '0') AS imsi
            FROM range({SUBSCRIBERS}) r(s)
        )
        SELECT s, number,
            '0' || substr(number, 4) AS national,
            body || CAST((10 - {luhn} % 10) % 10 AS VARCHAR) AS imei,
            imsi
        FROM base
    """


def _events_sql(rows: int) -> str:
    """The typed event rows (``start`` as TIMESTAMPTZ); CSV and Parquet both come from it."""
    step = DAYS * 86_400 / rows
    # min of two uniforms: low subscriber ids are busier (density falls linearly)
    party_a = f"least(hash(i, 2) % {SUBSCRIBERS}, hash(i, 3) % {SUBSCRIBERS})"
    party_b = f"least(hash(i, 4) % {SUBSCRIBERS}, hash(i, 5) % {SUBSCRIBERS})"
    return f"""
        WITH ev AS (
            SELECT
                i,
                TIMESTAMPTZ '2025-01-01 00:00:00+00'
                    + to_seconds(CAST(floor(i * {step}) + hash(i, 1) % 5 AS BIGINT)) AS start,
                CASE WHEN {_u(6)} < 0.4 THEN 'call' ELSE 'sms' END AS kind,
                {party_a} AS a, {party_b} AS b,
                {_u(7)} AS u_answer,
                {_u(8)} AS u_duration
            FROM range({rows}) r(i)
        ),
        typed AS (
            SELECT
                i, start, kind, a, b,
                CASE WHEN kind = 'sms' THEN NULL WHEN u_answer < 0.80 THEN true
                    WHEN u_answer < 0.95 THEN false END AS answered,
                u_duration
            FROM ev
        )
        SELECT
            start,
            kind,
            CASE WHEN hash(i, 9) % 10 = 0 THEN sa.national ELSE sa.number END AS a_number,
            CASE WHEN hash(i, 10) % 10 = 0 THEN sb.national ELSE sb.number END AS b_number,
            CASE WHEN kind = 'call' AND answered IS DISTINCT FROM false
                THEN 1 + CAST(least(-ln(1 - u_duration) * 120, 1200) AS BIGINT)
                ELSE 0 END AS duration_s,
            CASE WHEN hash(i, 16) % 100 < 3 THEN NULL ELSE sa.imei END AS a_imei,
            sa.imsi AS a_imsi,
            '234-30-' || CAST(1000 + (hash(i, 17) % {CELLS}) // 40 AS VARCHAR) || '-'
                || CAST(10000 + (hash(i, 17) % {CELLS}) * 7 AS VARCHAR) AS a_cell,
            CASE WHEN hash(i, 18) % 100 < 5 THEN NULL ELSE
                '234-30-' || CAST(1000 + (hash(i, 19) % {CELLS}) // 40 AS VARCHAR) || '-'
                || CAST(10000 + (hash(i, 19) % {CELLS}) * 7 AS VARCHAR) END AS b_cell,
            answered
        FROM typed
        JOIN subs sa ON sa.s = typed.a
        JOIN subs sb ON sb.s = typed.b
        ORDER BY i
    """


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET temp_directory = '{DATA_DIR / 'duckdb-tmp'}'")
    con.execute("SET preserve_insertion_order = true")
    return con


def ensure_csv(rows: int) -> Path:
    """The CSV of ``rows`` events, generated unless cached."""
    select = (
        "SELECT strftime(start, '%Y-%m-%dT%H:%M:%SZ') AS start, kind, a_number, b_number, "
        "duration_s, a_imei, a_imsi, a_cell, b_cell, "
        "CASE answered WHEN true THEN 'true' WHEN false THEN 'false' END AS answered "
        f"FROM ({_events_sql(rows)})"
    )
    return _ensure(csv_path(rows), rows, select, "FORMAT csv, HEADER true, DELIMITER ','")


def ensure_parquet(rows: int) -> Path:
    """The Parquet twin of ``rows`` events (``start`` as timestamp with time zone UTC)."""
    options = "FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880"
    return _ensure(parquet_path(rows), rows, _events_sql(rows), options)


def _ensure(path: Path, rows: int, select: str, copy_options: str) -> Path:
    """Write ``select`` to ``path`` (via a partial file renamed at the end) unless cached."""
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    with _connect() as con:
        con.execute(f"CREATE TEMP TABLE subs AS {_subscribers_sql()}")
        con.execute(f"COPY ({select}) TO '{partial}' ({copy_options})")
    os.replace(partial, path)
    print(
        f"wrote {path.name}: {rows:,} rows, {mib(path.stat().st_size)} "
        f"in {time.perf_counter() - clock:.1f} s",
        flush=True,
    )
    return path


def main() -> None:
    """Command line: generate (or find cached) files of ``--rows`` events."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--no-parquet", action="store_true", help="only the CSV")
    args = parser.parse_args()
    print(ensure_csv(args.rows))
    if not args.no_parquet:
        print(ensure_parquet(args.rows))


if __name__ == "__main__":
    main()
