"""Turn batches of a comms export into canonical events, following a mapping spec.

Everything row-wise runs as vectorised DuckDB SQL over the Arrow batch. Python touches only
*distinct* values - phone numbers, IMEIs, IMSIs and local clock hours - which are far fewer
than events and are cached across batches. Each row either becomes an event or a
:class:`Reject` carrying its row number, the column and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pyarrow as pa

from fortress.model import columns as c
from fortress.model import flags
from fortress.model.values import Cleaned, Imei, Imsi, Msisdn
from fortress.sources.mapping import FieldSpec, MappingSpec, NumberSpec, PartySpec
from fortress.sources.tabular import SOURCE_ROW_COLUMN, FileProblem, FileShape

CONTENT_KEY = "__content_key"
GIVEN_ID = "__given_id"

_DIRECTIONS = ("out", "in", "missed")
_TRUE = ("true", "yes", "y", "1", "t", "answered")
_FALSE = ("false", "no", "n", "0", "f", "missed", "unanswered")


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that could not become an event."""

    row: int | None
    column: str | None
    value: str | None
    reason: str
    record: str | None = None  # the whole source row, as JSON


@dataclass(frozen=True, slots=True)
class NormalisedBatch:
    """One batch's outcome: canonical events (without ``source``) and rejected rows."""

    events: pa.Table
    rejects: list[Reject]
    blank: int


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Sql:
    """Builds SQL expressions for the fields of one spec over one file's columns."""

    def __init__(self, spec: MappingSpec, shape: FileShape, owner: str | None) -> None:
        self.spec = spec
        self.present = set(shape.header)
        self.owner = owner
        self.notes: list[str] = []

    def text(self, column: str, arrow_type: pa.DataType | None = None) -> str:
        if column not in self.present:
            return "NULL::VARCHAR"
        if arrow_type is not None and not pa.types.is_string(arrow_type):
            return f"CAST({_quote(column)} AS VARCHAR)"
        return f"nullif(trim({_quote(column)}), '')"

    def raw(self, spec: FieldSpec | None, types: dict[str, pa.DataType]) -> str:
        """The field's text before any mapping, or NULL when it has no source."""
        if spec is None:
            return "NULL::VARCHAR"
        if spec.value is not None:
            return _literal(spec.value)
        assert spec.column is not None
        return self.text(spec.column, types.get(spec.column))

    def mapped(self, spec: FieldSpec | None, types: dict[str, pa.DataType]) -> str:
        """The field's value after its ``map`` and ``default``."""
        raw = self.raw(spec, types)
        if spec is None:
            return raw
        expr = raw
        if spec.map:
            whens = " ".join(
                f"WHEN {_literal(k)} THEN {'NULL' if v is None else _literal(v)}"
                for k, v in spec.map.items()
            )
            expr = f"(CASE {raw} {whens} ELSE {raw} END)"
        if spec.default is not None:
            expr = f"coalesce({expr}, {_literal(spec.default)})"
        return expr


def _number_cleaner(spec: NumberSpec | None, msisdn: Msisdn) -> Callable[[str | None], Cleaned]:
    if spec is not None and spec.scheme == "identifier":
        return lambda raw: (
            Cleaned(None, flags.MISSING) if raw is None else Cleaned(raw, flags.IDENTIFIER)
        )
    return msisdn.clean


class CommsNormaliser:
    """Normalises every batch of one file under one mapping spec."""

    def __init__(
        self,
        spec: MappingSpec,
        shape: FileShape,
        *,
        owner: str | None = None,
        region: str = "GB",
        connection: duckdb.DuckDBPyConnection | None = None,
    ) -> None:
        self.spec = spec
        self.shape = shape
        self.sql = _Sql(spec, shape, owner)
        self.con = connection or duckdb.connect()
        self.msisdn = Msisdn(region)
        self._cache: dict[tuple[str, str | None], Cleaned] = {}
        self._zone = _zone(spec.start.timezone, shape)
        self._check_columns()
        self.owner = self._clean_owner(owner)

    # --- file-level checks ----------------------------------------------------------
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
        unknown = [name for name in header if name not in known]
        if unknown and spec.unknown_columns == "error":
            raise FileProblem(
                self.shape.path,
                f"unknown column(s) {', '.join(map(repr, unknown))} for layout {spec.name!r} "
                "(map them, list them under 'ignore', or set unknown_columns: ignore)",
                row=1,
            )
        if unknown:
            self.sql.notes.append(f"ignored column(s): {', '.join(unknown)}")
        absent = [name for name in spec.source_columns() if name not in header]
        if absent:
            self.sql.notes.append(f"absent optional column(s) left empty: {', '.join(absent)}")

    def _number_specs(self) -> list[NumberSpec]:
        parties = (self.spec.a, self.spec.b, self.spec.subject, self.spec.other)
        return [p.number for p in parties if p is not None and p.number is not None]

    def _clean_owner(self, owner: str | None) -> str | None:
        if not self.spec.needs_owner:
            return None
        if owner is None:
            raise FileProblem(self.shape.path, f"layout {self.spec.name!r} needs --owner NUMBER")
        cleaned = self.msisdn.clean(owner)
        if cleaned.flag is not None:
            raise FileProblem(self.shape.path, f"--owner {owner!r} is not a phone number")
        return cleaned.value

    @property
    def notes(self) -> list[str]:
        """What the normaliser noticed about the file as a whole."""
        return self.sql.notes

    # --- per batch --------------------------------------------------------------------
    def normalise(self, table: pa.Table) -> NormalisedBatch:
        """Normalise one batch from :func:`fortress.sources.tabular.iter_batches`."""
        types = {f.name: f.type for f in table.schema}
        self.con.register("raw_batch", table)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE pre AS {self._stage_one(types)}")
            blank = self._count("SELECT count(*) FROM pre WHERE _blank")
            self._register_lookups()
            rejects = self._judge()
        finally:
            self.con.unregister("raw_batch")
        events = self.con.sql(self._events_select()).to_arrow_table()
        return NormalisedBatch(events, rejects, blank)

    def _count(self, query: str) -> int:
        row = self.con.execute(query).fetchone()
        return int(row[0]) if row else 0

    def _stage_one(self, types: dict[str, pa.DataType]) -> str:
        spec, sql = self.spec, self.sql
        selects = [f"{_quote(SOURCE_ROW_COLUMN)} AS _row"]
        selects += self._start_selects(types)
        selects.append(f"{sql.mapped(spec.kind, types)} AS _kind")
        selects.append(f"{sql.raw(spec.kind, types)} AS _kind_raw")
        selects.append(f"{sql.mapped(spec.direction, types)} AS _dir")
        selects.append(f"{sql.raw(spec.direction, types)} AS _dir_raw")
        selects.append(f"{sql.mapped(spec.duration_s, types)} AS _dur_raw")
        selects.append(f"{sql.mapped(spec.answered, types)} AS _ans_raw")
        selects.append(f"{sql.raw(spec.event_id, types)} AS _given_id")
        for side, party in self._parties():
            selects += self._party_selects(side, party, types)
        selects.append(f"{self._formula_check(types)} AS _formula")
        selects.append(f"{self._blank_check(types)} AS _blank")
        return f"SELECT {', '.join(selects)} FROM raw_batch"

    def _parties(self) -> list[tuple[str, PartySpec]]:
        spec = self.spec
        if spec.parties == "direct":
            assert spec.a is not None and spec.b is not None
            return [("a", spec.a), ("b", spec.b)]
        assert spec.subject is not None and spec.other is not None
        return [("s", spec.subject), ("o", spec.other)]

    def _party_selects(
        self, side: str, party: PartySpec, types: dict[str, pa.DataType]
    ) -> list[str]:
        sql = self.sql
        number = (
            _literal(self.owner) if party.owner and self.owner else sql.mapped(party.number, types)
        )
        return [
            f"{number} AS _{side}_num",
            f"{sql.mapped(party.imei, types)} AS _{side}_imei",
            f"{sql.mapped(party.imsi, types)} AS _{side}_imsi",
            f"{sql.mapped(party.cell, types)} AS _{side}_cell",
            f"{sql.mapped(party.cell_last, types)} AS _{side}_cell_last",
        ]

    def _start_selects(self, types: dict[str, pa.DataType]) -> list[str]:
        """``_start_text``, ``_local`` (naive timestamp) and ``_offset`` (minutes east of
        UTC, NULL when the time is naive local time in the spec's timezone)."""
        start = self.spec.start
        first = start.columns[0]
        naive_offset = "0" if start.timezone == "UTC" else "NULL::INTEGER"
        if len(start.columns) == 1 and pa.types.is_timestamp(types.get(first, pa.null())):
            column = _quote(first)
            if types[first].tz is not None:  # type: ignore[attr-defined]
                local, offset = f"CAST(timezone('UTC', {column}) AS TIMESTAMP)", "0"
            else:
                local, offset = f"CAST({column} AS TIMESTAMP)", naive_offset
            return [
                f"CAST({column} AS VARCHAR) AS _start_text",
                f"{local} AS _local",
                f"{offset} AS _offset",
            ]
        parts = [self.sql.text(name, types.get(name)) for name in start.columns]
        text = parts[0] if len(parts) == 1 else f"nullif(concat_ws(' ', {', '.join(parts)}), '')"
        selects = [f"{text} AS _start_text"]
        if start.format == "iso8601":
            selects += [
                r"regexp_extract(_start_text, '(Z|z|[+-]\d\d:?\d\d)$') AS _zone_text",
                "CASE WHEN length(_start_text) >= 16 THEN try_cast("
                "left(_start_text, length(_start_text) - length(_zone_text)) AS TIMESTAMP)"
                " END AS _local",
                f"CASE WHEN _zone_text = '' THEN {naive_offset} "
                "WHEN upper(_zone_text) = 'Z' THEN 0 ELSE "
                "(CASE WHEN left(_zone_text, 1) = '-' THEN -1 ELSE 1 END) * ("
                "CAST(substr(_zone_text, 2, 2) AS INTEGER) * 60 + "
                "CAST(right(_zone_text, 2) AS INTEGER)) END AS _offset",
            ]
        elif start.format == "epoch_seconds":
            origin = _origin_micros(start.origin, self.shape)
            selects += [
                f"make_timestamp(CAST({origin} + try_cast(_start_text AS DOUBLE) * 1e6 "
                "AS BIGINT)) AS _local",
                "0 AS _offset",
            ]
        else:
            patterns = ", ".join(_literal(p) for p in start.patterns())
            selects += [
                f"try_strptime(_start_text, [{patterns}]) AS _local",
                f"{naive_offset} AS _offset",
            ]
        return selects

    def _formula_check(self, types: dict[str, pa.DataType]) -> str:
        """The name of the first column holding a spreadsheet formula, else NULL."""
        whens = []
        for name in self.spec.source_columns():
            if name not in self.sql.present or not pa.types.is_string(types[name]):
                continue
            col = _quote(name)
            whens.append(
                f"WHEN (left(ltrim({col}), 1) IN ('=', '@') AND NOT ltrim({col}) LIKE '=\"%\"')"
                f" OR (left(ltrim({col}), 1) IN ('+', '-') AND "
                f"regexp_matches({col}, '^\\s*[+-]\\s*[^0-9(\\s]')) THEN {_literal(name)}"
            )
        return f"(CASE {' '.join(whens)} END)" if whens else "NULL::VARCHAR"

    def _blank_check(self, types: dict[str, pa.DataType]) -> str:
        texts = [self.sql.text(n, types.get(n)) for n in self.shape.header]
        return " AND ".join(f"{t} IS NULL" for t in texts) if texts else "false"

    # --- lookups of distinct values ----------------------------------------------------
    def _register_lookups(self) -> None:
        imei, imsi = Imei(), Imsi()
        for side, party in self._parties():
            scheme = party.number.scheme if party.number is not None else "msisdn"
            cleaners: dict[str, tuple[str, Callable[[str | None], Cleaned]]] = {
                "num": (f"num:{scheme}", _number_cleaner(party.number, self.msisdn)),
                "imei": ("imei", imei.clean),
                "imsi": ("imsi", imsi.clean),
            }
            for kind, (cache_name, clean) in cleaners.items():
                column = f"_{side}_{kind}"
                raws = [
                    row[0]
                    for row in self.con.execute(f"SELECT DISTINCT {column} FROM pre").fetchall()
                ]
                self.con.register(f"lk{column}", self._lookup_table(cache_name, clean, raws))
        self.con.register("lk_hours", self._hours_table())

    def _lookup_table(
        self, cache_name: str, clean: Callable[[str | None], Cleaned], raws: list[str | None]
    ) -> pa.Table:
        values: list[str | None] = []
        found_flags: list[str | None] = []
        for raw in raws:
            key = (cache_name, raw)
            cleaned = self._cache.get(key)
            if cleaned is None:
                cleaned = clean(raw)
                self._remember(key, cleaned)
            values.append(cleaned.value)
            found_flags.append(cleaned.flag)
        return pa.table(
            {
                "raw": pa.array(raws, pa.string()),
                "value": pa.array(values, pa.string()),
                "flag": pa.array(found_flags, pa.string()),
            }
        )

    def _remember(self, key: tuple[str, str | None], cleaned: Cleaned) -> None:
        if len(self._cache) > 2_000_000:  # bound memory on files with endless numbers
            self._cache.clear()
        self._cache[key] = cleaned

    def _hours_table(self) -> pa.Table:
        rows = self.con.execute(
            "SELECT DISTINCT date_trunc('hour', _local) FROM pre "
            "WHERE _offset IS NULL AND _local IS NOT NULL"
        ).fetchall()
        hours, offsets, ambiguous, gap = [], [], [], []
        for (hour,) in rows:
            first, second, exists = _local_hour(hour, self._zone)
            hours.append(hour)
            offsets.append(first)
            ambiguous.append(first != second)
            gap.append(not exists)
        return pa.table(
            {
                "hour": pa.array(hours, pa.timestamp("us")),
                "offset": pa.array(offsets, pa.int32()),
                "ambiguous": pa.array(ambiguous, pa.bool_()),
                "gap": pa.array(gap, pa.bool_()),
            }
        )

    # --- rejects and events --------------------------------------------------------------
    def _reject_cases(self) -> list[tuple[str, str, str, str]]:
        """(condition, column, value expression, reason) in the order they are checked."""
        spec = self.spec
        start_cols = " + ".join(spec.start.columns)
        fmt = (
            spec.start.format
            if isinstance(spec.start.format, str)
            else " or ".join(spec.start.format)
        )
        kind_col = spec.kind.column or "kind"
        cases = [
            (
                "_formula IS NOT NULL",
                "_formula",
                "NULL",
                "a spreadsheet formula, not data (possible CSV injection)",
            ),
            ("_start_text IS NULL", _literal(start_cols), "NULL", "no start time"),
            (
                "_local IS NULL",
                _literal(start_cols),
                "_start_text",
                f"not a date-time in the layout's format ({fmt})",
            ),
            (
                "_gap",
                _literal(start_cols),
                "_start_text",
                f"this local time does not exist in {spec.start.timezone} "
                "(the clocks went forward)",
            ),
            (
                f"_kind IS NULL OR _kind NOT IN ({', '.join(map(_literal, c.KINDS))})",
                _literal(kind_col),
                "_kind_raw",
                f"unknown event type (expected one of: {self._expected(spec.kind, c.KINDS)})",
            ),
        ]
        if spec.parties == "subject":
            assert spec.direction is not None
            cases.append(
                (
                    f"_dir IS NULL OR _dir NOT IN ({', '.join(map(_literal, _DIRECTIONS))})",
                    _literal(spec.direction.column or "direction"),
                    "_dir_raw",
                    "unknown direction (expected one of: "
                    f"{self._expected(spec.direction, _DIRECTIONS)})",
                )
            )
        dur_col = _literal((spec.duration_s.column if spec.duration_s else None) or "duration_s")
        cases += [
            (
                "_dur_raw IS NOT NULL AND _dur IS NULL",
                dur_col,
                "_dur_raw",
                "not a duration in the layout's format",
            ),
            ("_dur < 0", dur_col, "_dur_raw", "negative duration"),
            (
                "_dur IS NULL AND _kind = 'call' AND _dir IS DISTINCT FROM 'missed'",
                dur_col,
                "NULL",
                "a call without a duration",
            ),
            (
                "_ans_raw IS NOT NULL AND _answered IS NULL",
                _literal((spec.answered.column if spec.answered else None) or "answered"),
                "_ans_raw",
                "not a yes/no value",
            ),
        ]
        return cases

    @staticmethod
    def _expected(spec: FieldSpec, allowed: tuple[str, ...]) -> str:
        keys = [k for k, v in spec.map.items() if v in allowed] if spec.map else list(allowed)
        return ", ".join(keys)

    def _typed_select(self) -> str:
        fmt = self.spec.duration_s.format if self.spec.duration_s else "seconds"
        dur = {
            "seconds": "try_cast(try_cast(_dur_raw AS DOUBLE) AS BIGINT)",
            "minutes": "try_cast(round(try_cast(_dur_raw AS DOUBLE) * 60) AS BIGINT)",
            "milliseconds": "try_cast(round(try_cast(_dur_raw AS DOUBLE) / 1000) AS BIGINT)",
            "hms": r"(CASE WHEN regexp_matches(_dur_raw, '^\d+(:\d{1,2}){1,2}$') THEN "
            "list_reduce(list_transform(string_split(_dur_raw, ':'), "
            "lambda x: CAST(x AS BIGINT)), lambda acc, x: acc * 60 + x) "
            r"WHEN regexp_matches(_dur_raw, '^\d+$') THEN CAST(_dur_raw AS BIGINT) END)",
        }[fmt]
        truthy = ", ".join(map(_literal, _TRUE))
        falsy = ", ".join(map(_literal, _FALSE))
        return (
            "SELECT pre.*, h.offset AS _zone_offset, coalesce(h.ambiguous, false) AS _ambiguous,"
            f" coalesce(h.gap, false) AS _gap, {dur} AS _dur,"
            f" CASE WHEN lower(_ans_raw) IN ({truthy}) THEN true"
            f" WHEN lower(_ans_raw) IN ({falsy}) THEN false END AS _answered"
            " FROM pre LEFT JOIN lk_hours h ON h.hour = date_trunc('hour', pre._local)"
        )

    def _judge(self) -> list[Reject]:
        """Materialise ``judged`` (rows with the index of their first failed check) and
        return the rejected rows."""
        cases = self._reject_cases()
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE typed AS {self._typed_select()}")
        conditions = " ".join(f"WHEN {cond} THEN {i}" for i, (cond, *_) in enumerate(cases))
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE judged AS "
            f"SELECT *, CASE {conditions} END AS _case FROM typed WHERE NOT _blank"
        )
        columns = " ".join(f"WHEN {i} THEN {col}" for i, (_, col, _v, _r) in enumerate(cases))
        values = " ".join(f"WHEN {i} THEN {val}" for i, (_, _c, val, _r) in enumerate(cases))
        found = self.con.execute(
            f"SELECT _row, CASE _case {columns} END, CAST(CASE _case {values} END AS VARCHAR),"
            f" _case, CAST(to_json(r) AS VARCHAR) FROM judged JOIN raw_batch r"
            f" ON r.{_quote(SOURCE_ROW_COLUMN)} = judged._row"
            " WHERE _case IS NOT NULL ORDER BY _row"
        ).fetchall()
        return [
            Reject(row, column, value, cases[case][3], record)
            for row, column, value, case, record in found
        ]

    def _pick(self, party: str, template: str) -> str:
        """An expression for canonical party ``a`` or ``b`` from a per-side ``template``."""
        if self.spec.parties == "direct":
            return template.format(side=party)
        when_out, otherwise = ("s", "o") if party == "a" else ("o", "s")
        return (
            f"(CASE WHEN _dir = 'out' THEN {template.format(side=when_out)} "
            f"ELSE {template.format(side=otherwise)} END)"
        )

    def _events_select(self) -> str:
        sides = [side for side, _ in self._parties()]
        joins = " ".join(
            f"LEFT JOIN lk_{side}_{kind} AS {kind}_{side} ON {kind}_{side}.raw = _{side}_{kind}"
            for side in sides
            for kind in ("num", "imei", "imsi")
        )
        number_flag = "(CASE WHEN _{side}_num IS NULL THEN 'missing' ELSE num_{side}.flag END)"
        flag_parts = ["CASE WHEN _ambiguous THEN " + _literal(flags.TIME_AMBIGUOUS) + " END"]
        for party in ("a", "b"):
            for template in (number_flag, "imei_{side}.flag", "imsi_{side}.flag"):
                flag_parts.append(f"'{party}_' || {self._pick(party, template)}")
        flag_text = f"concat_ws(',', {', '.join(flag_parts)})"
        start_utc = "(_local - to_minutes(CAST(coalesce(_offset, _zone_offset) AS BIGINT)))"
        answered = (
            "CASE WHEN _kind <> 'call' THEN NULL WHEN _dir = 'missed' THEN false "
            "WHEN _answered IS NOT NULL THEN _answered WHEN _dur > 0 THEN true END"
        )
        fields = {
            c.START_UTC: start_utc,
            c.KIND: "_kind",
            c.A_NUMBER: self._pick("a", "num_{side}.value"),
            c.B_NUMBER: self._pick("b", "num_{side}.value"),
            c.DURATION_S: "CASE WHEN _kind = 'call' THEN coalesce(_dur, 0) ELSE 0 END",
            c.A_IMEI: self._pick("a", "imei_{side}.value"),
            c.A_IMSI: self._pick("a", "imsi_{side}.value"),
            c.B_IMEI: self._pick("b", "imei_{side}.value"),
            c.B_IMSI: self._pick("b", "imsi_{side}.value"),
            c.A_CELL: self._pick("a", "_{side}_cell"),
            c.B_CELL: self._pick("b", "_{side}_cell"),
            c.A_CELL_LAST: self._pick("a", "_{side}_cell_last"),
            c.B_CELL_LAST: self._pick("b", "_{side}_cell_last"),
            c.ANSWERED: answered,
        }
        inner = ", ".join(f"{expr} AS {name}" for name, expr in fields.items())
        key_parts = ", ".join(f"coalesce(CAST({name} AS VARCHAR), '')" for name in fields)
        return (
            f"WITH e AS (SELECT _row, _given_id, {inner}, {flag_text} AS _flag_text "
            f"FROM judged {joins} WHERE _case IS NULL) "
            f"SELECT _given_id AS {GIVEN_ID}, sha256(concat_ws(chr(31), {key_parts})) AS "
            f"{CONTENT_KEY}, {', '.join(fields)}, CASE WHEN _flag_text = '' THEN []::VARCHAR[] "
            f"ELSE string_split(_flag_text, ',') END AS {c.FLAGS}, _row AS {c.SOURCE_ROW} "
            "FROM e ORDER BY _row"
        )


def _zone(name: str, shape: FileShape) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FileProblem(shape.path, f"unknown timezone {name!r} in the layout") from exc


def _origin_micros(origin: str | None, shape: FileShape) -> int:
    if origin is None:
        return 0
    try:
        moment = datetime.fromisoformat(origin.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FileProblem(shape.path, f"origin {origin!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise FileProblem(shape.path, f"origin {origin!r} needs an offset or Z")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _local_hour(hour: datetime, zone: ZoneInfo) -> tuple[int, int, bool]:
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
