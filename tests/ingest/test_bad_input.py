"""Bad files are refused with a clear error, bad rows are rejected with a reason; a refused
file never leaves an event behind."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from fortress.ingest.comms import ingest_comms
from fortress.ingest.report import IngestSummary
from fortress.model import columns as c
from fortress.sources.mapping import FormatSpec, preset
from fortress.store.workspace import Workspace

CANONICAL = preset("canonical")
HEADER = ["start", "kind", "a_number", "b_number", "duration_s", "a_cell"]
GOOD = ["2024-05-01T10:00:00Z", "call", "07700900001", "07700900002", "5", "C1"]


def _row(n: int, **changes: str) -> list[str]:
    """A good row whose start is ``n`` minutes after GOOD's, with some columns changed."""
    values = dict(zip(HEADER, GOOD, strict=True))
    values["start"] = f"2024-05-01T10:{n:02d}:00Z"
    values.update(changes)
    return [values[name] for name in HEADER]


def assert_refused(workspace: Workspace, summary: IngestSummary, path: Path, *words: str) -> None:
    """The file was refused with an error naming it (and the given words), and nothing
    from it is in the workspace."""
    assert summary.error is not None, summary
    assert str(path) in summary.error
    for word in words:
        assert word in summary.error, summary.error
    assert summary.accepted == 0
    assert workspace.data_files("comms") == []
    assert list((workspace.root / "events" / "comms").glob("*")) == []
    assert list((workspace.root / "tmp").iterdir()) == []


# --- whole-file problems ---------------------------------------------------------------------


def test_nonexistent_file(workspace, tmp_path) -> None:
    path = tmp_path / "nope.csv"
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert_refused(workspace, summary, path, "no such file")


def test_empty_file(workspace, write_csv) -> None:
    path = write_csv("empty.csv", data=b"")
    assert_refused(workspace, ingest_comms(workspace, path, spec=CANONICAL), path, "empty")


def test_header_only_file(workspace, write_csv) -> None:
    path = write_csv("header.csv", HEADER, [])
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert_refused(workspace, summary, path, "no data rows")


def test_blank_lines_only_file(workspace, write_csv) -> None:
    path = write_csv("blank.csv", text=",".join(HEADER) + "\n\n\n")
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert_refused(workspace, summary, path, "no data rows")


def test_semicolon_file_is_read_by_the_auto_delimiter(workspace, write_csv, read_events) -> None:
    path = write_csv("semi.csv", HEADER, [GOOD, _row(1, a_cell="C;2")], delimiter=";")
    path.write_text(path.read_text().replace("C;2", '"C;2"'))
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is None and summary.accepted == 2
    events = read_events(workspace).to_pylist()
    assert [(e[c.A_NUMBER], e[c.B_NUMBER], e[c.A_CELL]) for e in events] == [
        ("+447700900001", "+447700900002", "C1"),
        ("+447700900001", "+447700900002", "C;2"),
    ]


def test_semicolon_file_under_a_comma_layout_says_so(workspace, write_csv) -> None:
    comma_only = CANONICAL.model_copy(update={"file": FormatSpec(delimiter=",")})
    path = write_csv("semi.csv", HEADER, [GOOD], delimiter=";")
    summary = ingest_comms(workspace, path, spec=comma_only)
    assert_refused(workspace, summary, path, "row 1", "semicolon-separated", "expects comma")


def test_unknown_column_is_named(workspace, write_csv) -> None:
    path = write_csv("extra.csv", [*HEADER, "colour"], [[*GOOD, "red"]])
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert_refused(workspace, summary, path, "row 1", "unknown column", "'colour'")


def test_missing_required_column_is_named(workspace, write_csv) -> None:
    path = write_csv("short.csv", HEADER[:3], [GOOD[:3]])
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert_refused(workspace, summary, path, "row 1", "missing required column", "'b_number'")


def test_duplicate_header_column_is_named(workspace, write_csv) -> None:
    path = write_csv("dup.csv", [*HEADER, "kind"], [[*GOOD, "call"]])
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert_refused(workspace, summary, path, "'kind'", "twice")


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("calls.csv", ",".join(HEADER) + "\n" + ",".join(GOOD) + "\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("export.csv", _zip_bytes(), ("not a CSV", "ZIP")),
        ("random.csv", random.Random(7).randbytes(4096), ("not a CSV",)),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), ("not a CSV",)),
        ("report.csv", b"%PDF-1.7\n" + random.Random(8).randbytes(64), ("not a CSV", "PDF")),
    ],
)
def test_binary_files_are_refused_saying_what_they_are(workspace, write_csv, name, data, words):
    path = write_csv(name, data=data)
    assert_refused(workspace, ingest_comms(workspace, path, spec=CANONICAL), path, *words)


def test_png_is_named_as_an_image(workspace, write_csv) -> None:
    path = write_csv("photo.csv", data=b"\x89PNG\r\n\x1a\n" + bytes(64))
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is not None and "PNG" in summary.error


# --- encodings -------------------------------------------------------------------------------


def test_utf8_bom_is_ignored(workspace, write_csv, read_events) -> None:
    text = ",".join(HEADER) + "\n" + ",".join(_row(0, a_cell="Café")) + "\n"
    path = write_csv("bom.csv", data=b"\xef\xbb\xbf" + text.encode("utf-8"))
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is None and summary.accepted == 1
    assert read_events(workspace).column(c.A_CELL).to_pylist() == ["Café"]


def test_cp1252_file_is_read(workspace, write_csv, read_events) -> None:
    path = write_csv("legacy.csv", HEADER, [_row(0, a_cell="Café")], encoding="cp1252")
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is None and summary.accepted == 1
    assert read_events(workspace).column(c.A_CELL).to_pylist() == ["Café"]


def test_mixed_utf8_and_cp1252_lines_are_each_read_right(workspace, write_csv, read_events) -> None:
    lines = [
        ",".join(HEADER).encode(),
        ",".join(_row(0, a_cell="Café")).encode("utf-8"),
        ",".join(_row(1, a_cell="Crème")).encode("cp1252"),
    ]
    path = write_csv("mixed.csv", data=b"\n".join(lines) + b"\n")
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is None and summary.accepted == 2
    assert read_events(workspace).column(c.A_CELL).to_pylist() == ["Café", "Crème"]
    assert any("cp1252" in note for note in summary.notes)


# --- row problems ----------------------------------------------------------------------------


def test_ragged_rows_are_rejected_with_their_row_numbers(
    workspace, write_csv, read_events, read_rejects
) -> None:
    text = "\n".join(
        [
            ",".join(HEADER),
            ",".join(_row(0)),  # row 2
            ",".join(_row(1)[:3]),  # row 3: too few fields
            ",".join([*_row(2), "extra"]),  # row 4: too many
            ",".join(_row(3)),  # row 5
        ]
    )
    summary = ingest_comms(workspace, write_csv("ragged.csv", text=text + "\n"), spec=CANONICAL)
    assert (summary.read, summary.accepted, summary.rejected) == (4, 2, 2)
    assert [(r["row"], r["reason"]) for r in read_rejects(summary)] == [
        ("3", "3 fields where the header has 6"),
        ("4", "7 fields where the header has 6"),
    ]
    assert read_events(workspace).column(c.SOURCE_ROW).to_pylist() == [2, 5]


def test_row_numbers_count_rows_not_lines(workspace, write_csv, read_events, read_rejects) -> None:
    text = "\n".join(
        [
            ",".join(HEADER),
            ",".join(_row(0, a_cell='"Cell\nwith a line break"')),  # row 2, two lines
            ",".join(_row(1)[:2]),  # row 3
            ",".join(_row(2)),  # row 4
        ]
    )
    summary = ingest_comms(workspace, write_csv("multi.csv", text=text + "\n"), spec=CANONICAL)
    assert [r["row"] for r in read_rejects(summary)] == ["3"]
    events = read_events(workspace).to_pylist()
    assert [e[c.SOURCE_ROW] for e in events] == [2, 4]
    assert events[0][c.A_CELL] == "Cell\nwith a line break"


@pytest.mark.parametrize(
    "formula",
    ['=HYPERLINK("http://example.invalid","click")', "@SUM(A1)", "-cmd|' /C calc'!A0", "+x()"],
)
def test_spreadsheet_formulas_are_rejected(
    workspace, write_csv, read_events, read_rejects, formula
) -> None:
    quoted = '"' + formula.replace('"', '""') + '"'
    text = ",".join(HEADER) + "\n" + ",".join(_row(0, a_cell=quoted)) + "\n"
    text += ",".join(_row(1)) + "\n"
    summary = ingest_comms(workspace, write_csv("formula.csv", text=text), spec=CANONICAL)
    assert (summary.accepted, summary.rejected) == (1, 1)
    (reject,) = read_rejects(summary)
    assert (reject["row"], reject["column"]) == ("2", "a_cell")
    assert "formula" in reject["reason"]
    assert formula not in read_events(workspace).column(c.A_CELL).to_pylist()


def test_tab_prefixed_formula_is_rejected(workspace, write_csv, read_events) -> None:
    text = ",".join(HEADER) + "\n" + ",".join(_row(0, a_number='"\t=HYPERLINK(""x"")"')) + "\n"
    text += ",".join(_row(1)) + "\n"
    summary = ingest_comms(workspace, write_csv("tab.csv", text=text), spec=CANONICAL)
    assert summary.rejected == 1
    assert '=HYPERLINK("x")' not in read_events(workspace).column(c.A_NUMBER).to_pylist()


def test_excel_text_wrapper_is_accepted(workspace, write_csv, read_events) -> None:
    text = ",".join(HEADER) + "\n" + ",".join(_row(0, a_number='"=""07700900123"""')) + "\n"
    summary = ingest_comms(workspace, write_csv("wrapped.csv", text=text), spec=CANONICAL)
    assert (summary.accepted, summary.rejected) == (1, 0)
    assert read_events(workspace).column(c.A_NUMBER).to_pylist() == ["+447700900123"]


def test_us_dates_in_an_operator_cdr_are_rejected_naming_column_and_format(
    workspace, write_csv, read_rejects
) -> None:
    header = "Record ID,Call Date,Call Time,Call Type,Duration,Served MSISDN,Other Party"
    rows = [
        "R1,05/13/2024,10:00:00,MOC,00:01:00,07700900001,07700900002",  # month first
        "R2,13/05/2024,10:00:00,MOC,00:01:00,07700900001,07700900002",
    ]
    path = write_csv("us.csv", text="\n".join([header, *rows]) + "\n")
    summary = ingest_comms(workspace, path, spec=preset("operator-cdr"))
    assert (summary.accepted, summary.rejected) == (1, 1)
    (reject,) = read_rejects(summary)
    assert reject["row"] == "2"
    assert reject["column"] == "Call Date + Call Time"
    assert reject["value"] == "05/13/2024 10:00:00"
    assert "%d/%m/%Y" in reject["reason"]


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"start": "yesterday"}, "start", "not a date-time"),
        ({"start": ""}, "start", "no start time"),
        ({"kind": "fax"}, "kind", "unknown event type"),
        ({"duration_s": "long"}, "duration_s", "not a duration"),
        ({"duration_s": "-5"}, "duration_s", "negative duration"),
        ({"start": "2024-05-01T10:00:00+15:00"}, "start", "offset is out of range"),
        ({"start": "2024-05-01T10:00:00+01:60"}, "start", "offset is out of range"),
        ({"start": "2024-05-01T10:00:00 BST"}, "start", "not a date-time"),
        ({"start": "9999-12-31T00:00:00"}, "start", "outside 1970-2099"),
        ({"start": "1900-01-01T00:00:00Z"}, "start", "outside 1970-2099"),
    ],
)
def test_bad_values_are_rejected_with_column_and_reason(
    workspace, write_csv, read_rejects, change, column, reason
) -> None:
    path = write_csv("bad.csv", HEADER, [_row(0, **change), _row(1)])
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert (summary.accepted, summary.rejected) == (1, 1)
    (reject,) = read_rejects(summary)
    assert (reject["row"], reject["column"]) == ("2", column)
    assert reason in reject["reason"]


def test_every_row_rejected_is_an_error(workspace, write_csv) -> None:
    path = write_csv("allbad.csv", HEADER, [_row(0, kind="fax"), _row(1, start="never")])
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert_refused(workspace, summary, path, "every one of 2 rows", "row 2", "row 3")


def test_strict_refuses_a_file_with_one_bad_row(workspace, write_csv) -> None:
    path = write_csv("strict.csv", HEADER, [_row(0), _row(1, kind="fax"), _row(2)])
    summary = ingest_comms(workspace, path, spec=CANONICAL, strict=True)
    assert_refused(workspace, summary, path, "--strict", "row 3", "unknown event type")


def test_counts_add_up_when_strict_refuses(workspace, write_csv) -> None:
    path = write_csv("strict.csv", HEADER, [_row(0), _row(1, kind="fax"), _row(2)])
    s = ingest_comms(workspace, path, spec=CANONICAL, strict=True)
    assert s.error is not None
    assert (s.accepted, s.rejected, s.refused) == (0, 1, 2)
    assert s.read == s.accepted + s.rejected + s.duplicates + s.blank + s.refused
    assert s.rejects_file is not None and Path(s.rejects_file).exists()


def test_excel_text_wrapper_is_removed_from_cell_ids(workspace, write_csv, read_events) -> None:
    text = ",".join(HEADER) + "\n" + ",".join(_row(0, a_cell='"=""234-10-1234-0001"""')) + "\n"
    summary = ingest_comms(workspace, write_csv("wrapped.csv", text=text), spec=CANONICAL)
    assert summary.accepted == 1
    assert read_events(workspace).column(c.A_CELL).to_pylist() == ["234-10-1234-0001"]


def test_preamble_rows_are_skipped_and_counted(workspace, write_csv, read_events) -> None:
    with_preamble = CANONICAL.model_copy(update={"file": FormatSpec(skip_rows=2)})
    text = "Export for Op X\nGenerated 2024-05-02\n" + ",".join(HEADER) + "\n"
    text += ",".join(_row(0)) + "\n" + ",".join(_row(1)) + "\n"  # rows 4 and 5
    summary = ingest_comms(workspace, write_csv("preamble.csv", text=text), spec=with_preamble)
    assert (summary.accepted, summary.rejected) == (2, 0)
    assert read_events(workspace).column(c.SOURCE_ROW).to_pylist() == [4, 5]


def test_row_numbers_after_a_preamble_and_a_ragged_row(
    workspace, write_csv, read_events, read_rejects
) -> None:
    with_preamble = CANONICAL.model_copy(update={"file": FormatSpec(skip_rows=2)})
    text = "Export for Op X\nGenerated 2024-05-02\n" + ",".join(HEADER) + "\n"
    text += ",".join(_row(0)) + "\n"  # row 4
    text += ",".join(_row(1)[:2]) + "\n"  # row 5: ragged
    text += ",".join(_row(2)) + "\n"  # row 6
    summary = ingest_comms(workspace, write_csv("preamble.csv", text=text), spec=with_preamble)
    assert [r["row"] for r in read_rejects(summary)] == ["5"]
    assert read_events(workspace).column(c.SOURCE_ROW).to_pylist() == [4, 6]
