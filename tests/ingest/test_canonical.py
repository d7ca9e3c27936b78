"""The canonical layout, as CSV and as Parquet: every column round-trips, with provenance."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fortress.ingest.comms import ingest_comms
from fortress.model import columns as c
from fortress.model.values import luhn_check_digit
from fortress.sources.comms import CONTENT_COLUMNS
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace

CANONICAL = preset("canonical")
IMEI_A = "0012345678901" + "2"  # 14 digits: no check digit, two leading zeros
IMEI_B = "01234567890123" + luhn_check_digit("01234567890123")

HEADER = [
    "start",
    "kind",
    "a_number",
    "b_number",
    "duration_s",
    "a_imei",
    "a_imsi",
    "b_imei",
    "b_imsi",
    "a_cell",
    "b_cell",
    "a_cell_last",
    "b_cell_last",
    "answered",
]
ROWS = [
    # a call with everything known
    [
        "2024-05-01T10:00:00Z",
        "call",
        "07700 900001",
        "+447700900002",
        "65",
        IMEI_A,
        "234150000000001",
        IMEI_B,
        "001010000000002",
        "234-10-1234-0001",
        "234-10-1234-0002",
        "234-10-1234-0003",
        "234-10-1234-0004",
        "true",
    ],
    # a missed call, only the required columns plus answered
    ["2024-05-01T10:05:00+01:00", "call", "07700900003", "07700900001", "0"] + [""] * 8 + ["false"],
    # a text message: duration is 0 whatever the file says
    ["2024-05-01 12:00:00", "sms", "07700900002", "07700900001", ""] + [""] * 9,
]

EXPECTED = [
    {
        c.START_UTC: datetime(2024, 5, 1, 10, 0),
        c.KIND: "call",
        c.A_NUMBER: "+447700900001",
        c.B_NUMBER: "+447700900002",
        c.DURATION_S: 65,
        c.A_IMEI: IMEI_A,
        c.A_IMSI: "234150000000001",
        c.B_IMEI: IMEI_B,
        c.B_IMSI: "001010000000002",
        c.A_CELL: "234-10-1234-0001",
        c.B_CELL: "234-10-1234-0002",
        c.A_CELL_LAST: "234-10-1234-0003",
        c.B_CELL_LAST: "234-10-1234-0004",
        c.ANSWERED: True,
        c.FLAGS: [],
        c.SOURCE_ROW: 2,
    },
    {
        c.START_UTC: datetime(2024, 5, 1, 9, 5),
        c.KIND: "call",
        c.A_NUMBER: "+447700900003",
        c.B_NUMBER: "+447700900001",
        c.DURATION_S: 0,
        c.ANSWERED: False,
        c.A_IMEI: None,
        c.A_CELL: None,
        c.FLAGS: [],
        c.SOURCE_ROW: 3,
    },
    {
        c.START_UTC: datetime(2024, 5, 1, 11, 0),  # naive: London summer time
        c.KIND: "sms",
        c.A_NUMBER: "+447700900002",
        c.B_NUMBER: "+447700900001",
        c.DURATION_S: 0,
        c.ANSWERED: None,
        c.SOURCE_ROW: 4,
    },
]


def _row(**values: str) -> list[str]:
    """A canonical CSV row from column values (others empty)."""
    return [values.get(name, "") for name in HEADER]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _subset(event: dict, expected: dict) -> dict:
    return {key: event[key] for key in expected}


def test_canonical_csv_round_trips_every_column(workspace, write_csv, read_events) -> None:
    path = write_csv("canonical.csv", HEADER, ROWS)
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is None
    assert (summary.read, summary.accepted, summary.rejected) == (3, 3, 0)
    events = read_events(workspace).to_pylist()
    assert [_subset(e, x) for e, x in zip(events, EXPECTED, strict=True)] == EXPECTED


def test_provenance_is_file_sha256_and_spreadsheet_row(workspace, write_csv, read_events) -> None:
    path = write_csv("canonical.csv", HEADER, ROWS)
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    events = read_events(workspace).to_pylist()
    assert summary.sha256 == _sha256(path)
    assert {e[c.SOURCE] for e in events} == {_sha256(path)}
    assert [e[c.SOURCE_ROW] for e in events] == [2, 3, 4]  # the header is row 1


def test_published_file_has_the_event_schema(workspace, write_csv) -> None:
    ingest_comms(workspace, write_csv("canonical.csv", HEADER, ROWS), spec=CANONICAL)
    (published,) = workspace.data_files("comms")
    schema = pq.read_schema(published)
    assert schema.names == [*c.EVENT_COLUMNS, *c.NUMBER_KEYS]
    for field in c.EVENT_SCHEMA:
        assert schema.field(field.name).type == field.type, field.name
    for name in c.NUMBER_KEYS:
        assert schema.field(name).type == pa.int64(), name


def test_event_ids_are_stable_and_given_ids_are_kept(tmp_path, write_csv, read_events) -> None:
    header = ["event_id", *HEADER]
    rows = [["given-1", *ROWS[0]], ["", *ROWS[1]]]
    path = write_csv("ids.csv", header, rows)
    ids = []
    for name in ("one", "two"):
        workspace = Workspace.open(tmp_path / name)
        ingest_comms(workspace, path, spec=CANONICAL)
        ids.append(read_events(workspace).column(c.EVENT_ID).to_pylist())
    assert ids[0] == ids[1]
    assert ids[0][0] == "given-1"
    assert len(ids[0][1]) >= 32


def test_a_computed_event_id_is_the_md5_of_its_content(workspace, write_csv, read_events) -> None:
    """The id is pinned to its definition (independent of how the SQL computes it): the MD5
    of the content columns joined by U+001F, each half as a little-endian 64-bit number."""
    ingest_comms(workspace, write_csv("one.csv", HEADER, ROWS[:2]), spec=CANONICAL)
    for event in read_events(workspace).to_pylist():
        parts = []
        for name in CONTENT_COLUMNS:
            value = event[name]
            if name == c.START_UTC:
                parts.append(str(int(value.timestamp() * 1_000_000)))
            elif isinstance(value, bool):
                parts.append("true" if value else "false")
            else:
                parts.append("" if value is None else str(value))
        digest = hashlib.md5("\x1f".join(parts).encode()).digest()
        low, high = (int.from_bytes(digest[k : k + 8], "little") for k in (0, 8))
        assert event[c.EVENT_ID] == f"{low:016x}{high:016x}"


def test_number_flags_are_recorded_per_party(workspace, write_csv, read_events) -> None:
    rows = [
        ["2024-05-01T10:00:00Z", "call", "Withheld", "999", "5"] + [""] * 9,
        ["2024-05-01T10:01:00Z", "call", "07700900001", "", "5"] + [""] * 9,
        ["2024-05-01T10:02:00Z", "call", "07700900001", "07700900002", "5", "3.53E+14"] + [""] * 8,
    ]
    ingest_comms(workspace, write_csv("flags.csv", HEADER, rows), spec=CANONICAL)
    events = read_events(workspace).to_pylist()
    assert [(e[c.A_NUMBER], e[c.B_NUMBER], e[c.A_IMEI], sorted(e[c.FLAGS])) for e in events] == [
        ("Withheld", "999", None, ["a_withheld", "b_short_code"]),
        ("+447700900001", None, None, ["b_missing"]),
        ("+447700900001", "+447700900002", "3.53E+14", ["a_imei_unparseable"]),
    ]


def _canonical_parquet(path: Path) -> Path:
    table = pa.table(
        {
            "start": pa.array(
                [datetime(2024, 5, 1, 10, 0, tzinfo=UTC), datetime(2024, 5, 1, 10, 5, tzinfo=UTC)],
                pa.timestamp("us", tz="UTC"),
            ),
            "kind": ["call", "sms"],
            "a_number": ["07700900001", "+447700900002"],
            "b_number": ["07700900002", "07700900001"],
            "duration_s": pa.array([65, None], pa.int64()),
            "a_imei": [IMEI_A, None],
            "a_cell": ["C1", None],
            "answered": pa.array([True, None], pa.bool_()),
        }
    )
    pq.write_table(table, path)
    return path


def test_canonical_parquet_ingests(workspace, tmp_path, read_events) -> None:
    path = _canonical_parquet(tmp_path / "canonical.parquet")
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is None
    assert (summary.read, summary.accepted, summary.rejected) == (2, 2, 0)
    events = read_events(workspace).to_pylist()
    assert [
        (e[c.START_UTC], e[c.KIND], e[c.A_NUMBER], e[c.DURATION_S], e[c.A_IMEI], e[c.ANSWERED])
        for e in events
    ] == [
        (datetime(2024, 5, 1, 10, 0), "call", "+447700900001", 65, IMEI_A, True),
        (datetime(2024, 5, 1, 10, 5), "sms", "+447700900002", 0, None, None),
    ]
    assert [e[c.SOURCE_ROW] for e in events] == [1, 2]  # Parquet has no header row
    assert {e[c.SOURCE] for e in events} == {_sha256(path)}


def test_csv_and_parquet_of_the_same_events_get_the_same_ids(
    tmp_path, write_csv, read_events
) -> None:
    csv_rows = [
        _row(
            start="2024-05-01T10:00:00Z",
            kind="call",
            a_number="07700900001",
            b_number="07700900002",
            duration_s="65",
            a_imei=IMEI_A,
            a_cell="C1",
            answered="true",
        ),
        _row(
            start="2024-05-01T10:05:00Z",
            kind="sms",
            a_number="+447700900002",
            b_number="07700900001",
        ),
    ]
    ids = []
    for path in (
        write_csv("same.csv", HEADER, csv_rows),
        _canonical_parquet(tmp_path / "same.parquet"),
    ):
        workspace = Workspace.open(tmp_path / f"ws-{path.suffix[1:]}")
        ingest_comms(workspace, path, spec=CANONICAL)
        ids.append(read_events(workspace).column(c.EVENT_ID).to_pylist())
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 2
