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

The *hard* CSV (``hard-N-v1.csv``, ``ensure_hard_csv``) is the same events made harder, as
the ingest target asks: half the B numbers are one-off numbers (``+444`` and 9 digits from a
hash of the row, so about N/2 distinct numbers); every number is written in one of the forms
operators use (E.164 40 %, national 20 %, ``44`` without the plus 20 %, national with a space
10 %, ``0044`` 10 %); and 1 % of rows are bad, one of four ways in turn: a start that is not a
date, an unknown kind (``fax``), a negative duration, or a spreadsheet formula as the A cell.
Every bad row must be rejected (``hard_bad_rows`` counts them) and every other one accepted.

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
_CSV: Final = "FORMAT csv, HEADER true, DELIMITER ','"
_BAD: Final = "hash(i, 40) % 100 = 0"  # the hard CSV's bad rows
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


def hard_csv_path(rows: int) -> Path:
    """Where the cached hard CSV of ``rows`` events lives."""
    return DATA_DIR / f"hard-{rows}-{VERSION}.csv"


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
            i,
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
    return _ensure(csv_path(rows), rows, select, _CSV)


def ensure_parquet(rows: int) -> Path:
    """The Parquet twin of ``rows`` events (``start`` as timestamp with time zone UTC)."""
    options = "FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880"
    return _ensure(parquet_path(rows), rows, f"SELECT * EXCLUDE (i) FROM ({_events_sql(rows)})",
                   options)  # fmt: skip


def _written(number: str, salt: int) -> str:
    """SQL writing an E.164 UK number in one of the forms operators use."""
    form = f"hash(i, {salt}) % 10"
    rest = f"substr({number}, 4)"
    return (
        f"CASE WHEN {form} < 4 THEN {number} WHEN {form} < 6 THEN '0' || {rest} "
        f"WHEN {form} < 8 THEN substr({number}, 2) "
        f"WHEN {form} < 9 THEN '0' || substr({rest}, 1, 4) || ' ' || substr({rest}, 5) "
        f"ELSE '00' || substr({number}, 2) END"
    )


def ensure_hard_csv(rows: int) -> Path:
    """The hard CSV of ``rows`` events (see the module's docstring), generated unless cached."""
    one_off = "'+444' || lpad(CAST(hash(i, 31) % 1000000000 AS VARCHAR), 9, '0')"
    b_number = f"CASE WHEN hash(i, 30) % 2 = 0 THEN {one_off} ELSE e164(b_number) END"
    bad = f"CASE WHEN {_BAD} THEN hash(i, 41) % 4 END"
    select = f"""
        SELECT
            CASE WHEN {bad} = 0 THEN 'not a date'
                ELSE strftime(start, '%Y-%m-%dT%H:%M:%SZ') END AS start,
            CASE WHEN {bad} = 1 THEN 'fax' ELSE kind END AS kind,
            {_written("e164(a_number)", 32)} AS a_number,
            {_written(b_number, 33)} AS b_number,
            CASE WHEN {bad} = 2 THEN -5 ELSE duration_s END AS duration_s,
            a_imei, a_imsi,
            CASE WHEN {bad} = 3 THEN '=HYPERLINK("x")' ELSE a_cell END AS a_cell,
            b_cell,
            CASE answered WHEN true THEN 'true' WHEN false THEN 'false' END AS answered
        FROM ({_events_sql(rows)})
    """
    return _ensure(hard_csv_path(rows), rows, select, _CSV)


def hard_bad_rows(rows: int) -> int:
    """How many rows of the hard CSV of ``rows`` events are bad (each must be rejected)."""
    with duckdb.connect() as con:
        row = con.execute(f"SELECT count(*) FROM range({rows}) r(i) WHERE {_BAD}").fetchone()
    return int(row[0]) if row else 0


def _ensure(path: Path, rows: int, select: str, copy_options: str) -> Path:
    """Write ``select`` to ``path`` (via a partial file renamed at the end) unless cached."""
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    with _connect() as con:
        con.execute(f"CREATE TEMP TABLE subs AS {_subscribers_sql()}")
        # the subscribers' numbers back in E.164 whichever form the canonical file chose
        con.execute("CREATE MACRO e164(n) AS CASE WHEN n LIKE '0%' THEN '+44' || substr(n, 2) "
                    "ELSE n END")  # fmt: skip
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
