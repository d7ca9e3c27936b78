"""Rich rendering of service results for people (``--json`` bypasses all of this)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from fortress.ingest.report import IngestSummary
    from fortress.store.events import WorkspaceStatus

TABLE_WIDTH = 100
"""Columns that output fits when it is not going to a terminal and COLUMNS is not set
(every table is designed to be read whole in a 100-column terminal)."""

console = Console(width=None if Console().is_terminal or os.environ.get("COLUMNS") else TABLE_WIDTH)


def render_ingest(summaries: list[IngestSummary]) -> None:
    """One row per file: counts, then any errors, notes and rejects files below."""
    table = Table(title="Ingest", title_justify="left")
    for name in ("file", "layout", "read", "accepted", "rejected", "duplicate", "blank", "s"):
        # a long file name folds onto a second line rather than being cut
        words = name in ("file", "layout")
        table.add_column(name, justify="left" if words else "right", overflow="fold")
    for s in summaries:
        table.add_row(
            Path(s.file).name,
            s.layout or "",
            f"{s.read:,}",
            f"{s.accepted:,}",
            f"{s.rejected:,}",
            f"{s.duplicates:,}",
            f"{s.blank:,}",
            f"{s.seconds:.2f}",
            style="red" if not s.ok else None,
        )
    console.print(table)
    for s in summaries:
        if s.error:
            console.print(f"[bold red]refused, nothing ingested:[/] {s.error}", highlight=False)
        for note in s.notes:
            console.print(f"[yellow]note[/] {s.file}: {note}", highlight=False)
        if s.rejected:
            console.print(
                f"[yellow]{Path(s.file).name}: {s.rejected:,} rejected:[/] "
                f"{reasons_text(s.reject_reasons)}",
                highlight=False,
            )
        if s.rejects_file:
            console.print(
                f"  each rejected row, with its reason: {s.rejects_file}", highlight=False
            )


def reasons_text(reasons: dict[str, int], most: int = 6) -> str:
    """``negative duration (366); ...`` for the ``most`` most frequent reasons, then how
    many other reasons there were."""
    shown = [f"{reason} ({n:,})" for reason, n in list(reasons.items())[:most]]
    if len(reasons) > most:
        rows = sum(list(reasons.values())[most:])
        shown.append(f"{len(reasons) - most} other reasons ({rows:,})")
    return "; ".join(shown) or "(reasons in the rejects file)"


def render_status(report: WorkspaceStatus | dict[str, Any]) -> None:
    """The workspace's headline figures and its ingest history (``report`` may be the
    JSON-ready form, as the demo keeps it)."""
    data = report.to_dict() if not isinstance(report, dict) else report
    comms, cells, ingests = data["comms"], data["cells"], data["ingests"]
    console.print(f"[bold]Workspace[/] {data['workspace']}  (records: {data['database']})")
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("events", f"{comms['events']:,}"),
        *((f"  {kind}", f"{n:,}") for kind, n in sorted(comms.get("by_kind", {}).items())),
        ("first event (UTC)", comms.get("first_event_utc") or "-"),
        ("last event (UTC)", comms.get("last_event_utc") or "-"),
        ("distinct numbers", f"{comms.get('numbers', 0):,}"),
        ("events with data-quality flags", f"{comms.get('events_with_flags', 0):,}"),
        *((f"  {flag}", f"{n:,}") for flag, n in comms.get("events_by_flag", {}).items()),
        ("cell sites", f"{cells['cells']:,}"),
        ("files ingested / refused", f"{ingests['published']} / {ingests['failed']}"),
        ("rows rejected", f"{ingests['rows_rejected']:,}"),
        *((f"  {why}", f"{n:,}") for why, n in ingests.get("rejected_by_reason", {}).items()),
        ("duplicate rows skipped", f"{ingests['rows_duplicate']:,}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def render_simulation(summary: dict[str, Any]) -> None:
    """What a simulated world contains and where it was written."""
    table = Table(show_header=False, box=None, title="Synthetic world", title_justify="left")
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")  # paths break across lines rather than lose their ends
    for key, value in summary.items():
        if isinstance(value, list):  # file lists: how many, and where
            folders = sorted({str(Path(p).parent) for p in value})
            value = f"{len(value)} files" + (f" in {', '.join(folders)}" if value else "")
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


def render_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[object]], header: bool = True
) -> None:
    """A titled table of ``rows`` (integers with thousands separators, long cells folded
    rather than cut); "None." under it when there are no rows."""
    table = Table(title=title, title_justify="left", show_header=header)
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    console.print(table)
    if not rows:
        console.print("None.")
