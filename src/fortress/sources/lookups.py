"""Incremental lookup tables of cleaned values, kept in the ingest's DuckDB connection.

Each *distinct* raw value is cleaned once (phone numbers by libphonenumber in Python, IMEIs
and IMSIs in SQL, local clock hours with zoneinfo); every batch after that only joins. Well-formed
UK numbers (``+447700900123``, ``07700900123``) and digit-only IMEIs and IMSIs never reach a
lookup at all: the per-row SQL fast paths below give exactly what the value types in
:mod:`fortress.model.values` would (``tests/sources`` checks they agree).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from fortress.model import flags
from fortress.model.values import NUMBER_PUNCTUATION, Cleaned

Cleaner = Callable[[str | None], Cleaned]

_GB_E164 = r"\+44[1-9][0-9]{9}"
_GB_NATIONAL = r"0[1-9][0-9]{9}"
_GB_WITHOUT_PLUS = r"44[1-9][0-9]{9}"  # as many operators' records write them
_GB_WITH_00 = r"0044[1-9][0-9]{9}"
_PUNCTUATION = NUMBER_PUNCTUATION.pattern  # RE2: ASCII spaces only; others go to lookup


@dataclass(frozen=True, slots=True)
class FastPath:
    """Per-row SQL for values already clean enough to need no lookup.

    ``value(expr)`` gives the normalised value, or NULL when ``expr`` is not on the fast
    path (it then goes to the lookup); ``prepare(expr)`` computes, once, what the flag
    needs; ``flag(prepared)`` gives the flag of a fast-path value from that.
    """

    value: Callable[[str], str]
    prepare: Callable[[str], str]
    flag: Callable[[str], str]


def _nothing(_expr: str) -> str:
    return "NULL::VARCHAR"


def _gb_forms(expr: str) -> str:
    return (
        f"(CASE WHEN regexp_full_match({expr}, '{_GB_E164}') THEN {expr} "
        f"WHEN regexp_full_match({expr}, '{_GB_NATIONAL}') THEN '+44' || substr({expr}, 2) "
        f"WHEN regexp_full_match({expr}, '{_GB_WITHOUT_PLUS}') THEN '+' || {expr} "
        f"WHEN regexp_full_match({expr}, '{_GB_WITH_00}') THEN '+' || substr({expr}, 3) END)"
    )


def _gb_number(expr: str) -> str:
    """A UK number in one of the common forms, with or without spaces, dashes, dots,
    slashes or brackets between its digits: distinct values by the million otherwise each
    cost a call into libphonenumber."""
    compact = f"regexp_replace({expr}, '{_PUNCTUATION}', '', 'g')"
    spaced = f"CASE WHEN regexp_matches({expr}, '{_PUNCTUATION}') THEN {_gb_forms(compact)} END"
    return f"coalesce({_gb_forms(expr)}, {spaced})"


def _fifteen_digits(expr: str) -> str:
    return f"try_cast(CASE WHEN length({expr}) = 15 THEN {expr} END AS BIGINT)"


def _luhn_flag(number: str) -> str:
    """``imei_check_digit`` when a 15-digit IMEI (as a BIGINT) fails the Luhn check."""
    terms = []
    for place in range(15):
        digit = f"({number} // {10**place} % 10)"
        terms.append(digit if place % 2 == 0 else f"(2 * {digit} - 9 * ({digit} > 4)::INTEGER)")
    return f"(CASE WHEN ({' + '.join(terms)}) % 10 <> 0 THEN '{flags.IMEI_CHECK_DIGIT}' END)"


def _digits(pattern: str) -> Callable[[str], str]:
    return lambda expr: f"(CASE WHEN regexp_full_match({expr}, '{pattern}') THEN {expr} END)"


GB_NUMBER_FAST = FastPath(value=_gb_number, prepare=_nothing, flag=_nothing)
"""UK numbers written plainly: ``+447700900123`` as it is; ``07700900123``,
``447700900123`` and ``00447700900123`` as +44; each also with separators between digits
(``07700 900123``)."""
IMEI_FAST = FastPath(value=_digits("[0-9]{14,16}"), prepare=_fifteen_digits, flag=_luhn_flag)
IMSI_FAST = FastPath(value=_digits("[0-9]{6,15}"), prepare=_nothing, flag=_nothing)


_DIGITS_ONLY = r"regexp_replace({text}, '[\s/-]', '', 'g')"
_UNWRAPPED = (
    'trim(CASE WHEN regexp_full_match(v, \'\\s*=\\s*"[^"]*"\\s*\') '
    'THEN regexp_extract(v, \'"([^"]*)"\', 1) ELSE v END)'
)
_DIGIT = "CAST(substr(d, p, 1) AS INTEGER)"
_LUHN = (  # every second digit from the right doubled, digits of the products summed
    "list_sum(list_transform(range(1, 16), lambda p: CASE WHEN (15 - p) % 2 = 1 "
    f"THEN ({_DIGIT} * 2) % 10 + ({_DIGIT} * 2) // 10 ELSE {_DIGIT} END)) % 10 = 0"
)


@dataclass(frozen=True, slots=True)
class SqlCleaner:
    """SQL twins of a value type's ``clean`` over a raw text column ``v``: the cleaned
    value and the flag (``tests/sources`` checks they agree with the Python types)."""

    value: str
    flag: str


def _digits_cleaner(pattern: str, unparseable: str, luhn: bool) -> SqlCleaner:
    digits = f"(SELECT {_DIGITS_ONLY.format(text=_UNWRAPPED)} AS d)"
    ok = f"regexp_full_match(d, '{pattern}')"
    check = f"length(d) = 15 AND NOT ({_LUHN})" if luhn else "false"
    return SqlCleaner(
        value=f"(SELECT CASE WHEN {ok} THEN d ELSE {_UNWRAPPED} END FROM {digits})",
        flag=(
            f"(SELECT CASE WHEN NOT {ok} THEN '{unparseable}' "
            f"WHEN {check} THEN '{flags.IMEI_CHECK_DIGIT}' END FROM {digits})"
        ),
    )


IMEI_SQL = _digits_cleaner("[0-9]{14,16}", flags.IMEI_UNPARSEABLE, luhn=True)
"""SQL for :class:`fortress.model.values.Imei`'s ``clean``."""
IMSI_SQL = _digits_cleaner("[0-9]{6,15}", flags.IMSI_UNPARSEABLE, luhn=False)
"""SQL for :class:`fortress.model.values.Imsi`'s ``clean``."""


class ValueLookup:
    """A ``(raw, value, flag)`` table named ``table`` that learns new raw values per batch,
    cleaning them in SQL (``sql``) or, for what SQL cannot do, in Python (``clean``)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        clean: Cleaner | SqlCleaner,
        *,
        fast_path: FastPath | None = None,
    ) -> None:
        self.con = con
        self.table = table
        self.clean = clean
        self.fast_path = fast_path
        self._known: set[str] = set()
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} "
            "(raw VARCHAR PRIMARY KEY, value VARCHAR, flag VARCHAR)"
        )

    @property
    def empty(self) -> bool:
        """True while every value seen took the fast path (nothing to join)."""
        return not self._known

    def learn(self, raws: list[str]) -> bool:
        """Clean and add the raw values the table does not know yet; True if there were
        any."""
        new = [raw for raw in dict.fromkeys(raws) if raw not in self._known]
        if not new:
            return False
        self._known.update(new)
        if isinstance(self.clean, SqlCleaner):
            self.con.execute(
                f"INSERT INTO {self.table} SELECT v, {self.clean.value}, {self.clean.flag} "
                "FROM (SELECT unnest(?::VARCHAR[]) AS v)",
                [new],
            )
            return True
        cleaned = [self.clean(raw) for raw in new]
        learned = pa.table(
            {
                "raw": pa.array(new, pa.string()),
                "value": pa.array([c.value for c in cleaned], pa.string()),
                "flag": pa.array([c.flag for c in cleaned], pa.string()),
            }
        )
        self.con.register("learned_values", learned)
        try:
            self.con.execute(f"INSERT INTO {self.table} SELECT * FROM learned_values")
        finally:
            self.con.unregister("learned_values")
        return True


class LocalHours:
    """A table ``local_hours(hour, offset, ambiguous, gap)`` of one time zone's clock
    hours, filled a whole year at a time as batches need them.

    ``offset`` is minutes east of UTC for the hour's first occurrence; ``ambiguous`` marks
    the repeated autumn hour and ``gap`` the hour skipped in spring. Offsets in whole hours
    (every UK offset) make the hour the right grain.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, zone: ZoneInfo) -> None:
        self.con = con
        self.zone = zone
        self.years: set[int] = set()
        con.execute(
            "CREATE OR REPLACE TEMP TABLE local_hours "
            '(hour TIMESTAMP PRIMARY KEY, "offset" INTEGER, ambiguous BOOLEAN, gap BOOLEAN)'
        )

    def cover(self, years: list[int]) -> bool:
        """Make sure every hour of ``years`` is in the table; True if any was missing."""
        missing = sorted(set(years) - self.years)
        for year in missing:
            self.con.register("year_hours", self._year(year))
            try:
                self.con.execute("INSERT INTO local_hours SELECT * FROM year_hours")
            finally:
                self.con.unregister("year_hours")
            self.years.add(year)
        return bool(missing)

    def _year(self, year: int) -> pa.Table:
        hours, offsets, ambiguous, gap = [], [], [], []
        hour = datetime(year, 1, 1)
        while hour.year == year:
            first, second, exists = local_hour(hour, self.zone)
            hours.append(hour)
            offsets.append(first)
            ambiguous.append(exists and first != second)
            gap.append(not exists)
            hour += timedelta(hours=1)
        return pa.table(
            {
                "hour": pa.array(hours, pa.timestamp("us")),
                "offset": pa.array(offsets, pa.int32()),
                "ambiguous": pa.array(ambiguous, pa.bool_()),
                "gap": pa.array(gap, pa.bool_()),
            }
        )


def local_hour(hour: datetime, zone: ZoneInfo) -> tuple[int, int, bool]:
    """Offsets in minutes of a naive local clock hour for its two folds, and whether the
    hour exists at all (it does not in the spring gap)."""
    first = hour.replace(tzinfo=zone, fold=0)
    second = hour.replace(tzinfo=zone, fold=1)
    offsets = []
    for moment in (first, second):
        delta = moment.utcoffset()
        offsets.append(int(delta.total_seconds() // 60) if delta is not None else 0)
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return offsets[0], offsets[1], round_trip == hour
