"""Turn batches of a comms export into canonical events, following a mapping spec.

Each batch is registered in the ingest's own DuckDB connection and normalised there by one
SQL program compiled from the spec (:mod:`fortress.sources.fields`); only distinct values
new to the file visit Python (:mod:`fortress.sources.lookups`). Accepted rows accumulate in
the table ``staged`` and rejected ones, with row number, column and reason, in ``rejected``;
both stay in DuckDB (which spills to disk) until the ingest publishes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc

from fortress.model import columns as c
from fortress.model import flags
from fortress.model.sql import literal, quote
from fortress.model.values import Msisdn
from fortress.sources.fields import TYPED_START, FieldSql
from fortress.sources.lookups import (
    GB_NUMBER_FAST,
    IMEI_FAST,
    IMEI_SQL,
    IMSI_FAST,
    IMSI_SQL,
    LocalHours,
    ValueLookup,
)
from fortress.sources.mapping import FieldSpec, MappingSpec, NumberSpec, PartySpec
from fortress.sources.tabular import (
    SOURCE_ROW_COLUMN,
    UNNAMED,
    FileProblem,
    FileShape,
    SkippedRow,
)

GIVEN_ID = "given_id"
KEY_HI, KEY_LO = "key_hi", "key_lo"  # the content key's two 64-bit halves
STAGED = "staged"
REJECTED = "rejected"

DIRECTIONS = ("out", "in", "missed")
FIRST_YEAR, LAST_YEAR = 1970, 2099
"""Event times outside these years are rejected: they are placeholders or typing errors."""
NEEDS_LOCAL_HOUR: Final = f"_offset IS NULL AND year(_local) BETWEEN {FIRST_YEAR} AND {LAST_YEAR}"
"""SQL over a judged row: its time is naive local time, converted by the clock-hour table."""

CONTENT_COLUMNS = (
    c.START_UTC, c.KIND, c.A_NUMBER, c.B_NUMBER, c.DURATION_S, c.A_IMEI, c.A_IMSI, c.B_IMEI,
    c.B_IMSI, c.A_CELL, c.B_CELL, c.A_CELL_LAST, c.B_CELL_LAST, c.ANSWERED,
)  # fmt: skip
"""The columns whose values make an event what it is (its content key hashes them)."""


CONTENT_MD5: Final = "_content_md5"
LOW_64: Final = "18446744073709551615::UHUGEINT"


def content_md5_select(prefix: str = "") -> str:
    """SQL selecting ``_content_md5``: the 128-bit MD5 of an event's normalised content
    columns, computed once per row (``content_key_selects`` then splits it). MD5 is a
    fingerprint here, not a safeguard."""
    parts = ", ".join(
        f"coalesce(CAST({prefix}{name} AS VARCHAR), '')"
        if name != c.START_UTC
        else f"CAST(epoch_us({prefix}{name}) AS VARCHAR)"
        for name in CONTENT_COLUMNS
    )
    return f"md5_number(concat_ws(chr(31), {parts})) AS {CONTENT_MD5}"


def content_key_selects() -> str:
    """SQL selecting an event's content key as ``key_hi`` and ``key_lo`` from the
    ``_content_md5`` of ``content_md5_select`` (selected in a query beneath): the same two
    halves as DuckDB's ``md5_number_upper`` and ``md5_number_lower``, from one MD5 rather
    than two."""
    return (
        f"CAST({CONTENT_MD5} & {LOW_64} AS UBIGINT) AS {KEY_HI}, "
        f"CAST({CONTENT_MD5} >> 64 AS UBIGINT) AS {KEY_LO}"
    )


def event_id_sql(prefix: str, occurrence: str) -> str:
    """SQL for a computed event id: the content key as 32 hex digits, then ``.N`` for the
    N-th repeat of identical content in one file."""
    return (
        f"lower(lpad(hex({prefix}{KEY_HI}), 16, '0') || lpad(hex({prefix}{KEY_LO}), 16, '0')) || "
        f"CASE WHEN coalesce({occurrence}, 0) > 0 THEN '.' || {occurrence} ELSE '' END"
    )


STAGED_SCHEMA = pa.schema(
    [
        pa.field(GIVEN_ID, pa.string()),
        pa.field(KEY_HI, pa.uint64()),
        pa.field(KEY_LO, pa.uint64()),
        *(c.EVENT_SCHEMA.field(name) for name in CONTENT_COLUMNS),
        c.EVENT_SCHEMA.field(c.FLAGS),
        c.EVENT_SCHEMA.field(c.SOURCE_ROW),
    ]
)
"""The staged Arrow file: events before their ids are settled and duplicates removed."""


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that could not become an event."""

    row: int | None
    column: str | None
    value: str | None
    reason: str
    record: str | None = None  # the whole source row, as JSON


@dataclass(frozen=True, slots=True)
class _Check:
    condition: str
    column: str  # SQL giving the column's name
    value: str  # SQL giving the offending value
    reason: str


class CommsNormaliser:
    """Normalises every batch of one file under one mapping spec into ``staged``."""

    def __init__(
        self,
        spec: MappingSpec,
        shape: FileShape,
        *,
        con: duckdb.DuckDBPyConnection,
        staged_path: Path,
        owner: str | None = None,
        region: str = "GB",
    ) -> None:
        self.spec = spec
        self.shape = shape
        self.con = con
        self.staged_path = staged_path
        self._writer: pa.ipc.RecordBatchFileWriter | None = None
        self.msisdn = Msisdn(region)
        self.notes: list[str] = []
        self.staged = self.rejected = self.blank = 0
        self._check_columns()
        self.owner = self._clean_owner(owner)
        number_fast = GB_NUMBER_FAST if region == "GB" else None
        self._lookups = {
            "num": ValueLookup(con, "lk_number", self.msisdn.clean, fast_path=number_fast),
            "imei": ValueLookup(con, "lk_imei", IMEI_SQL, fast_path=IMEI_FAST),
            "imsi": ValueLookup(con, "lk_imsi", IMSI_SQL, fast_path=IMSI_FAST),
        }
        self._hours = LocalHours(con, _zone(spec.start.timezone, shape))
        self._fields: FieldSql | None = None
        self._discover_first = False
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {REJECTED} (row BIGINT, col VARCHAR, value VARCHAR, "
            "reason VARCHAR, record VARCHAR)"
        )

    # --- file-level checks ------------------------------------------------------------
    def _check_columns(self) -> None:
        spec, header = self.spec, self.shape.header
        required = list(spec.start.columns)
        for field in (spec.kind, spec.direction, *self._number_specs()):
            if field is not None and field.column is not None:
                required.append(field.column)
        missing = [name for name in dict.fromkeys(required) if name not in header]
        if missing:
            raise FileProblem(
                self.shape.path,
                f"missing required column(s) {', '.join(map(repr, missing))} for layout "
                f"{spec.name!r}; the header has {', '.join(map(repr, header))}",
                row=1,
            )
        known = set(spec.source_columns()) | set(spec.ignore)
        unnamed = [name for name in header if name.startswith(UNNAMED)]
        if unnamed:
            self.notes.append(f"ignored {len(unnamed)} unnamed column(s) (a trailing delimiter?)")
        unknown = [name for name in header if name not in known and name not in unnamed]
        if unknown and spec.unknown_columns == "error":
            raise FileProblem(
                self.shape.path,
                f"unknown column(s) {', '.join(map(repr, unknown))} for layout {spec.name!r} "
                "(map them, list them under 'ignore', or set unknown_columns: ignore)",
                row=1,
            )
        if unknown:
            self.notes.append(f"ignored column(s): {', '.join(unknown)}")
        absent = [name for name in spec.source_columns() if name not in header]
        if absent:
            self.notes.append(f"absent optional column(s) left empty: {', '.join(absent)}")

    def _number_specs(self) -> list[NumberSpec]:
        return [party.number for _, party in self._parties() if party.number is not None]

    def _clean_owner(self, owner: str | None) -> str | None:
        if not self.spec.needs_owner:
            return None
        if owner is None:
            raise FileProblem(self.shape.path, f"layout {self.spec.name!r} needs --owner NUMBER")
        cleaned = self.msisdn.clean(owner)
        if cleaned.flag is not None:
            raise FileProblem(self.shape.path, f"--owner {owner!r} is not a phone number")
        return cleaned.value

    def _parties(self) -> list[tuple[str, PartySpec]]:
        spec = self.spec
        if spec.parties == "direct":
            assert spec.a is not None and spec.b is not None
            return [("a", spec.a), ("b", spec.b)]
        assert spec.subject is not None and spec.other is not None
        return [("s", spec.subject), ("o", spec.other)]

    # --- per batch --------------------------------------------------------------------
    def add(self, table: pa.Table) -> None:
        """Normalise one batch from :func:`fortress.sources.tabular.iter_batches`.

        The batch is read twice, each time computing only what is asked for: once for the
        years of its local times and the values the lookups have not seen, then for the
        events, which are appended to the staged Arrow file (rows that fail a check are
        described in ``rejected`` by one more query, only when there are any).
        """
        if self._fields is None:
            self._fields = FieldSql(self.spec, self.shape, {f.name: f.type for f in table.schema})
        judged = self._judged(self._fields)
        # many small record batches let DuckDB scan the batch on every core
        self.con.register("raw_batch", pa.Table.from_batches(table.to_batches(16_384)))
        try:
            result = self._built(judged)
            failed = pc.sum(pc.is_valid(result["_case"])).as_py() or 0
            if failed:
                self._keep_rejects(judged)
        finally:
            self.con.unregister("raw_batch")
        blank = result["_blank"]
        self.blank += pc.sum(blank).as_py() or 0
        self.rejected += failed
        self._stage(result.filter(pc.and_(pc.is_null(result["_case"]), pc.invert(blank))))

    def _built(self, judged: str) -> pa.Table:
        """The batch's events, after the discovery pass when it is needed.

        The pass is needed only for a value or a local year the tables do not know yet. So
        once a batch brings nothing new, the next ones are built straight away, and built
        again after the pass only if a row turns out to hold something new (``_unknown``);
        from then on the pass comes first again until a batch brings nothing new.
        """
        if self._discover_first:
            self._discover_first = self._discover(judged)
            return self._events_of(judged)
        result = self._events_of(judged)
        if pc.any(result["_unknown"]).as_py():
            self._discover(judged)
            self._discover_first = True
            result = self._events_of(judged)
        return result

    def _events_of(self, judged: str) -> pa.Table:
        """The batch's events in file order (staged so, small files are published so).

        The query does not sort: without a join DuckDB keeps the order rows came in
        (``preserve_insertion_order``), so the order is checked, and only a batch that a
        join (clock hours, a lookup) reordered is sorted. Sorting every batch in the query
        cost an eighth of it."""
        events = self.con.sql(self._events(judged)).to_arrow_table()
        rows = events[c.SOURCE_ROW]
        if len(rows) > 1 and not pc.all(pc.greater(rows[1:], rows[:-1])).as_py():
            events = events.sort_by(c.SOURCE_ROW)
        return events

    def _stage(self, events: pa.Table) -> None:
        if self._writer is None:
            self._writer = pa.ipc.new_file(self.staged_path, STAGED_SCHEMA)
        rows = events.select(STAGED_SCHEMA.names).cast(STAGED_SCHEMA)
        self._writer.write_table(rows, max_chunksize=32_768)  # small units to read back
        self.staged += events.num_rows

    def finish(self) -> None:
        """Close the staged file (an empty one when no row was accepted)."""
        if self._writer is None:
            self._writer = pa.ipc.new_file(self.staged_path, STAGED_SCHEMA)
        self._writer.close()

    def add_skipped(self, skipped: list[SkippedRow]) -> None:
        """Record rows the reader could not split (ragged rows) as rejects; blank lines
        are only counted."""
        rows = [s for s in skipped if s.reason != "blank line"]
        self.blank += len(skipped) - len(rows)
        if rows:
            self.con.executemany(
                f"INSERT INTO {REJECTED} VALUES (?, NULL, NULL, ?, to_json(?::VARCHAR))",
                [(s.row, s.reason, s.text) for s in rows],
            )
            self.rejected += len(rows)

    def _discover(self, judged: str) -> bool:
        """One pass for what must be known before the events can be built: the years of
        naive local times (for the clock-hour table) and the raw values that are new to a
        lookup (for cleaning). True when any of them was new."""
        wanted = {
            (kind, side): self._lookup_key(side, kind)
            for side, party in self._parties()
            for kind in self._looked_up(party)
        }
        aggregates = [f"list(DISTINCT year(_local)) FILTER (WHERE {NEEDS_LOCAL_HOUR})"] + [
            f"list(DISTINCT {expr}) FILTER (WHERE {expr} IS NOT NULL)" for expr in wanted.values()
        ]
        [found] = self.con.execute(f"SELECT {', '.join(aggregates)} FROM ({judged})").fetchall()
        learned = False
        if self.spec.start.timezone != "UTC":
            learned = self._hours.cover([int(year) for year in found[0] or []])
        for (kind, _side), values in zip(wanted, found[1:], strict=True):
            if values:
                learned = self._lookups[kind].learn(values) or learned
        return learned

    def _judged(self, fields: FieldSql) -> str:
        """Every row typed, with ``_case``: the index of its first failed check, or NULL.

        Built in layers (text, mapped, parsed, flagged) so that each value is computed
        once: DuckDB re-evaluates an alias's whole expression wherever it is referred to
        within the same SELECT.
        """
        spec = self.spec
        text = [
            f"{quote(SOURCE_ROW_COLUMN)} AS _row",
            *fields.text_selects(),
            f"{fields.formula()} AS _formula",
        ]
        if fields.typed_start_column() is not None:
            text.append(f"{quote(fields.typed_start_column() or '')} AS {quote(TYPED_START)}")
        mapped = ["_row", *fields.start_text()]
        if fields.typed_start_column() is not None:
            mapped.append(quote(TYPED_START))
        mapped += [
            f"{fields.mapped(spec.kind)} AS _kind",
            f"{fields.raw(spec.kind)} AS _kind_raw",
            f"{fields.mapped(spec.direction)} AS _dir",
            f"{fields.raw(spec.direction)} AS _dir_raw",
            f"{fields.mapped(spec.duration_s)} AS _dur_raw",
            f"{fields.mapped(spec.answered)} AS _ans_raw",
            f"{fields.raw(spec.event_id)} AS _given_id",
            "_formula",
            f"{fields.blank()} AS _blank",
        ]
        parsed = [
            *fields.start_parsed(),
            f"{fields.duration(spec.duration_s)} AS _dur",
            f"{fields.answered()} AS _answered",
        ]
        flagged = ["NULL AS _nothing"]
        for side, party in self._parties():
            mapped += self._party_selects(fields, side, party)
            for kind in self._looked_up(party):
                fast, raw = self._lookups[kind].fast_path, f"_{side}_{kind}"
                if fast is not None:
                    parsed += [
                        f"{fast.value(raw)} AS {raw}_fast",
                        f"{fast.prepare(raw)} AS {raw}_prep",
                    ]
                    flagged.append(f"{fast.flag(f'{raw}_prep')} AS {raw}_fflag")
        checks = " ".join(
            f"WHEN {k.condition} THEN {i}"
            for i, k in enumerate(self._checks())
            if k is not self._gap_check
        )
        return (
            f"SELECT *, CASE WHEN _blank THEN NULL {checks} END AS _case FROM ("
            f"SELECT *, {', '.join(flagged)} FROM (SELECT *, {', '.join(parsed)} FROM ("
            f"SELECT {', '.join(mapped)} FROM (SELECT {', '.join(text)} FROM raw_batch))))"
        )

    def _with_hours(self, judged: str) -> str:
        """``judged`` joined to its local clock hours, with the spring-gap check applied:
        ``_case`` becomes the gap check's index where that check comes first."""
        if not self._hours.years:  # no hour known yet (always so in UTC): nothing to join
            return (
                "SELECT *, false AS _ambiguous, _offset AS _utc_offset, "
                f"({NEEDS_LOCAL_HOUR}) AS _hour_unknown FROM ({judged})"
            )
        gap = self._checks().index(self._gap_check)
        return (
            "SELECT j.* REPLACE (CASE WHEN coalesce(h.gap, false) AND "
            f"(j._case IS NULL OR j._case > {gap}) AND NOT j._blank THEN {gap} "
            "ELSE j._case END AS _case), coalesce(h.ambiguous, false) AS _ambiguous, "
            'coalesce(j._offset, h."offset") AS _utc_offset, '
            f"(h.hour IS NULL AND {NEEDS_LOCAL_HOUR}) AS _hour_unknown "
            f"FROM ({judged}) j LEFT JOIN local_hours h "
            "ON j._offset IS NULL AND h.hour = date_trunc('hour', j._local)"
        )

    def _party_selects(self, fields: FieldSql, side: str, party: PartySpec) -> list[str]:
        number = literal(self.owner or "") if party.owner else fields.mapped(party.number)
        return [
            f"{number} AS _{side}_num",
            f"{fields.mapped(party.imei)} AS _{side}_imei",
            f"{fields.mapped(party.imsi)} AS _{side}_imsi",
            f"{fields.cell(fields.mapped(party.cell))} AS _{side}_cell",
            f"{fields.cell(fields.mapped(party.cell_last))} AS _{side}_cell_last",
        ]

    def _looked_up(self, party: PartySpec) -> list[str]:
        """The value kinds of this party that go through a lookup."""
        kinds = ["imei", "imsi"]
        if self._uses_number_lookup(party):
            kinds.insert(0, "num")
        return kinds

    @staticmethod
    def _uses_number_lookup(party: PartySpec) -> bool:
        return not party.owner and (party.number is None or party.number.scheme == "msisdn")

    @cached_property
    def _gap_check(self) -> _Check:
        """Applied after the clock hours are joined (see :meth:`_with_hours`)."""
        start = literal(" + ".join(self.spec.start.columns))
        reason = (
            f"this local time does not exist in {self.spec.start.timezone} "
            "(the clocks went forward)"
        )
        return _Check("false", start, "_start_text", reason)

    @cache  # noqa: B019 - one normaliser per file; the list is built once
    def _checks(self) -> list[_Check]:
        """Row checks in the order they are applied; the first failure is the reason."""
        spec = self.spec
        start = literal(" + ".join(spec.start.columns))
        fmt = (
            spec.start.format
            if isinstance(spec.start.format, str)
            else " or ".join(spec.start.format)
        )
        checks = [
            _Check("_formula IS NOT NULL", "_formula", "NULL",
                   "a spreadsheet formula, not data (possible CSV injection)"),
            _Check("_start_text IS NULL", start, "NULL", "no start time"),
            _Check("_local IS NULL", start, "_start_text",
                   f"not a date-time in the layout's format ({fmt})"),
            _Check("_bad_offset", start, "_start_text",
                   "the time zone offset is out of range (beyond ±14:00, or minutes of 60+)"),
            _Check(f"_local < TIMESTAMP '{FIRST_YEAR}-01-01' "
                   f"OR _local >= TIMESTAMP '{LAST_YEAR + 1}-01-01'", start, "_start_text",
                   f"a date outside {FIRST_YEAR}-{LAST_YEAR} (a placeholder such as 31/12/9999?)"),
            self._gap_check,
            _Check(f"_kind IS NULL OR _kind NOT IN ({', '.join(map(literal, c.KINDS))})",
                   _column(spec.kind, "kind"), "_kind_raw",
                   f"unknown event type (expected one of: {_expected(spec.kind, c.KINDS)})"),
        ]  # fmt: skip
        if spec.parties == "subject":
            assert spec.direction is not None
            checks.append(_Check(
                f"_dir IS NULL OR _dir NOT IN ({', '.join(map(literal, DIRECTIONS))})",
                _column(spec.direction, "direction"), "_dir_raw",
                f"unknown direction (expected one of: {_expected(spec.direction, DIRECTIONS)})",
            ))  # fmt: skip
        duration = _column(spec.duration_s, "duration_s")
        checks += [
            _Check("_dur_raw IS NOT NULL AND _dur IS NULL", duration, "_dur_raw",
                   "not a duration in the layout's format"),
            _Check("_dur < 0", duration, "_dur_raw", "negative duration"),
            _Check("_ans_raw IS NOT NULL AND _answered IS NULL",
                   _column(spec.answered, "answered"), "_ans_raw", "not a yes/no value"),
        ]  # fmt: skip
        return checks

    def _lookup_key(self, side: str, kind: str) -> str:
        """The raw value to look up: NULL when the fast path already handled it."""
        raw = f"_{side}_{kind}"
        if self._lookups[kind].fast_path is None:
            return raw
        return f"(CASE WHEN {raw}_fast IS NULL THEN {raw} END)"

    def _keep_rejects(self, judged: str) -> None:
        checks = self._checks()
        columns = " ".join(f"WHEN {i} THEN {k.column}" for i, k in enumerate(checks))
        values = " ".join(f"WHEN {i} THEN {k.value}" for i, k in enumerate(checks))
        reasons = " ".join(f"WHEN {i} THEN {literal(k.reason)}" for i, k in enumerate(checks))
        self.con.execute(
            f"INSERT INTO {REJECTED} SELECT _row, CASE _case {columns} END, "
            f"CAST(CASE _case {values} END AS VARCHAR), CASE _case {reasons} END, "
            f"CAST(to_json(r) AS VARCHAR) FROM ({self._with_hours(judged)}) j "
            f"JOIN raw_batch r ON r.{quote(SOURCE_ROW_COLUMN)} = j._row "
            "WHERE _case IS NOT NULL"
        )

    # --- canonical events ---------------------------------------------------------------
    def _events(self, judged: str) -> str:
        """Every row of the batch as a canonical event (plus given id and content key),
        with ``_case`` and ``_blank`` saying which rows are not events after all."""
        fields = self._canonical_fields()
        inner = ", ".join(f"{expr} AS {name}" for name, expr in fields.items())
        flag_text = f"concat_ws(',', {', '.join(self._flag_parts())})"
        return (
            f"SELECT {GIVEN_ID}, {content_key_selects()}, {', '.join(fields)}, "
            f"CASE WHEN _flag_text = '' THEN []::VARCHAR[] ELSE string_split(_flag_text, ',') "
            f"END AS {c.FLAGS}, _row AS {c.SOURCE_ROW}, _case, _blank, _unknown "
            f"FROM (SELECT *, {content_md5_select()} FROM "
            f"(SELECT _row, _case, _blank, {self._unknown()} AS _unknown, "
            f"{self._given_id()} AS {GIVEN_ID}, {inner}, "
            f"{flag_text} AS _flag_text FROM ({self._with_hours(judged)}) {self._joins()}))"
        )

    def _canonical_fields(self) -> dict[str, str]:
        answered = (
            "CASE WHEN _kind <> 'call' THEN NULL WHEN _dir = 'missed' THEN false "
            "WHEN _answered IS NOT NULL THEN _answered WHEN _dur > 0 THEN true END"
        )
        fields = {
            c.START_UTC: "(_local - to_minutes(CAST(_utc_offset AS BIGINT)))",
            c.KIND: "_kind",
            c.A_NUMBER: self._pick("a", lambda side: self._value(side, "num")),
            c.B_NUMBER: self._pick("b", lambda side: self._value(side, "num")),
            c.DURATION_S: "CASE WHEN _kind = 'call' THEN coalesce(_dur, 0) ELSE 0 END",
            c.A_IMEI: self._pick("a", lambda side: self._value(side, "imei")),
            c.A_IMSI: self._pick("a", lambda side: self._value(side, "imsi")),
            c.B_IMEI: self._pick("b", lambda side: self._value(side, "imei")),
            c.B_IMSI: self._pick("b", lambda side: self._value(side, "imsi")),
            c.A_CELL: self._pick("a", lambda s: f"_{s}_cell"),
            c.B_CELL: self._pick("b", lambda s: f"_{s}_cell"),
            c.A_CELL_LAST: self._pick("a", lambda s: f"_{s}_cell_last"),
            c.B_CELL_LAST: self._pick("b", lambda s: f"_{s}_cell_last"),
            c.ANSWERED: answered,
        }
        assert tuple(fields) == CONTENT_COLUMNS
        return fields

    def _unknown(self) -> str:
        """SQL: true when the row holds a local hour or a raw value that the tables do not
        know yet (its event then needs the discovery pass, see :meth:`_built`)."""
        unknown = ["_hour_unknown"]
        for side, party in self._parties():
            for kind in self._looked_up(party):
                key = self._lookup_key(side, kind)
                known = "" if self._fast_only(kind) else f" AND {kind}_{side}.raw IS NULL"
                unknown.append(f"({key} IS NOT NULL{known})")
        return f"({' OR '.join(unknown)})"

    def _given_id(self) -> str:
        if self.spec.parties == "subject":
            # A record id is unique within one served number's export, not across them.
            number = self._value("s", "num")
            return f"CASE WHEN _given_id IS NOT NULL THEN {number} || '/' || _given_id END"
        return "_given_id"

    def _joins(self) -> str:
        return " ".join(
            f"LEFT JOIN {self._lookups[kind].table} {kind}_{side} "
            f"ON {kind}_{side}.raw = {self._lookup_key(side, kind)}"
            for side, party in self._parties()
            for kind in self._looked_up(party)
            if not self._fast_only(kind)
        )

    def _fast_only(self, kind: str) -> bool:
        """True when every value of ``kind`` so far took the fast path: no join needed
        (the discovery pass has already run for the batch being built)."""
        lookup = self._lookups[kind]
        return lookup.fast_path is not None and lookup.empty

    def _value(self, side: str, kind: str) -> str:
        """SQL for the cleaned value of one side's number, IMEI or IMSI."""
        party = self._party(side)
        if kind not in self._looked_up(party):
            return f"_{side}_{kind}"  # the owner's number, or an opaque identifier
        if self._lookups[kind].fast_path is None:
            return f"{kind}_{side}.value"
        if self._fast_only(kind):
            return f"_{side}_{kind}_fast"
        return f"coalesce(_{side}_{kind}_fast, {kind}_{side}.value)"

    def _flag(self, side: str, kind: str) -> str:
        """SQL for the flag of one side's number, IMEI or IMSI (without the party prefix)."""
        party, raw = self._party(side), f"_{side}_{kind}"
        missing = literal(flags.MISSING) if kind == "num" else "NULL"
        if kind == "num" and party.owner:
            return "NULL"
        if kind not in self._looked_up(party):
            return f"CASE WHEN {raw} IS NULL THEN {missing} ELSE {literal(flags.IDENTIFIER)} END"
        fast = self._lookups[kind].fast_path is not None
        on_fast = f"WHEN {raw}_fast IS NOT NULL THEN {raw}_fflag " if fast else ""
        otherwise = "" if self._fast_only(kind) else f"ELSE {kind}_{side}.flag "
        return f"CASE WHEN {raw} IS NULL THEN {missing} {on_fast}{otherwise}END"

    def _party(self, side: str) -> PartySpec:
        return dict(self._parties())[side]

    def _flag_parts(self) -> list[str]:
        parts = [
            f"CASE WHEN _ambiguous THEN {literal(flags.TIME_AMBIGUOUS)} END",
            f"CASE WHEN _kind = 'call' AND _dur IS NULL AND _dir IS DISTINCT FROM 'missed' "
            f"AND _answered IS DISTINCT FROM false THEN {literal(flags.DURATION_UNKNOWN)} END",
            f"CASE WHEN _kind <> 'call' AND coalesce(_dur, 0) <> 0 "
            f"THEN {literal(flags.DURATION_ON_MESSAGE)} END",
        ]
        for party in ("a", "b"):
            for kind in ("num", "imei", "imsi"):
                flag = self._pick(party, lambda side, kind=kind: self._flag(side, kind))  # type: ignore[misc]
                parts.append(f"'{party}_' || {flag}")
        return parts

    def _pick(self, party: str, make: Callable[[str], str]) -> str:
        """Canonical party ``a`` or ``b`` from per-side SQL (``make(side)``)."""
        if self.spec.parties == "direct":
            return make(party)
        when_out, otherwise = ("s", "o") if party == "a" else ("o", "s")
        return f"(CASE WHEN _dir = 'out' THEN {make(when_out)} ELSE {make(otherwise)} END)"

    # --- reading back ---------------------------------------------------------------------
    def rejects(self, chunk: int = 10_000) -> Iterator[Reject]:
        """Every rejected row so far, in row order."""
        cursor = self.con.execute(f"SELECT * FROM {REJECTED} ORDER BY row NULLS LAST")
        while rows := cursor.fetchmany(chunk):
            for row, column, value, reason, record in rows:
                yield Reject(row, column, value, reason, record)


def _column(field: FieldSpec | None, default: str) -> str:
    return literal((field.column if field is not None else None) or default)


def _expected(field: FieldSpec, allowed: tuple[str, ...]) -> str:
    if not field.map:
        return ", ".join(allowed)
    return ", ".join(k for k, v in field.map.items() if v in allowed and k != "*")


def _zone(name: str, shape: FileShape) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FileProblem(shape.path, f"unknown timezone {name!r} in the layout") from exc
