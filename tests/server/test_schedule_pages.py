"""Schedules in the server: ``/api/v1/schedules`` (JSON or a file) and the app's
``/app/schedule`` page with its downloads, reached from a line's page, a number's page and
the link chart's selection."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote, unquote

from sqlalchemy import select

from fortress.casework.models import AuditEntry
from fortress.casework.schedules import make_schedule
from fortress.comms.lines import list_lines, show_line
from fortress.comms.profiles import period
from fortress.reports.schedule_report import HEADER
from helpers.casework import Board, sign_in

HTML = {"Accept": "text/html"}


def _pair(board: Board) -> tuple[str, str]:
    line = show_line(board.workspace, str(list_lines(board.workspace)[0].line_id))
    return line.numbers[0], line.runners.numbers[0].number


def test_the_api_answers_the_service_s_schedule(detected: Board) -> None:
    client, workspace = detected
    line_number, runner = _pair(detected)
    headers = sign_in(client, "analyst")
    query = f"numbers={quote(line_number)},{quote(runner)}&from=2025-01-06&to=2025-01-12"
    answer = client.get(f"/api/v1/schedules?{query}", headers=headers)
    assert answer.status_code == 200, answer.text
    with workspace.sessions.begin() as session:
        expected = make_schedule(workspace, [line_number, runner],
                                 period("2025-01-06", "2025-01-12"), casework=session,
                                 actor="analyst")  # fmt: skip
    got = answer.json()
    assert got["rows"] == [r.model_dump(mode="json") for r in expected.rows]
    assert got["excluded"] == expected.excluded and got["made_by"] == "analyst"
    with workspace.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and last.actor == "analyst" and last.record_type == "phone"


def test_the_api_gives_the_schedule_as_a_file(detected: Board) -> None:
    client, _ = detected
    line_number, runner = _pair(detected)
    headers = sign_in(client, "officer")
    answer = client.get(f"/api/v1/schedules?numbers={quote(line_number)}&numbers="
                        f"{quote(runner)}&format=csv", headers=headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    name = f"schedule-{line_number.lstrip('+')}.csv"
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert list(HEADER) in lines
    html = client.get(f"/api/v1/schedules?numbers={quote(runner)}&format=html", headers=headers)
    assert html.status_code == 200 and html.text.startswith("<!doctype html>")


def test_mistakes_are_422s_that_say_why(detected: Board) -> None:
    client, _ = detected
    line_number, _ = _pair(detected)
    headers = sign_in(client, "analyst")
    for query, says in (
        (f"numbers={quote(line_number)}&dirty={quote(line_number)}", "both a dirty and a clean"),
        (
            f"numbers={quote(line_number)}&from=2025-02-30",
            "the first local day '2025-02-30' is not a day",
        ),
        ("numbers=,", "name at least one number"),
        (f"numbers={quote(line_number)}&format=docx", "format"),
    ):
        answer = client.get(f"/api/v1/schedules?{query}", headers=headers)
        assert answer.status_code == 422 and says in answer.text, query


def test_the_app_page_shows_the_schedule_and_its_downloads(detected: Board) -> None:
    client, _ = detected
    line_number, runner = _pair(detected)
    headers = sign_in(client, "analyst")
    numbers, pair = f"{quote(line_number)}%2C{quote(runner)}", (quote(line_number), quote(runner))
    query = f"numbers={numbers}&dirty={pair[0]}&clean={pair[1]}"
    page = client.get(f"/app/schedule?{query}", headers=headers | HTML)
    assert page.status_code == 200, page.text
    assert "Schedule of events: " + line_number in page.text
    assert "Attribution: does " + runner + " travel with " + line_number in page.text
    downloads = re.findall(r'href="(/app/schedule/file\?[^"]+)"', page.text)
    assert [d.rsplit("format=", 1)[1] for d in downloads] == ["csv", "xlsx", "html", "pdf"]
    xlsx = client.get(downloads[1].replace("&amp;", "&"), headers=headers)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    empty = client.get("/app/schedule", headers=headers | HTML)
    assert empty.status_code == 200 and "Make the schedule" in empty.text
    wrong = client.get(
        f"/app/schedule?numbers={quote(line_number)}&from=soon", headers=headers | HTML
    )
    assert wrong.status_code == 422 and "is not a day" in wrong.text


def test_a_line_and_a_number_link_to_their_schedules(detected: Board) -> None:
    client, workspace = detected
    line = show_line(workspace, str(list_lines(workspace)[0].line_id))
    headers = sign_in(client, "officer") | HTML
    page = client.get(f"/app/lines/{line.line_id}", headers=headers)
    link = re.search(r'<a href="/app/schedule\?numbers=([^"]+)" id="schedule">', page.text)
    assert link is not None
    runners = [r.number for r in line.runners.numbers]
    controllers = [c.number for c in line.controllers.numbers]
    assert unquote(link.group(1)).split(",") == [*line.numbers, *runners, *controllers]
    number = client.get(f"/app/numbers/{quote(runners[0])}", headers=headers)
    assert f'href="/app/schedule?numbers={quote(runners[0], safe="")}&amp;every_event=true"' in (
        number.text
    )
