"""Reading the police.uk tables back: the current rows of each force and month."""

from __future__ import annotations

from fortress.model.sql import path_list
from fortress.store.workspace import Workspace

CRIMES = "crimes"
STOP_SEARCHES = "stop_searches"
OUTCOMES = "outcomes"


class NoPlaceData(Exception):
    """The workspace holds no police.uk rows of the kind asked for."""


def current_sql(workspace: Workspace, table: str) -> str:
    """SQL for the rows of ``table`` that analyses use: for each force and month, those of
    the file ingested last (police.uk republishes months as outcomes come in)."""
    files = workspace.data_files(table)
    if not files:
        raise NoPlaceData(
            f"the workspace holds no police.uk {table.replace('_', ' ')}: "
            "run `fortress place ingest` on the files first"
        )
    latest = "max(ingested_at) OVER (PARTITION BY force, month)"
    return (
        f"SELECT * EXCLUDE (_latest) FROM (SELECT *, {latest} AS _latest "
        f"FROM read_parquet({path_list([str(f) for f in files])})) WHERE ingested_at = _latest"
    )
