"""The number page and ``/api/v1/numbers/{number}``: one number's traffic, contacts,
handsets and parts in lines from the comms data, with the intelligence that names it and
the seized phones that carried it from casework; unknown numbers are pages saying so."""

from __future__ import annotations

import re
from urllib.parse import quote

from markupsafe import escape
from sqlalchemy import select

from fortress.casework.models import AuditEntry
from fortress.comms.lines import identity_history, list_lines, show_line, workspace_tables
from fortress.comms.profiles import period, profile_number
from fortress.model import columns as c
from fortress.model.lines import HandsetsOfNumber
from fortress.reports.profile_rows import profile_rows
from helpers.casework import Board, sign_in

HTML = {"Accept": "text/html"}


def test_a_number_s_traffic_handsets_and_parts_in_lines(detected: Board) -> None:
    client, workspace = detected
    line = show_line(workspace, str(list_lines(workspace)[0].line_id))
    headers = sign_in(client, "officer")
    expected = {line.numbers[0]: "line number", line.runners.numbers[0].number: "runner",
                line.customers.numbers[0]: "customer"}  # fmt: skip
    if line.controllers.numbers:
        expected[line.controllers.numbers[0].number] = "controller"
    comms, _ = workspace_tables(workspace)
    for number, role in expected.items():
        answer = client.get(f"/api/v1/numbers/{quote(number)}", headers=headers)
        assert answer.status_code == 200, answer.text
        summary = answer.json()["summary"]
        assert {"line_id": line.line_id, "role": role} in summary["roles"]
        touching = comms.filter((comms[c.A_NUMBER] == number) | (comms[c.B_NUMBER] == number))
        assert summary["traffic"]["events"] == touching.count().to_pyarrow().as_py()
        history = identity_history(workspace, number)
        assert isinstance(history, HandsetsOfNumber)
        assert summary["handsets"] == [h.model_dump() for h in history.handsets]
        top = summary["top_contacts"]
        assert [t["events"] for t in top] == sorted((t["events"] for t in top), reverse=True)
        assert [t["other"] for t in summary["timeline"]] == [t["number"] for t in top[:5]]
    with workspace.sessions() as session:
        last = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_type == "phone")
            .order_by(AuditEntry.seq.desc())
        ).first()
    assert last is not None and last.record_ids == f'["{number}"]' and last.actor == "officer"


def test_the_page_shows_what_casework_holds_on_the_number(detected: Board) -> None:
    client, workspace = detected
    number = list_lines(workspace)[0].numbers[-1]
    analyst, officer = sign_in(client, "analyst"), sign_in(client, "officer")
    item = {"text": "Line phone <script>alert(1)</script> used by a runner in Gosport",
            "grade": {"source_evaluation": "2", "assessment": "B", "handling_code": "P"},
            "links": [{"type": "phone", "value": number}]}  # fmt: skip
    made = client.post("/api/v1/intelligence", json=item, headers=analyst)
    assert made.status_code == 201, made.text
    seized = {"kind": "phone_seizure", "number": number, "imei": "490154203237518"}
    assert client.post("/api/v1/operations/1/results", json=seized, headers=officer).is_success
    page = client.get(f"/app/numbers/{quote(number)}", headers=analyst)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert re.search(rf"<td>{made.json()['id']}</td><td>2/B/P</td>", page.text)
    assert "Operation Week of action (result " in page.text and "IMEI 490154203237518" in page.text
    assert page.text.count("<svg") == 1  # the timeline
    api = client.get(f"/api/v1/numbers/{quote(number)}", headers=analyst).json()
    assert [i["id"] for i in api["intelligence"]] == [made.json()["id"]]
    assert [s["imei"] for s in api["seized"]] == ["490154203237518"]


def test_the_timeline_shows_the_numbers_asked_for(detected: Board) -> None:
    client, workspace = detected
    line = show_line(workspace, str(list_lines(workspace)[0].line_id))
    runner = line.runners.numbers[0].number
    controllers = [c.number for c in line.controllers.numbers]
    headers = sign_in(client, "analyst")
    chosen = {"with": [line.numbers[-1], *controllers]}
    asked = client.get(f"/api/v1/numbers/{quote(runner)}", params=chosen, headers=headers)
    timeline = asked.json()["summary"]["timeline"]
    assert [t["other"] for t in timeline] == [line.numbers[-1], *controllers]
    for row in timeline:
        assert len(row["made_utc"]) + len(row["received_utc"]) == row["events"]
    eleven = {"with": [f"0770090{k:04d}" for k in range(11)]}
    too_many = client.get(f"/api/v1/numbers/{quote(runner)}", params=eleven, headers=headers)
    assert too_many.status_code == 422


def test_an_unknown_number_is_a_page_saying_so(detected: Board) -> None:
    client, _ = detected
    headers = {**sign_in(client, "analyst"), **HTML}
    for wrong in ("07700900999", quote("<script>"), "9" * 60):
        answer = client.get(f"/app/numbers/{wrong}", headers=headers)
        assert answer.status_code in (404, 422) and "<script>" not in answer.text
    assert client.get("/api/v1/numbers/07700900999", headers=headers).status_code == 404


def test_a_number_s_profile_over_the_api_is_the_service_s(detected: Board) -> None:
    """``/api/v1/numbers/{number}/profile``: the service's profile, audited as a
    consultation of the number; bad days and zones are 422s that say why, an unknown
    number a 404."""
    client, workspace = detected
    line = show_line(workspace, str(list_lines(workspace)[0].line_id))
    number = line.numbers[0]
    headers = sign_in(client, "analyst")
    first = line.first_seen_utc[:10]
    answer = client.get(f"/api/v1/numbers/{quote(number)}/profile?from={first}&split=true",
                        headers=headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    expected = profile_number(workspace, number, period(first, None), split=True)
    assert answer.json() == expected.model_dump(mode="json")
    with workspace.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and last.record_ids == f'["{number}"]' and last.actor == "analyst"
    backwards = "the last local day 2025-02-01 is before the first local day 2025-02-02"
    for query, says in (("from=2025-02-30", "is not a day"), ("zone=Nowhere/Town", "time zone"),
                        ("from=2025-02-02&to=2025-02-01", backwards)):  # fmt: skip
        refused = client.get(f"/api/v1/numbers/{quote(number)}/profile?{query}", headers=headers)
        assert refused.status_code == 422 and says in refused.text, query
    unknown = client.get("/api/v1/numbers/07700900999/profile", headers=headers)
    assert unknown.status_code == 404 and "no calls or texts" in unknown.text


def test_the_profile_page_shows_the_profile_s_rows(detected: Board) -> None:
    client, workspace = detected
    number = list_lines(workspace)[0].numbers[0]
    headers = sign_in(client, "officer") | HTML
    page = client.get(f"/app/numbers/{quote(number)}/profile?split=true", headers=headers)
    assert page.status_code == 200, page.text
    shown = profile_rows(profile_number(workspace, number, period(None, None), split=True))
    assert shown.columns == ["all", "weekdays", "weekends", "days", "nights"]
    for row in shown.rows:
        cells = "".join(f'<td class="n">{v}</td>' for v in row.values)
        assert f"<td>{escape(row.label)}</td><td>{row.over}</td>{cells}" in page.text, row.label
    assert page.text.count("<svg") == 1 and "no event" in page.text  # the hours, with a key
    assert (
        f'href="/app/numbers/{quote(number, safe="")}/profile"'
        in client.get(f"/app/numbers/{quote(number)}", headers=headers).text
    )
    wrong = client.get(f"/app/numbers/{quote(number)}/profile?from=never", headers=headers)
    assert wrong.status_code == 422 and "is not a day" in wrong.text
