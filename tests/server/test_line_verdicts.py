"""Deal lines over the API and analysts' verdicts: the API lists what the board shows, a
verdict (from the API or the line's page) is recorded with who and when, shown on the board
and the page, filtered on, and audited; a change of number is judged for the next run."""

from __future__ import annotations

import re

from sqlalchemy import select

from fortress.casework.models import AuditEntry
from fortress.comms.judgements import link_judgements
from fortress.comms.lines import latest_run, list_lines, show_line
from fortress.store.workspace import Workspace
from helpers.casework import Board, browser_sign_in, sign_in


def _last_audit(workspace: Workspace) -> AuditEntry:
    with workspace.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None
    return entry


def test_the_api_lists_the_latest_run_as_the_board_does(detected: Board) -> None:
    client, workspace = detected
    listed = client.get("/api/v1/lines", headers=sign_in(client, "officer"))
    assert listed.status_code == 200
    body = listed.json()
    assert body["run_id"] == latest_run(workspace).id
    expected = [line.model_dump(mode="json", by_alias=True) for line in list_lines(workspace)]
    assert [one["line"] for one in body["lines"]] == expected and body["total"] == len(expected)
    page = client.get("/api/v1/lines?offset=1&limit=1", headers=sign_in(client, "officer")).json()
    assert (page["total"], page["offset"]) == (len(expected), 1)
    assert [one["line"] for one in page["lines"]] == expected[1:2]
    line_id = expected[0]["line_id"]
    one = client.get(f"/api/v1/lines/{line_id}", headers=sign_in(client, "officer")).json()
    assert one["line"] == show_line(workspace, line_id).model_dump(mode="json", by_alias=True)
    assert _last_audit(workspace).record_ids == f'["{line_id}"]'
    missing = client.get("/api/v1/lines/line-0000000000", headers=sign_in(client, "officer"))
    assert missing.status_code == 404


def test_a_verdict_is_recorded_shown_filtered_and_audited(detected: Board) -> None:
    client, workspace = detected
    lines = list_lines(workspace)
    first, second = str(lines[0].line_id), str(lines[1].line_id)
    analyst = sign_in(client, "analyst")
    verdict = {"verdict": "confirmed", "note": "Test purchase on 3 March."}
    said = client.post(f"/api/v1/lines/{first}/verdict", headers=analyst, json=verdict)
    assert said.status_code == 201, said.text
    assert said.json()["status"] == "confirmed" and said.json()["judged_by"] == "analyst"
    assert said.json()["run_id"] == latest_run(workspace).id
    entry = _last_audit(workspace)
    assert (entry.actor, entry.action, entry.record_type) == ("analyst", "alteration", "deal_line")
    # A rejection needs a reason; without one nothing is written.
    bare = client.post(f"/api/v1/lines/{second}/verdict", headers=analyst,
                       json={"verdict": "rejected"})  # fmt: skip
    assert bare.status_code == 422 and "say why" in bare.json()["detail"]
    assert _last_audit(workspace).seq == entry.seq
    listed = client.get("/api/v1/lines", headers=analyst).json()["lines"]
    statuses = {one["line"]["line_id"]: one["status"]["status"] for one in listed}
    assert statuses[first] == "confirmed" and statuses[second] == "new"
    board = client.get("/app/lines?status=confirmed", headers=analyst).text
    shown = re.findall(r'<tr><td><a href="/app/lines/(line-[0-9a-f]+)">', board)
    assert shown == [first] and "<td>confirmed (analyst, " in board
    assert f"1 of the {len(lines)} lines of the latest detection run, status confirmed" in board
    new = client.get("/app/lines?status=new", headers=analyst).text
    assert first not in new and second in new


def test_the_line_page_judges_the_line_with_its_form(detected: Board) -> None:
    client, workspace = detected
    line_id = str(list_lines(workspace)[-1].line_id)
    csrf = browser_sign_in(client, "supervisor")
    page = client.get(f"/app/lines/{line_id}").text
    assert f'action="/app/lines/{line_id}/verdict"' in page and "New: no analyst" in page
    forged = client.post(f"/app/lines/{line_id}/verdict", data={"verdict": "confirmed"})
    assert forged.status_code == 403  # no CSRF value: a cross-site form
    unsaid = client.post(f"/app/lines/{line_id}/verdict", data={"csrf": csrf})
    assert unsaid.status_code == 422 and "Choose confirm or reject." in unsaid.text
    for verdict, note in (("confirmed", ""), ("rejected", "Numbers of a taxi firm <b>")):
        done = client.post(f"/app/lines/{line_id}/verdict", follow_redirects=False,
                           data={"csrf": csrf, "verdict": verdict, "note": note})  # fmt: skip
        assert done.status_code == 303 and done.headers["location"].endswith("#status")
    page = client.get(f"/app/lines/{line_id}").text
    assert "Rejected by supervisor on " in page and "Numbers of a taxi firm &lt;b&gt;" in page
    assert "Earlier verdicts (1)" in page and "Confirmed by supervisor on " in page
    officer = client.get(f"/app/lines/{line_id}", headers=sign_in(client, "officer")).text
    assert "Rejected by supervisor" in officer and "/verdict" not in officer  # reads, no form


def test_a_change_of_number_is_judged_for_the_next_run(detected: Board) -> None:
    client, workspace = detected
    linked = next(line for line in list_lines(workspace) if line.links)
    link = linked.links[0]
    analyst = sign_in(client, "analyst")
    path = f"/api/v1/lines/{linked.line_id}/links"
    said = client.post(path, headers=analyst, json={"old": link.from_, "new": link.to,
                                                    "verdict": "confirmed"})  # fmt: skip
    assert said.status_code == 201, said.text
    assert link_judgements(workspace)[(link.from_, link.to)] == "confirmed"
    entry = _last_audit(workspace)
    assert (entry.action, entry.record_type) == ("alteration", "successor_link")
    assert entry.record_ids == f'["{link.from_}>{link.to}"]'
    wrong = client.post(path, headers=analyst, json={"old": link.to, "new": link.from_,
                                                     "verdict": "rejected"})  # fmt: skip
    assert wrong.status_code == 422 and "has no change of number" in wrong.json()["detail"]
    assert (link.to, link.from_) not in link_judgements(workspace)
    shown = client.get(f"/app/lines/{linked.line_id}", headers=analyst).text
    assert "Judged by an analyst since this run: confirmed (the next detection run uses" in shown
