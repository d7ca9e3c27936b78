"""The number keys ingest publishes beside the numbers (``columns.NUMBER_KEYS``), and how
the comms table is read with or without them (``store.events.comms_table``)."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow.parquet as pq

from fortress.ingest.comms import ingest_comms
from fortress.model import columns as c
from fortress.sources.mapping import parse_spec, preset
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace

HEADER = ["start", "kind", "a_number", "b_number", "duration_s"]
ROWS = [
    ["2024-05-01T10:00:00Z", "sms", "07700 900001", "+447700900002", "0"],
    ["2024-05-01T10:01:00Z", "call", "private", "999", "30"],  # withheld, a short code
    ["2024-05-01T10:02:00Z", "call", "07700900003", "not a number", "30"],
    ["2024-05-01T10:03:00Z", "sms", "+33 6 12 34 56 78", "", "0"],  # French; B missing
]
IDENTIFIERS = parse_spec(
    {
        "name": "ids",
        "parties": "direct",
        "start": {"columns": ["start"]},
        "kind": {"column": "kind"},
        "duration_s": {"column": "duration_s"},
        "a": {"number": {"column": "a_number", "scheme": "identifier"}},
        "b": {"number": {"column": "b_number", "scheme": "identifier"}},
    },
    origin="test",
)


def _keys(path: Path) -> list[tuple[str | None, int | None, str | None, int | None]]:
    table = pq.read_table(path, columns=[c.A_NUMBER, c.A_NUMBER_KEY, c.B_NUMBER, c.B_NUMBER_KEY])
    return sorted(
        zip(*(table.column(i).to_pylist() for i in range(4)), strict=True),
        key=lambda row: str(row[0]),
    )


def test_each_e164_number_is_keyed_by_its_digits_and_no_subscriber_has_no_key(
    workspace: Workspace, write_csv
) -> None:
    ingest_comms(workspace, write_csv("numbers.csv", HEADER, ROWS), spec=preset("canonical"))
    (published,) = workspace.data_files(COMMS)
    assert _keys(published) == [
        ("+33612345678", 33612345678, None, None),
        ("+447700900001", 447700900001, "+447700900002", 447700900002),
        ("+447700900003", 447700900003, "not a number", None),
        ("private", None, "999", None),
    ]
    assert event_tables.keys_complete(published)


def test_an_identifier_has_no_key_even_when_it_looks_like_a_number(
    workspace: Workspace, write_csv
) -> None:
    rows = [["2024-05-01T10:00:00Z", "sms", "user-17", "+447700900002", "0"]]
    summary = ingest_comms(workspace, write_csv("ids.csv", HEADER, rows), spec=IDENTIFIERS)
    assert summary.ok
    (published,) = workspace.data_files(COMMS)
    assert _keys(published) == [("user-17", -1, "+447700900002", -1)]
    assert not event_tables.keys_complete(published)


def test_the_longest_possible_numbers_fit_a_key(workspace: Workspace, write_csv) -> None:
    # libphonenumber's longest possible numbers have 19 digits (Indonesia, +62), below the
    # 2**63 a 64-bit key holds; a longer one would be marked -1.
    rows = [["2024-05-01T10:00:00Z", "sms", "+62 81234567890123456", "07700900001", "0"]]
    summary = ingest_comms(workspace, write_csv("long.csv", HEADER, rows), spec=preset("canonical"))
    assert summary.ok
    (published,) = workspace.data_files(COMMS)
    assert _keys(published) == [
        ("+6281234567890123456", 6281234567890123456, "+447700900001", 447700900001)
    ]
    assert event_tables.keys_complete(published)


def test_the_comms_table_has_keys_only_when_every_file_has_one_for_every_subscriber(
    tmp_path: Path, write_csv
) -> None:
    numbers = write_csv("numbers.csv", HEADER, ROWS)
    identifiers = write_csv("ids.csv", HEADER, [["2024-05-02T10:00:00Z", "sms", "u1", "u2", "0"]])
    keyed, mixed = Workspace.open(tmp_path / "keyed"), Workspace.open(tmp_path / "mixed")
    ingest_comms(keyed, numbers, spec=preset("canonical"))
    ingest_comms(mixed, numbers, spec=preset("canonical"))
    ingest_comms(mixed, identifiers, spec=IDENTIFIERS)
    backend = ibis.duckdb.connect()
    with_keys = event_tables.table(backend, keyed, COMMS)
    without = event_tables.table(backend, mixed, COMMS)
    assert with_keys is not None and without is not None
    assert tuple(with_keys.columns) == (*c.EVENT_COLUMNS, *c.NUMBER_KEYS)
    assert tuple(without.columns) == c.EVENT_COLUMNS
    assert without.count().execute() == len(ROWS) + 1


def test_files_published_before_keys_are_read_beside_files_with_them(
    workspace: Workspace, write_csv
) -> None:
    ingest_comms(workspace, write_csv("one.csv", HEADER, ROWS[:2]), spec=preset("canonical"))
    (older,) = workspace.data_files(COMMS)
    pq.write_table(pq.read_table(older).drop_columns(list(c.NUMBER_KEYS)), older)  # as then
    event_tables.keys_complete.cache_clear()
    newer = write_csv("two.csv", HEADER, ROWS[2:])
    summary = ingest_comms(workspace, newer, spec=preset("canonical"))
    assert summary.ok and summary.accepted == 2
    events = event_tables.table(ibis.duckdb.connect(), workspace, COMMS)
    assert events is not None
    assert tuple(events.columns) == c.EVENT_COLUMNS
    assert events.count().execute() == len(ROWS)
