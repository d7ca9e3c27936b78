"""Line bundles over the API and on the app's pages: a C-coded line waits for a supervisor
before its bundle can be fetched; a received bundle is verified, held, reviewed and
accepted; a tampered, repeated or oversized one is refused. The force sends to itself
here (it trusts its own key, and addresses the bundles to itself, as importing requires):
``tests/sharing/test_bundles.py`` has two forces."""

from __future__ import annotations

import pytest

from fortress.casework.intelligence import Grade
from fortress.comms.lines import latest_run, list_lines
from fortress.sharing import signing
from fortress.sharing.bundles import MOST_BYTES, Sharing, write_bundle
from helpers.casework import Board, browser_sign_in, sign_in

BUNDLE_TYPE = {"Content-Type": "application/x-ndjson"}


@pytest.fixture(scope="module")
def line(detected: Board) -> str:
    """The strongest line, with the workspace's signing key made and trusted."""
    workspace = detected.workspace
    key = signing.new_signing_key("Hampshire")
    public = signing.save_signing_key(key, signing.default_signing_key_path(workspace))
    signing.trust(workspace, signing.load_public_key(public))
    found = list_lines(workspace)[0].line_id
    assert found is not None
    return found


def test_a_c_coded_line_is_sent_only_once_a_supervisor_approves(detected: Board, line: str) -> None:
    client, analyst = detected.client, sign_in(detected.client, "analyst")
    asked = client.post("/api/v1/line-exports", headers=analyst, json={
        "lines": [line], "recipient": "Hampshire", "purpose": "joint operation",
        "grade": {"source_evaluation": "2", "assessment": "B", "handling_code": "C",
                  "conditions": "Sussex intelligence unit only"},
    })  # fmt: skip
    assert asked.status_code == 201, asked.text
    export = asked.json()
    assert export["status"] == "awaiting" and export["grade"] == "2/B/C"
    early = client.get(f"/api/v1/line-exports/{export['id']}/bundle", headers=analyst)
    assert early.status_code == 409 and "awaiting: nothing may be sent" in early.text
    supervisor = sign_in(client, "supervisor")
    awaiting = client.get("/api/v1/line-exports?status=awaiting", headers=supervisor).json()
    assert [e["id"] for e in awaiting] == [export["id"]]
    decided = client.post(f"/api/v1/line-exports/{export['id']}/decision", headers=supervisor,
                          json={"approve": True, "reason": "active in Sussex"})  # fmt: skip
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    bundle = client.get(f"/api/v1/line-exports/{export['id']}/bundle", headers=analyst)
    assert (
        bundle.status_code == 200 and bundle.headers["content-type"] == BUNDLE_TYPE["Content-Type"]
    )
    assert "attachment" in bundle.headers["content-disposition"]
    held = client.post("/api/v1/received-bundles", headers=analyst | BUNDLE_TYPE,
                       content=bundle.content)  # fmt: skip
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "held" and held.json()["lines"] == [line]
    again = client.post("/api/v1/received-bundles", headers=analyst | BUNDLE_TYPE,
                        content=bundle.content)  # fmt: skip
    assert again.status_code == 409 and "already imported" in again.text
    bundle_id = held.json()["id"]
    accepted = client.post(f"/api/v1/received-bundles/{bundle_id}/decision", headers=analyst,
                           json={"approve": True, "reason": "matches our picture"})  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    listed = client.get("/api/v1/received-bundles?status=accepted", headers=analyst).json()
    assert [b["id"] for b in listed] == [bundle_id]


def test_tampered_oversized_and_unknown_bundles_are_refused(detected: Board, line: str) -> None:
    client, analyst = detected.client, sign_in(detected.client, "analyst")
    asked = client.post("/api/v1/line-exports", headers=analyst, json={
        "lines": [line], "recipient": "Kent", "purpose": "joint operation",
        "grade": {"source_evaluation": "1", "assessment": "A", "handling_code": "P"},
    })  # fmt: skip
    assert asked.json()["status"] == "approved"
    content = client.get(f"/api/v1/line-exports/{asked.json()['id']}/bundle", headers=analyst)
    tampered = content.content.replace(b"Deal line", b"Deal lines", 1)
    answer = client.post("/api/v1/received-bundles", headers=analyst | BUNDLE_TYPE,
                         content=tampered)  # fmt: skip
    assert answer.status_code == 422 and "was changed after Hampshire signed" in answer.text
    huge = b"x" * (MOST_BYTES + 1)
    answer = client.post("/api/v1/received-bundles", headers=analyst | BUNDLE_TYPE, content=huge)
    assert answer.status_code == 413
    unknown = client.post("/api/v1/line-exports", headers=analyst, json={
        "lines": ["line-nope"], "recipient": "Kent", "purpose": "joint operation",
        "grade": {"source_evaluation": "1", "assessment": "A", "handling_code": "P"},
    })  # fmt: skip
    assert unknown.status_code == 404 and "no line line-nope in the latest run" in unknown.text
    missing = client.post("/api/v1/received-bundles/not-a-bundle/decision", headers=analyst,
                          json={"approve": True, "reason": "x"})  # fmt: skip
    assert missing.status_code == 404
    officer = sign_in(client, "officer")
    refused = client.get("/api/v1/received-bundles", headers=officer)
    assert refused.status_code == 403


def test_the_board_names_the_other_forces_that_hold_a_line(detected: Board, line: str) -> None:
    """Kent sends the same line (signed with Kent's key): once accepted, the board's row
    for the line names Kent, and a table shows each force's part of the brand."""
    workspace, client = detected.workspace, detected.client
    kent = signing.new_signing_key("Kent")
    signing.trust(workspace, kent.public)
    grade = Grade("3x5x2", "1", "B", "C", "Hampshire intelligence unit only")
    bundle = write_bundle(workspace, kent, export_id=7, line_ids=[line],
                          run_id=latest_run(workspace).id, recipient="Hampshire",
                          purpose="joint operation",
                          sharing=Sharing("Kent", grade, "OFFICIAL"))  # fmt: skip
    analyst = sign_in(client, "analyst")
    held = client.post("/api/v1/received-bundles", headers=analyst | BUNDLE_TYPE,
                       content=bundle.content)  # fmt: skip
    assert held.status_code == 201, held.text
    browser_sign_in(client, "analyst")
    board = client.get("/app/lines").text
    assert "Seen by more than one force" not in board  # held, not accepted
    client.post(f"/api/v1/received-bundles/{bundle.id}/decision", headers=analyst,
                json={"approve": True, "reason": "Kent's line is ours"})  # fmt: skip
    board = client.get("/app/lines").text
    assert "Seen by more than one force" in board
    row = next(r for r in board.split("<tr>") if f'href="/app/lines/{line}"' in r)
    assert "<td>Kent</td></tr>" in row
    assert "1/B/C: Hampshire intelligence unit only" in board and "own finding" in board
    browser_sign_in(client, "officer")  # may not read received bundles, so sees none of them
    board = client.get("/app/lines").text
    assert board.count("<tr><td><a href") == len(list_lines(workspace))
    assert "Kent" not in board and "other forces" not in board


def test_the_pages_take_a_line_from_request_to_acceptance(detected: Board, line: str) -> None:
    """In the browser: the analyst asks for a C-coded line to be sent (the line page links
    there), cannot write its bundle until a supervisor approves on the same page, uploads
    the bundle (this force trusts its own key), reads its lines beside its own, accepts."""
    client = detected.client
    csrf = browser_sign_in(client, "analyst")
    assert f'href="/app/sharing?lines={line}#ask"' in client.get(f"/app/lines/{line}").text
    form = {"lines": line, "recipient": "Hampshire", "purpose": "the week of action",
            "source_evaluation": "2", "assessment": "B", "handling_code": "C",
            "conditions": "Surrey intelligence unit only", "marking": "OFFICIAL",
            "csrf": csrf}  # fmt: skip
    asked = client.post("/app/sharing/exports", data=form)
    assert asked.status_code == 200, asked.text
    export_id = int(asked.text.split("Line export ")[1].split(" ")[0])
    assert f"Line export {export_id} to Hampshire: waiting for a supervisor" in asked.text
    row = next(r for r in asked.text.split("<tr>") if r.startswith(f"<td>{export_id}</td>"))
    assert "2/B/C (Surrey intelligence unit only)" in row and "waiting for a supervisor" in row
    early = client.post(f"/app/sharing/exports/{export_id}/bundle", data={"csrf": csrf})
    assert early.status_code == 409 and "is awaiting: nothing may be sent" in early.text
    unknown = client.post("/app/sharing/exports", data=form | {"lines": "line-nope"})
    assert unknown.status_code == 404 and "no line line-nope in the latest run" in unknown.text
    assert 'value="line-nope"' in unknown.text  # the form keeps what was typed
    supervisor_csrf = browser_sign_in(client, "supervisor")
    decided = client.post(f"/app/sharing/exports/{export_id}/decision",
                          data={"decision": "approve", "reason": "active in Surrey",
                                "csrf": supervisor_csrf})  # fmt: skip
    assert f"Line export {export_id} to Hampshire approved." in decided.text
    csrf = browser_sign_in(client, "analyst")
    bundle = client.post(f"/app/sharing/exports/{export_id}/bundle", data={"csrf": csrf})
    assert (
        bundle.status_code == 200 and bundle.headers["content-type"] == BUNDLE_TYPE["Content-Type"]
    )
    assert f'filename="lines-{export_id}-' in bundle.headers["content-disposition"]
    tampered = bundle.content.replace(b"Surrey intelligence", b"Sussex intelligence", 1)
    refused = client.post("/app/sharing/received", data={"csrf": csrf},
                          files={"bundle": ("line.bundle", tampered)})  # fmt: skip
    assert refused.status_code == 422 and "Not held:" in refused.text
    held = client.post("/app/sharing/received", data={"csrf": csrf},
                       files={"bundle": ("line.bundle", bundle.content)})  # fmt: skip
    assert held.status_code == 200 and "Held for review: bundle " in held.text
    assert "Status: <strong>held</strong>" in held.text
    lines_row = next(r for r in held.text.split("<tr>") if r.startswith(f"<td>{line}</td>"))
    assert "2/B/C (Surrey intelligence unit only)" in lines_row and "OFFICIAL" in lines_row
    joins = f'<td><a href="/app/lines/{line}">{line}</a></td>'  # this force's own line
    assert lines_row.split("</tr>")[0].endswith(joins)
    bundle_id = held.text.split('action="/app/sharing/received/')[1].split("/")[0]
    unchosen = client.post(f"/app/sharing/received/{bundle_id}/decision",
                           data={"reason": "ours", "csrf": csrf})  # fmt: skip
    assert unchosen.status_code == 422 and "Choose accept or reject." in unchosen.text
    accepted = client.post(f"/app/sharing/received/{bundle_id}/decision",
                           data={"decision": "accept", "reason": "ours", "csrf": csrf})  # fmt: skip
    assert "The bundle is accepted." in accepted.text and "Accept or reject" not in accepted.text
    listed = client.get("/app/sharing").text
    assert f'<a href="/app/sharing/received/{bundle_id}">{bundle_id[:8]}</a>' in listed


def test_a_form_without_its_csrf_value_is_refused(detected: Board, line: str) -> None:
    client = detected.client
    browser_sign_in(client, "analyst")
    answer = client.post("/app/sharing/exports", data={"lines": line, "recipient": "Surrey"})
    assert answer.status_code == 403 and "out of date" in answer.text
