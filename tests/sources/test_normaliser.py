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
