"""Quoting for the SQL that Fortress builds: every identifier, string and file path that
reaches DuckDB goes through these, so a column called ``it's`` or a workspace under
``/home/o'brien`` cannot break or change a query."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def quote(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str | Path) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_value(value: str | None) -> str:
    """A SQL string literal, or NULL."""
    return "NULL" if value is None else literal(value)


def path_list(paths: Iterable[str | Path]) -> str:
    """A SQL list of file paths, for ``read_parquet([...])``."""
    return "[" + ", ".join(literal(path) for path in paths) + "]"
