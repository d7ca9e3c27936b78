"""The SQL twins of the value types give exactly what the Python types give.

Ingest cleans most values in SQL (fast paths per row, SQL cleaners per distinct value) and
only the rest in Python; these property tests hold the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fortress.model import flags
from fortress.model.values import Imei, Imsi, Msisdn, luhn_check_digit
from fortress.sources.lookups import (
    GB_NUMBER_FAST,
    IMEI_FAST,
    IMEI_SQL,
    IMSI_FAST,
    IMSI_SQL,
    FastPath,
    LocalHours,
    SqlCleaner,
)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def fast(con: duckdb.DuckDBPyConnection, path: FastPath, raw: str) -> tuple[str | None, ...]:
    [row] = con.execute(
        f"SELECT {path.value('v')}, {path.flag(path.prepare('v'))} FROM (SELECT ?::VARCHAR AS v)",
        [raw],
    ).fetchall()
    return tuple(row)


def sql_clean(
    con: duckdb.DuckDBPyConnection, cleaner: SqlCleaner, raw: str
) -> tuple[str | None, ...]:
    [row] = con.execute(
        f"SELECT {cleaner.value}, {cleaner.flag} FROM (SELECT ?::VARCHAR AS v)", [raw]
    ).fetchall()
    return tuple(row)


digits = st.text("0123456789", min_size=0, max_size=18)
number_like = st.one_of(
    digits,
    st.builds(lambda d: "+" + d, digits),
    st.builds(lambda d: "0" + d, digits),
    st.builds(lambda d: "+44" + d, digits),
    st.text('0123456789 +-()="/abc', max_size=20),
)
imei_like = st.one_of(
    digits,
    st.builds(
        lambda body: body + luhn_check_digit(body), st.text("0123456789", min_size=14, max_size=14)
    ),
    st.text('0123456789 -/.E+="x', max_size=20),
)


@settings(max_examples=200)
@given(number_like)
def test_gb_number_fast_path_agrees_with_msisdn(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    value, flag = fast(con, GB_NUMBER_FAST, raw)
    if value is not None:
        assert Msisdn().clean(raw).value == value
        assert Msisdn().clean(raw).flag is None and flag is None


@settings(max_examples=200)
@given(imei_like)
def test_imei_fast_path_and_sql_cleaner_agree_with_imei(
    con: duckdb.DuckDBPyConnection, raw: str
) -> None:
    expected = Imei().clean(raw)
    if not raw.strip():
        return  # empty values never reach a lookup: they are NULL before it
    value, flag = fast(con, IMEI_FAST, raw)
    if value is not None:
        assert (value, flag) == (expected.value, expected.flag)
    assert sql_clean(con, IMEI_SQL, raw) == (expected.value, expected.flag)


@settings(max_examples=200)
@given(imei_like)
def test_imsi_fast_path_and_sql_cleaner_agree_with_imsi(
    con: duckdb.DuckDBPyConnection, raw: str
) -> None:
    expected = Imsi().clean(raw)
    if not raw.strip():
        return
    value, flag = fast(con, IMSI_FAST, raw)
    if value is not None:
        assert (value, flag) == (expected.value, expected.flag)
    assert sql_clean(con, IMSI_SQL, raw) == (expected.value, expected.flag)


def test_luhn_failure_is_flagged_on_the_fast_path(con: duckdb.DuckDBPyConnection) -> None:
    assert fast(con, IMEI_FAST, "012345678901237") == ("012345678901237", None)
    assert fast(con, IMEI_FAST, "012345678901238") == ("012345678901238", flags.IMEI_CHECK_DIGIT)


def test_local_hours_mark_the_uk_clock_changes(con: duckdb.DuckDBPyConnection) -> None:
    LocalHours(con, ZoneInfo("Europe/London")).cover([2024])
    rows = dict(
        (hour, (offset, ambiguous, gap))
        for hour, offset, ambiguous, gap in con.execute("SELECT * FROM local_hours").fetchall()
    )
    assert len(rows) == 366 * 24
    assert rows[datetime(2024, 3, 31, 1)] == (0, False, True)  # clocks go forward at 01:00
    assert rows[datetime(2024, 3, 31, 2)] == (60, False, False)
    assert rows[datetime(2024, 10, 27, 1)] == (60, True, False)  # 01:00-02:00 happens twice
    assert rows[datetime(2024, 10, 27, 2)] == (0, False, False)
    assert rows[datetime(2024, 7, 1, 12)] == (60, False, False)
