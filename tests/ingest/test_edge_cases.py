"""Inputs found in review: odd time zones, extreme values, awkward headers and paths."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fortress.ingest.comms import ingest_comms
from fortress.model import columns as c
from fortress.model import flags
from fortress.model.values import looks_like_formula
from fortress.sources.fields import FORMULA_START, FORMULA_WRAPPED
from fortress.sources.mapping import parse_spec, preset
from fortress.store.workspace import Workspace

CANONICAL = preset("canonical")
HEADER = ["start", "kind", "a_number", "b_number"]


def one_event(write_csv, start: str, name: str = "one.csv") -> Path:
    return write_csv(name, HEADER, [[start, "sms", "07700900001", "07700900002"]])


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2024-01-01T10:00:00+05", datetime(2024, 1, 1, 5)),
        ("2024-01-01T10:00:00+0530", datetime(2024, 1, 1, 4, 30)),
        ("2024-01-01T10:00:00+05:05", datetime(2024, 1, 1, 4, 55)),
        ("2024-07-01 10:00:00+00", datetime(2024, 7, 1, 10)),
        ("2024-07-01 10:00:00 UTC", datetime(2024, 7, 1, 10)),
        ("2024-07-01T10:00:00-03:00", datetime(2024, 7, 1, 13)),
        ("2024-07-01T10:00:00.250Z", datetime(2024, 7, 1, 10, 0, 0, 250000)),
        ("2024-07-01 10:00", datetime(2024, 7, 1, 9)),  # naive: London summer time
    ],
)
def test_every_offset_notation_gives_the_right_instant(
    workspace, write_csv, read_events, written, utc
) -> None:
    summary = ingest_comms(workspace, one_event(write_csv, written), spec=CANONICAL)
    assert (summary.accepted, summary.rejected) == (1, 0), summary
    assert read_events(workspace).column(c.START_UTC).to_pylist() == [utc]


def test_a_truncated_utf8_file_is_read_not_looped_on(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes(
        b"start,kind,a_number,b_number,a_cell\n"
        b"2024-05-01T10:00:00Z,sms,07700900001,07700900002,caf\xc3"
    )
    script = (
        "import sys; from pathlib import Path\n"
        "from fortress.store.workspace import Workspace\n"
        "from fortress.ingest.comms import ingest_comms\n"
        "from fortress.sources.mapping import preset\n"
        "ws = Workspace.open(Path(sys.argv[1]))\n"
        "s = ingest_comms(ws, Path(sys.argv[2]), spec=preset('canonical'))\n"
        "print(s.accepted, s.error, s.notes)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "ws"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.startswith("1 None"), done.stdout + done.stderr
    assert "cp1252" in done.stdout


def test_a_quote_in_the_workspace_path_is_harmless(tmp_path: Path, write_csv) -> None:
    workspace = Workspace.open(tmp_path / "o'brien's case")
    path = one_event(write_csv, "2024-05-01T10:00:00Z")
    assert ingest_comms(workspace, path, spec=CANONICAL).accepted == 1
    assert ingest_comms(workspace, path, spec=CANONICAL).duplicates == 1


def test_a_trailing_delimiter_in_the_header_is_ignored_with_a_note(workspace, write_csv) -> None:
    path = write_csv(
        "trail.csv",
        text="start,kind,a_number,b_number,\n2024-05-01T10:00:00Z,sms,07700900001,07700900002,\n",
    )
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.accepted == 1
    assert any("unnamed column" in note for note in summary.notes)


def test_reserved_column_names_are_refused(workspace, write_csv) -> None:
    path = write_csv(
        "reserved.csv",
        [*HEADER, "__source_row"],
        [["2024-05-01T10:00:00Z", "sms", "07700900001", "07700900002", "9"]],
    )
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is not None and "reserved" in summary.error


def test_a_source_column_named_like_an_internal_one_changes_nothing(
    workspace, write_csv, read_events
) -> None:
    spec = parse_spec(
        {**CANONICAL.model_dump(exclude_defaults=True), "unknown_columns": "ignore"}, origin="test"
    )
    path = write_csv(
        "shadow.csv",
        [*HEADER, "_t0", "_row"],
        [["2024-05-01T10:00:00Z", "sms", "07700900001", "07700900002", "1999", "7"]],
    )
    assert ingest_comms(workspace, path, spec=spec).accepted == 1
    [event] = read_events(workspace).to_pylist()
    assert (event[c.START_UTC], event[c.SOURCE_ROW]) == (datetime(2024, 5, 1, 10), 2)


def test_handset_log_reads_iso_times_too(workspace, write_csv, read_events) -> None:
    header = ["Date/Time", "Direction", "Type", "Number", "Duration"]
    rows = [
        ["2024-05-01T10:00:00+01:00", "Outgoing", "Call", "07700900002", "00:00:10"],
        ["01/05/2024 11:00:00", "Incoming", "SMS", "07700900003", ""],
    ]
    path = write_csv("log.csv", header, rows)
    summary = ingest_comms(workspace, path, spec=preset("handset-log"), owner="07700900001")
    assert (summary.accepted, summary.rejected) == (2, 0), summary
    starts = read_events(workspace).column(c.START_UTC).to_pylist()
    assert sorted(starts) == [datetime(2024, 5, 1, 9), datetime(2024, 5, 1, 10)]


def test_calls_without_durations_are_kept_and_flagged(workspace, write_csv, read_events) -> None:
    header = [*HEADER, "duration_s", "answered"]
    rows = [
        ["2024-05-01T10:00:00Z", "call", "07700900001", "07700900002", "", ""],
        ["2024-05-01T10:01:00Z", "call", "07700900001", "07700900002", "", "false"],
        ["2024-05-01T10:02:00Z", "sms", "07700900001", "07700900002", "30", ""],
    ]
    summary = ingest_comms(workspace, write_csv("d.csv", header, rows), spec=CANONICAL)
    assert (summary.accepted, summary.rejected) == (3, 0)
    events = read_events(workspace).to_pylist()
    assert [e[c.DURATION_S] for e in events] == [0, 0, 0]
    assert [e[c.FLAGS] for e in events] == [
        [flags.DURATION_UNKNOWN],
        [],
        [flags.DURATION_ON_MESSAGE],
    ]


def test_a_file_without_a_duration_column_is_accepted(workspace, write_csv) -> None:
    path = write_csv(
        "nodur.csv", HEADER, [["2024-05-01T10:00:00Z", "call", "07700900001", "07700900002"]]
    )
    assert ingest_comms(workspace, path, spec=CANONICAL).accepted == 1


@pytest.mark.parametrize("value", ["1e300", "nan", "-1e300", "inf"])
def test_absurd_epoch_times_are_rejected_not_fatal(workspace, write_csv, value) -> None:
    spec = parse_spec(
        {
            "name": "epoch",
            "start": {"columns": ["t"], "format": "epoch_seconds"},
            "kind": {"value": "sms"},
            "a": {"number": {"column": "a"}},
            "b": {"number": {"column": "b"}},
        },
        origin="test",
    )
    rows = [[value, "07700900001", "07700900002"], ["1714557600", "07700900001", "07700900002"]]
    summary = ingest_comms(workspace, write_csv("e.csv", ["t", "a", "b"], rows), spec=spec)
    assert (summary.error, summary.accepted, summary.rejected) == (None, 1, 1)


@pytest.mark.parametrize("value", ["99999999999999999999", "00:99:99", "1:60:00", "12:5x"])
def test_impossible_hms_durations_are_rejected(workspace, write_csv, read_rejects, value) -> None:
    header = ["Call Date", "Call Time", "Call Type", "Duration", "Served MSISDN", "Other Party"]
    rows = [
        ["01/05/2024", "10:00:00", "MOC", value, "07700900001", "07700900002"],
        ["01/05/2024", "10:01:00", "MOC", "00:01:05", "07700900001", "07700900002"],
    ]
    summary = ingest_comms(
        workspace, write_csv("cdr.csv", header, rows), spec=preset("operator-cdr")
    )
    assert (summary.error, summary.accepted, summary.rejected) == (None, 1, 1)
    assert read_rejects(summary)[0]["reason"] == "not a duration in the layout's format"


def test_strict_also_refuses_record_id_conflicts(workspace, write_csv) -> None:
    header = ["event_id", *HEADER]
    first = write_csv(
        "a.csv", header, [["x1", "2024-05-01T10:00:00Z", "sms", "07700900001", "07700900002"]]
    )
    other = write_csv(
        "b.csv", header, [["x1", "2024-05-02T10:00:00Z", "sms", "07700900001", "07700900002"]]
    )
    assert ingest_comms(workspace, first, spec=CANONICAL).accepted == 1
    summary = ingest_comms(workspace, other, spec=CANONICAL, strict=True)
    assert summary.error is not None and "--strict" in summary.error
    assert summary.rejects_file is not None and Path(summary.rejects_file).exists()


def test_a_record_id_held_in_one_of_several_files_is_checked_against_its_event(
    workspace, write_csv, read_rejects
) -> None:
    """Only the published files holding a given id are read whole; the id's event there
    decides between a conflict (rejected, with the reason) and a duplicate."""
    header = ["event_id", *HEADER]
    row = ["x1", "2024-05-01T10:00:00Z", "sms", "07700900001", "07700900002"]
    for name, rows in (("a.csv", [row]), ("c.csv", [["y1", *row[1:3], "07700900003", row[4]]])):
        assert ingest_comms(workspace, write_csv(name, header, rows), spec=CANONICAL).accepted == 1
    changed = ["x1", "2024-05-02T10:00:00Z", *row[2:]]
    conflict = ingest_comms(workspace, write_csv("b.csv", header, [changed, ["z1", *row[1:]]]),
                            spec=CANONICAL)  # fmt: skip
    assert (conflict.accepted, conflict.rejected, conflict.duplicates) == (1, 1, 0)
    assert [r["reason"] for r in read_rejects(conflict)] == [
        "the workspace already holds a different event with this record id"
    ]
    again = ingest_comms(workspace, write_csv("d.csv", header, [row]), spec=CANONICAL)
    assert (again.accepted, again.rejected, again.duplicates) == (0, 0, 1)


text_cells = st.text(st.sampled_from(list(' \t=+-@"0123456789(abcHYPERLINK)')), max_size=12)


@settings(max_examples=300)
@given(text_cells)
def test_python_and_sql_agree_on_what_is_a_formula(value: str) -> None:
    import duckdb

    [(sql,)] = duckdb.execute(
        "SELECT regexp_matches(v, ?) AND NOT regexp_matches(v, ?) FROM (SELECT ?::VARCHAR AS v)",
        [FORMULA_START, FORMULA_WRAPPED, value],
    ).fetchall()
    assert bool(sql) == looks_like_formula(value)
