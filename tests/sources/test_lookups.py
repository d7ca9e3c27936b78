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
uk_forms = st.sampled_from(["+44{}", "0{}", "44{}", "0044{}", "+44 (0){}", "(0{})", "+44{}0"])


def _spread(form: str, subscriber: str, cuts: list[int], separator: str) -> str:
    """A UK number in ``form``, with ``separator`` put in at the ``cuts``."""
    written = form.format(subscriber)
    for cut in sorted(set(cuts), reverse=True):
        written = written[:cut] + separator + written[cut:]
    return written


uk_numbers = st.builds(
    _spread,
    uk_forms,
    st.one_of(
        st.from_regex(r"[1-9][0-9]{9}", fullmatch=True),  # a possible UK number
        st.text("0123456789", min_size=9, max_size=11),
    ),
    st.lists(st.integers(0, 16), max_size=3),
    st.sampled_from([" ", "-", ".", "/", "(", ")", "\t", "", "+", "x"]),
)
imei_like = st.one_of(
    digits,
    st.builds(
        lambda body: body + luhn_check_digit(body), st.text("0123456789", min_size=14, max_size=14)
    ),
    st.text('0123456789 -/.E+="x', max_size=20),
)


@settings(max_examples=500)
@given(st.one_of(number_like, uk_numbers))
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


def test_common_uk_forms_take_the_fast_path(con: duckdb.DuckDBPyConnection) -> None:
    forms = ["+447700900123", "07700900123", "447700900123", "00447700900123",
             "07700 900123", "+44 7700 900 123", "07700-900-123", "(07700) 900123"]  # fmt: skip
    assert {fast(con, GB_NUMBER_FAST, raw) for raw in forms} == {("+447700900123", None)}
    for slower in ["+44 (0)7700 900123", "Withheld", "7700900123", "+4407700900123"]:
        assert fast(con, GB_NUMBER_FAST, slower)[0] is None  # left to libphonenumber


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
