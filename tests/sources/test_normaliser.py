"""The batch normaliser across batches: lookups that fill up part-way through a file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from fortress.model import columns as c
from fortress.sources.comms import CommsNormaliser
from fortress.sources.mapping import preset
from fortress.sources.tabular import SOURCE_ROW_COLUMN, sniff
from fortress.store.workspace import connect_duckdb

HEADER = ["start", "kind", "a_number", "b_number", "a_imei"]


def batch(rows: list[list[str]], first_row: int) -> pa.Table:
    columns = {name: [row[i] for row in rows] for i, name in enumerate(HEADER)}
    columns[SOURCE_ROW_COLUMN] = list(range(first_row, first_row + len(rows)))
    return pa.table(columns)


def test_a_lookup_first_needed_in_a_later_batch_is_joined_there(tmp_path: Path) -> None:
    source = tmp_path / "events.csv"
    source.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    staged = tmp_path / "staged.arrow"
    normaliser = CommsNormaliser(
        preset("canonical"), sniff(source), con=connect_duckdb(), staged_path=staged
    )
    fast = ["2024-05-01T10:00:00Z", "sms", "07700900001", "+447700900002", "012345678901237"]
    odd = ["2024-05-01T10:01:00Z", "sms", "Withheld", "07700 900002", "01-234567-890123-8"]
    normaliser.add(batch([fast], first_row=2))  # every value on the fast paths
    normaliser.add(batch([odd], first_row=3))  # now the lookups have work
    normaliser.finish()
    events = ipc.open_file(staged).read_all().to_pylist()
    assert [e[c.A_NUMBER] for e in events] == ["+447700900001", "Withheld"]
    assert [e[c.B_NUMBER] for e in events] == ["+447700900002", "+447700900002"]
    assert [e[c.A_IMEI] for e in events] == ["012345678901237", "012345678901238"]
    assert events[0][c.FLAGS] == []
    assert sorted(events[1][c.FLAGS]) == ["a_imei_check_digit", "a_withheld"]


def test_batches_built_before_discovery_are_rebuilt_when_they_hold_something_new(
    tmp_path: Path,
) -> None:
    """Local years and raw values arriving batch after batch: each event is as it would be
    with the discovery pass first (see ``CommsNormaliser._built``)."""
    header = ["Date/Time", "Type", "Direction", "Duration", "Number"]
    source = tmp_path / "handset.csv"
    source.write_text(",".join(header) + "\n", encoding="utf-8")
    staged = tmp_path / "staged.arrow"
    normaliser = CommsNormaliser(
        preset("handset-log"), sniff(source), con=connect_duckdb(), staged_path=staged,
        owner="07700900009",
    )  # fmt: skip
    batches = [
        ("01/07/2024 12:00:00", "07700900001"),  # a year and a number: the pass runs
        ("15/01/2025 12:00:00", "07700900002"),  # a new year, found by the pass run first
        ("16/01/2025 12:00:00", "07700900003"),  # nothing new: the pass runs, finds nothing
        ("17/01/2025 12:00:00", "07700 900004"),  # built first, then again after the pass
        ("18/01/2025 12:00:00", "07700 900004"),  # the lookup knows it: built once
        ("01/07/2026 12:00:00", "07700900005"),  # a new summer: built again after the pass
    ]
    for row, (local, number) in enumerate(batches, start=2):
        rows = {"Date/Time": [local], "Type": ["SMS"], "Direction": ["Outgoing"],
                "Duration": ["0"], "Number": [number], SOURCE_ROW_COLUMN: [row]}  # fmt: skip
        normaliser.add(pa.table(rows))
    normaliser.finish()
    events = ipc.open_file(staged).read_all().to_pylist()
    assert [e[c.START_UTC].strftime("%Y-%m-%d %H:%M") for e in events] == [
        "2024-07-01 11:00", "2025-01-15 12:00", "2025-01-16 12:00", "2025-01-17 12:00",
        "2025-01-18 12:00", "2026-07-01 11:00",
    ]  # fmt: skip
    assert [e[c.B_NUMBER] for e in events] == [
        "+447700900001", "+447700900002", "+447700900003", "+447700900004", "+447700900004",
        "+447700900005",
    ]  # fmt: skip
    assert {e[c.A_NUMBER] for e in events} == {"+447700900009"}
    assert all(e[c.FLAGS] == [] for e in events)


def test_each_batch_is_staged_in_file_order_whether_or_not_the_query_joins(
    tmp_path: Path,
) -> None:
    """Without a join DuckDB keeps the order; a batch that a join (clock hours, a lookup)
    reordered is sorted. Batches large enough to be scanned on every core."""
    source = tmp_path / "events.csv"
    source.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    staged = tmp_path / "staged.arrow"
    normaliser = CommsNormaliser(
        preset("canonical"), sniff(source), con=connect_duckdb(), staged_path=staged
    )
    size = 100_000
    forms = [  # nothing to join; then naive local times (clock hours); then a lookup
        ("2024-05-01T10:00:00Z", "07700900{:03d}"),
        ("2024-05-01 10:00:00", "07700900{:03d}"),
        ("2024-05-01T10:00:00Z", "+44 (0) 7700 900{:03d}"),
    ]
    for index, (start, number) in enumerate(forms):
        rows = [[start, "sms", "07700900001", number.format(i % 1000), ""] for i in range(size)]
        normaliser.add(batch(rows, first_row=2 + index * size))
    normaliser.finish()
    staged_rows = ipc.open_file(staged).read_all()[c.SOURCE_ROW].to_pylist()
    assert staged_rows == list(range(2, 2 + len(forms) * size))
