"""Work from the browser: an uploaded comms file is kept and ingested in the background
with the CLI's accounting (accepted, rejected with reasons, duplicates), detection runs as
a job, each job's page shows its progress and result, and both are audited."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from fortress.casework.models import AuditEntry
from fortress.comms.lines import latest_run
from helpers.casework import Board, browser_sign_in

ROWS = (
    "event_id,start,kind,a_number,b_number\n"
    "up-1,2025-01-20T10:00:00,sms,07700900001,07700900002\n"
    "up-2,2025-01-20T10:05:00,sms,07700900002,07700900001\n"
    "up-3,not a time,sms,07700900001,07700900002\n"
)


def _finished(client: TestClient, location: str) -> str:
    """The job's page once the job has ended (it reloads itself until then)."""
    deadline = time.monotonic() + 120
    while True:
        shown = client.get(location).text
        if 'http-equiv="refresh"' not in shown:
            return shown
        assert time.monotonic() < deadline, "the job did not end within 2 minutes"
        time.sleep(0.2)


def test_an_uploaded_file_is_ingested_in_the_background(detected: Board) -> None:
    client, workspace = detected
    csrf = browser_sign_in(client, "analyst")
    sent = client.post("/app/work/uploads", follow_redirects=False,
                       data={"csrf": csrf, "kind": "comms", "layout": "canonical"},
                       files={"data": ("drop <1>.csv", ROWS.encode(), "text/csv")})  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"].startswith("/app/work/jobs/")
    shown = _finished(client, sent.headers["location"])
    assert "Done in" in shown and '<td class="n">3</td><td class="n">2</td>' in shown
    assert "Why rows were rejected" in shown and "<li>1: " in shown
    kept = list((workspace.root / "uploads").glob("*drop__1_.csv"))
    assert len(kept) == 1 and kept[0].read_text() == ROWS  # kept as received, name made safe
    again = client.post("/app/work/uploads", follow_redirects=False,
                        data={"csrf": csrf, "kind": "comms", "layout": "canonical"},
                        files={"data": ("again.csv", ROWS.encode(), "text/csv")})  # fmt: skip
    repeat = _finished(client, again.headers["location"])
    assert (
        '<td class="n">3</td><td class="n">0</td><td class="n">1</td><td class="n">2</td>' in repeat
    )
    with workspace.sessions() as session:
        types = set(session.scalars(select(AuditEntry.record_type).where(
            AuditEntry.actor == "analyst", AuditEntry.action == "collection")))  # fmt: skip
    assert "comms_file" in types


def test_detection_runs_as_a_job_and_links_to_the_board(detected: Board) -> None:
    client, workspace = detected
    before = latest_run(workspace).id
    csrf = browser_sign_in(client, "supervisor")
    started = client.post("/app/work/detection", data={"csrf": csrf}, follow_redirects=False)
    shown = _finished(client, started.headers["location"])
    run = latest_run(workspace)
    assert run.id != before and f"Detection run {run.id}" in shown
    assert 'href="/app/lines"' in shown
    listing = client.get("/app/work").text
    assert started.headers["location"].rsplit("/", 1)[1] in listing


def test_bad_uploads_are_refused_with_the_reason(detected: Board) -> None:
    client, _ = detected
    csrf = browser_sign_in(client, "analyst")
    empty = client.post("/app/work/uploads", data={"csrf": csrf, "kind": "comms"},
                        files={"data": ("empty.csv", b"", "text/csv")})  # fmt: skip
    assert empty.status_code == 413 and "The file is empty." in empty.text
    wrong = client.post("/app/work/uploads", data={"csrf": csrf, "kind": "comms",
                                                   "layout": "no-such"},
                        files={"data": ("x.csv", ROWS.encode(), "text/csv")})  # fmt: skip
    assert wrong.status_code == 422 and "Choose what the file holds" in wrong.text
    forged = client.post("/app/work/detection", data={})
    assert forged.status_code == 403
    assert client.get("/app/work/jobs/000000000000").status_code == 404
