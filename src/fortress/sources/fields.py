"""SQL expressions for the fields of a mapping spec over one file's columns.

Every expression reads the batch registered as ``raw_batch`` (all text for CSV; typed
columns for Parquet) and yields the field's value before any lookup: mapped codes,
parsed times, durations in seconds. They run vectorised in DuckDB.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from fortress.model.sql import literal, quote, sql_value
from fortress.sources.mapping import ANY_OTHER, DurationSpec, FieldSpec, MappingSpec
from fortress.sources.tabular import FileProblem, FileShape

ISO8601 = "iso8601"
TYPED_START = "__typed_start"  # a Parquet timestamp column, carried as it is
# A zone suffix: Z, UTC or GMT, or an offset of hours with optional minutes (+01, +0100, +01:00).
_ZONE_SUFFIX = r"\s*(?:[Zz]|UTC|GMT|[+-]\d\d(?::?\d\d)?)$"
# The local part must be a whole ISO 8601 date and time; anything else left over is refused.
_ISO_LOCAL = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
# The SQL twins of fortress.model.values.looks_like_formula / unwrap_spreadsheet_text:
FORMULA_START = r"^\s*([=@]|[+-]\s*[^0-9(\s])"
FORMULA_WRAPPED = r'^\s*=\s*"[^"]*"\s*$'
TRUE_WORDS = ("true", "yes", "y", "1", "t", "answered")
FALSE_WORDS = ("false", "no", "n", "0", "f", "missed", "unanswered")

Types = dict[str, pa.DataType]


class FieldSql:
    """Builds the SQL of one spec's fields for one file (its header and column types)."""

    def __init__(self, spec: MappingSpec, shape: FileShape, types: Types) -> None:
        self.spec = spec
        self.shape = shape
        self.types = types
        self.present = set(shape.header)
        self._aliases = {name: f"_t{index}" for index, name in enumerate(shape.header)}

    def text_selects(self) -> list[str]:
        """Each source column as trimmed text (NULL when empty), computed once per row and
        referred to by :meth:`text`."""
        selects = []
        for name, alias in self._aliases.items():
            arrow_type = self.types.get(name)
            if arrow_type is not None and not pa.types.is_string(arrow_type):
                selects.append(f"CAST({quote(name)} AS VARCHAR) AS {alias}")
            else:
                selects.append(f"nullif(trim({quote(name)}), '') AS {alias}")
        return selects

    def text(self, column: str) -> str:
        """A source column's text (see :meth:`text_selects`), NULL when absent."""
        return self._aliases.get(column, "NULL::VARCHAR")

    def raw(self, field: FieldSpec | None) -> str:
        """The field's text before mapping, or NULL when the layout has no such field."""
        if field is None:
            return "NULL::VARCHAR"
        if field.value is not None:
            return literal(field.value)
        assert field.column is not None
        return self.text(field.column)

    def mapped(self, field: FieldSpec | None) -> str:
        """The field's value after its ``map`` and ``default``."""
        raw = self.raw(field)
        if field is None:
            return raw
        expr = raw
        if field.map:
            whens = " ".join(
                f"WHEN {literal(k)} THEN {sql_value(v)}"
                for k, v in field.map.items()
                if k != ANY_OTHER
            )
            otherwise = sql_value(field.map[ANY_OTHER]) if ANY_OTHER in field.map else raw
            expr = f"(CASE {raw} {whens} ELSE {otherwise} END)"
            if ANY_OTHER in field.map:
                expr = f"(CASE WHEN {raw} IS NULL THEN NULL ELSE {expr} END)"
        if field.default is not None:
            expr = f"coalesce({expr}, {literal(field.default)})"
        return expr

    # --- time -------------------------------------------------------------------------
    def start_text(self) -> list[str]:
        """``_start_text``, and for ISO 8601 its zone suffix and local part."""
        start = self.spec.start
        parts = [self.text(name) for name in start.columns]
        text = parts[0] if len(parts) == 1 else f"nullif(concat_ws(' ', {', '.join(parts)}), '')"
        selects = [f"{text} AS _start_text"]
        if ISO8601 in start.patterns() and not self._typed_start():
            selects += [
                f"regexp_extract(_start_text, {literal(_ZONE_SUFFIX)}) AS _zone_text",
                "left(_start_text, length(_start_text) - length(_zone_text)) AS _local_text",
            ]
        return selects

    def _typed_start(self) -> bool:
        return self.typed_start_column() is not None

    def typed_start_column(self) -> str | None:
        """The start column when it is a typed timestamp (Parquet), to be read as it is."""
        columns = self.spec.start.columns
        typed = len(columns) == 1 and pa.types.is_timestamp(self.types.get(columns[0], pa.null()))
        return columns[0] if typed else None

    def start_parsed(self) -> list[str]:
        """``_local`` (naive timestamp), ``_offset`` (minutes east of UTC; NULL when the
        time is naive local time in the spec's timezone) and ``_bad_offset``."""
        start = self.spec.start
        naive = "0" if start.timezone == "UTC" else "NULL::INTEGER"
        if self._typed_start():
            column = quote(TYPED_START)
            if self.types[start.columns[0]].tz is not None:  # type: ignore[attr-defined]
                local, offset = f"CAST(timezone('UTC', {column}) AS TIMESTAMP)", "0"
            else:
                local, offset = f"CAST({column} AS TIMESTAMP)", naive
        elif start.format == "epoch_seconds":
            origin = origin_micros(start.origin, self.shape)
            local = (
                f"make_timestamp(try_cast({origin} + try_cast(_start_text AS DOUBLE) * 1e6 "
                "AS BIGINT))"
            )
            offset = "0"
        else:
            local, offset = self._parse_patterns(naive)
        return [
            f"{local} AS _local",
            f"{offset} AS _offset",
            f"{self._bad_offset()} AS _bad_offset",
        ]

    def _parse_patterns(self, naive: str) -> tuple[str, str]:
        """ISO 8601 and/or strptime patterns, tried in the order the spec lists them."""
        patterns = self.spec.start.patterns()
        others = [p for p in patterns if p != ISO8601]
        strptime = (
            f"try_strptime(_start_text, [{', '.join(literal(p) for p in others)}])"
            if others
            else "NULL::TIMESTAMP"
        )
        if ISO8601 not in patterns:
            return strptime, naive
        iso = (
            f"CASE WHEN regexp_full_match(_local_text, {literal(_ISO_LOCAL)}) "
            "THEN try_cast(_local_text AS TIMESTAMP) END"
        )
        zone = "upper(trim(_zone_text))"
        digits = f"replace({zone}, ':', '')"  # +01, +0100 or +01:00 -> +01 / +0100
        minutes = (
            f"(CASE WHEN left({zone}, 1) = '-' THEN -1 ELSE 1 END) * ("
            f"try_cast(substr({digits}, 2, 2) AS INTEGER) * 60 + "
            f"CASE WHEN length({digits}) = 5 THEN try_cast(right({digits}, 2) AS INTEGER) "
            "ELSE 0 END)"
        )
        iso_offset = (
            f"CASE WHEN {zone} = '' THEN {naive} WHEN {zone} IN ('Z', 'UTC', 'GMT') THEN 0 "
            f"ELSE {minutes} END"
        )
        local = f"coalesce({iso}, {strptime})"
        offset = f"CASE WHEN ({iso}) IS NOT NULL THEN {iso_offset} ELSE {naive} END"
        return local, offset

    def _bad_offset(self) -> str:
        """True when an ISO 8601 offset is out of range (beyond ±14:00, or minutes ≥ 60)."""
        if ISO8601 not in self.spec.start.patterns() or self._typed_start():
            return "false"
        zone = "replace(upper(trim(_zone_text)), ':', '')"
        return (
            f"(length({zone}) IN (3, 5) AND (try_cast(substr({zone}, 2, 2) AS INTEGER) > 14 "
            f"OR coalesce(try_cast(substr({zone}, 4, 2) AS INTEGER), 0) >= 60))"
        )

    # --- other values -----------------------------------------------------------------
    def duration(self, field: DurationSpec | None) -> str:
        """``_dur_raw`` (text) read as whole seconds; NULL when unreadable."""
        fmt = field.format if field is not None else "seconds"
        return {
            "seconds": "try_cast(try_cast(_dur_raw AS DOUBLE) AS BIGINT)",
            "minutes": "try_cast(round(try_cast(_dur_raw AS DOUBLE) * 60) AS BIGINT)",
            "milliseconds": "try_cast(round(try_cast(_dur_raw AS DOUBLE) / 1000) AS BIGINT)",
            # hh:mm:ss or mm:ss, minutes and seconds below 60 (hours, or lone minutes, any)
            "hms": r"(CASE WHEN regexp_full_match(_dur_raw, '\d+(:[0-5]?\d){1,2}') THEN "
            "list_reduce(list_transform(string_split(_dur_raw, ':'), "
            "lambda x: try_cast(x AS BIGINT)), lambda acc, x: acc * 60 + x) "
            r"WHEN regexp_full_match(_dur_raw, '\d+') THEN try_cast(_dur_raw AS BIGINT) END)",
        }[fmt]

    @staticmethod
    def answered() -> str:
        """``_ans_raw`` read as a yes/no word; NULL when it is neither."""
        truthy = ", ".join(map(literal, TRUE_WORDS))
        falsy = ", ".join(map(literal, FALSE_WORDS))
        return (
            f"CASE WHEN lower(_ans_raw) IN ({truthy}) THEN true "
            f"WHEN lower(_ans_raw) IN ({falsy}) THEN false END"
        )

    @staticmethod
    def cell(expr: str) -> str:
        """A cell id, trimmed and freed of the ``="..."`` spreadsheet wrapper."""
        return (
            f"(CASE WHEN left({expr}, 1) = '=' AND regexp_full_match({expr}, "
            f'{literal(FORMULA_WRAPPED)}) THEN trim(regexp_extract({expr}, \'"([^"]*)"\', 1)) '
            f"ELSE {expr} END)"
        )

    def formula(self) -> str:
        """The name of the first read column holding a spreadsheet formula, else NULL."""
        whens = []
        for name in self.spec.source_columns():
            if name not in self.present or not pa.types.is_string(self.types[name]):
                continue
            col = quote(name)
            whens.append(  # cheap first-character tests before any regular expression
                f"WHEN ord({col}) IN (61, 64, 43, 45, 32, 9, 10, 13) "
                f"AND NOT (ord({col}) IN (43, 45) AND ord(substr({col}, 2, 1)) BETWEEN 48 AND 57) "
                f"AND regexp_matches({col}, {literal(FORMULA_START)}) "
                f"AND NOT regexp_matches({col}, {literal(FORMULA_WRAPPED)}) "
                f"THEN {literal(name)}"
            )
        return f"(CASE {' '.join(whens)} END)" if whens else "NULL::VARCHAR"

    def blank(self) -> str:
        """True when every column of the row is empty (a blank line)."""
        texts = [self.text(name) for name in self.shape.header]
        return " AND ".join(f"{t} IS NULL" for t in texts) if texts else "false"


def origin_micros(origin: str | None, shape: FileShape) -> int:
    """Microseconds from the Unix epoch to ``origin`` (an ISO 8601 instant)."""
    if origin is None:
        return 0
    try:
        moment = datetime.fromisoformat(origin.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FileProblem(shape.path, f"origin {origin!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise FileProblem(shape.path, f"origin {origin!r} needs an offset or Z")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
