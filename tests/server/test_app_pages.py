"""The workspace in the browser: each role lands on its own work, refusals are pages, and
the deal-line board shows the latest detection run of a simulated world."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fortress.casework.models import AuditEntry
from fortress.casework.policy import POLICY
from fortress.casework.users import ROLES
from fortress.comms.lines import (
    line_activity,
    line_quantum,
    line_week_hours,
    lines_per_day,
    list_lines,
    show_line,
)
from fortress.server.app_pages import ROLE_HOME
from fortress.server.navigation import PAGES
from helpers.casework import Board, browser_sign_in, sign_in

HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_its_own_work(client: TestClient, role: str) -> None:
    browser_sign_in(client, role)
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == ROLE_HOME[role]
    landing = client.get(ROLE_HOME[role], headers=HTML)
    assert landing.status_code == 200 and landing.headers["content-type"].startswith("text/html")
    assert f"Signed in as <strong>{role}</strong>" in landing.text
    shown = set(re.findall(r'<nav aria-label="Pages">.*?</nav>', landing.text, re.S)[0].split('"'))
    for link in PAGES:  # the navigation offers exactly the pages the role may open
        assert (link.path in shown) == (role in POLICY[link.endpoint]), link.path


def test_the_home_page_sends_a_stranger_to_sign_in(client: TestClient) -> None:
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"


def test_a_refusal_in_the_browser_is_a_page_that_says_where_to_go(client: TestClient) -> None:
    stranger = client.get("/app/lines", headers=HTML)
    assert stranger.status_code == 401 and "text/html" in stranger.headers["content-type"]
    assert "Sign in first" in stranger.text and 'href="/signin"' in stranger.text
    browser_sign_in(client, "analyst")
    refused = client.get("/app/users", headers=HTML)
    assert refused.status_code == 403 and "Not for your role" in refused.text
    assert 'href="/"' in refused.text and '"detail"' not in refused.text  # no JSON
    missing = client.get("/app/nothing-here", headers=HTML)
    assert missing.status_code == 404 and "Not found" in missing.text
    # The API, and callers that do not ask for HTML, get the JSON answer.
    assert set(client.get("/api/v1/me", headers=HTML).json()) == {"detail", "request_id"}
    assert set(client.get("/app/users").json()) == {"detail", "request_id"}


def test_each_landing_page_shows_its_records_and_is_audited(client: TestClient) -> None:
    headers = sign_in(client, "officer")
    operations = client.get("/app/operations", headers=headers)
    assert operations.status_code == 200 and "Week of action" in operations.text
    headers = sign_in(client, "safeguarding_partner")
    referrals = client.get("/app/referrals", headers=headers)
    assert referrals.status_code == 200 and "Children&#39;s Services" in referrals.text
    headers = sign_in(client, "auditor")
    log = client.get("/app/audit", headers=headers)
    assert log.status_code == 200
    assert re.search(r"<td>safeguarding_partner</td><td>disclosure</td><td>referral</td><td>1</td>"
                     r"<td>Children&#39;s Services</td>", log.text)  # fmt: skip
    assert "[&#34;" not in log.text  # record ids as a list, not JSON


def test_the_board_lists_every_line_of_the_latest_run(detected: Board) -> None:
    client, workspace = detected
    lines = list_lines(workspace)
    board = client.get("/app/lines", headers=sign_in(client, "analyst"))
    assert board.status_code == 200
    assert f"{len(lines)} of the {len(lines)} lines of the latest detection run" in board.text
    row_start = r'<tr><td><a href="/app/lines/(line-[0-9a-f]+)">\1</a></td><td>([0-9.]+)</td>'
    rows = re.findall(row_start, board.text)
    assert rows == [(line.line_id, f"{line.score:.2f}") for line in lines]  # strongest first
    for line in lines:  # customers over the brand's numbers, as ``lines show`` counts them
        assert line.customer_count == show_line(workspace, str(line.line_id)).customers.count
        row = re.search(rf'<tr><td><a href="/app/lines/{line.line_id}">.*?</tr>', board.text)
        assert row is not None and " → ".join(line.numbers) in row.group(0)
        assert f"<td>{line.customer_count}</td><td><svg" in row.group(0)
    per_day = lines_per_day(workspace, lines)  # the sparklines: every event of each line, by day
    for line in lines:
        days = line_activity(workspace, str(line.line_id)).days
        counts = per_day.counts[str(line.line_id)]
        assert sum(counts) == sum(d.incoming + d.outgoing for d in days)
        assert f"busiest day {max(counts):,}</td><td></td></tr>" in board.text
    with workspace.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and (last.actor, last.record_type) == ("analyst", "deal_line")
    assert all(line.line_id in last.record_ids for line in lines)


def test_the_board_searches_by_number_and_sorts(detected: Board) -> None:
    client, workspace = detected
    lines = list_lines(workspace)
    headers = sign_in(client, "analyst")
    wanted = lines[-1].numbers[0]
    found = client.get(f"/app/lines?q={wanted[-6:]}", headers=headers)
    assert f"with a number containing {wanted[-6:]}" in found.text
    assert lines[-1].line_id in found.text
    assert all(line.line_id not in found.text for line in lines if wanted[-6:] not in
               "".join(line.numbers))  # fmt: skip
    none = client.get("/app/lines?q=<script>", headers=headers)  # digits only are kept
    assert "<script>" not in none.text and none.status_code == 200
    by_last = client.get("/app/lines?sort=last_seen", headers=headers)
    shown = re.findall(r'<tr><td><a href="/app/lines/(line-[0-9a-f]+)">', by_last.text)
    expected = sorted(lines, key=lambda line: (line.last_seen_utc, line.line_id or ""))
    assert shown == [line.line_id for line in expected]


def test_without_a_detection_run_the_board_says_so(client: TestClient) -> None:
    board = client.get("/app/lines", headers=sign_in(client, "analyst"))
    assert board.status_code == 200 and "No detection run to show" in board.text


@pytest.mark.parametrize("role", ["analyst", "officer", "supervisor"])
def test_a_line_page_shows_the_brand_its_evidence_and_people(detected: Board, role: str) -> None:
    client, workspace = detected
    line = show_line(workspace, str(list_lines(workspace)[0].line_id))
    shown = client.get(f"/app/lines/{line.line_id}", headers=sign_in(client, role))
    assert shown.status_code == 200
    text = shown.text.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
    for history in line.number_history:
        assert f"<tr><td>{_number_link(history.number)}</td>" in text
    for item in line.evidence:
        assert item.text in text
    for runner in line.runners.numbers:
        assert f"<tr><td>{_number_link(runner.number)}</td><td>{runner.dispatches}</td>" in text
    for controller in line.controllers.numbers:
        assert controller.number in text
    assert f"{line.customers.count} customers" in text
    assert text.count("<svg") == 4 + bool(line.runner_movements)  # each chart of the line
    quantum = line_quantum(workspace, line.line_id)
    assert f'<td class="n">{quantum.customer_days} customer-days</td>' in text
    assert f'<td class="n">{quantum.confirmed_transactions} confirmed transactions' in text


def test_the_working_hours_count_every_event_of_the_daily_figures(detected: Board) -> None:
    """The day x hour matrix and the daily table count the same calls and messages."""
    _, workspace = detected
    for summary in list_lines(workspace):
        line_id = str(summary.line_id)
        days = line_activity(workspace, line_id).days
        hours = line_week_hours(workspace, line_id)
        assert hours.events == sum(d.incoming + d.outgoing for d in days) > 0
        assert [len(row) for row in hours.counts] == [24] * 7


def _number_link(number: str) -> str:
    return f'<a href="/app/numbers/{quote(number, safe="")}">{number}</a>'


def test_a_line_that_is_not_there_is_a_page_saying_so(detected: Board) -> None:
    client, _ = detected
    headers = {**sign_in(client, "analyst"), **HTML}
    for wrong in ("line-0000000000", "line-<script>", "x" * 500):
        answer = client.get(f"/app/lines/{wrong}", headers=headers)
        assert answer.status_code == 404 and "Not found" in answer.text
        assert "<script>" not in answer.text


def test_triage_names_categories_and_leaves_the_grade_to_the_analyst(client: TestClient) -> None:
    """The category by name, every grade list on "choose" (a grade is a judgement, never a
    default), and a form sent without one refused with the reason, nothing written."""
    headers = sign_in(client, "analyst")
    client.post("/report", data={"category": "cuckooing", "description": "Men at number 9."})
    triage = client.get("/triage", headers=headers).text
    assert "Someone&#39;s home taken over by dealers (cuckooing)" in triage
    assert " selected" not in triage and triage.count('<option value="">choose</option>') >= 3
    report = re.findall(r'action="/triage/(\d+)"', triage)[-1]
    answer = client.post(
        f"/triage/{report}",
        headers=headers,
        data={"source_evaluation": "", "assessment": "B", "handling_code": "P"},
    )
    assert answer.status_code == 422 and f"Report {report}:" in answer.text
    assert f'action="/triage/{report}"' in answer.text  # still waiting for triage
