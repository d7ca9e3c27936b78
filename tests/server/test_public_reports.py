"""The public report page: plain HTML, reports reach triage escaped, no identifier of the
sender is kept anywhere, and too many reports from one sender are refused."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, func, select, text

from fortress.casework import audit
from fortress.casework.models import AuditEntry, Intelligence, PublicReport
from fortress.server.app import create_app
from fortress.server.deps import SESSION_COOKIE
from fortress.server.observe import LOGGER
from fortress.store.workspace import Workspace
from helpers.browser import offline_page, served
from helpers.casework import PASSWORD, sign_in, signin_form

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)> at the back door"
SENDER = {"X-Forwarded-For": "203.0.113.77, 10.0.0.1", "User-Agent": "FortressTestAgent/9.9"}
TIME_OF_DAY = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
"""A timestamp finer than the day, as a row holds one."""


def _report(client: TestClient, headers: dict[str, str] | None = None, **fields: str):  # type: ignore[no-untyped-def]
    form = {"category": "cuckooing", "description": "Strangers at number 4 every night."}
    return client.post("/report", data=form | fields, headers=headers or {})


def test_the_form_is_plain_html(client: TestClient) -> None:
    page = client.get("/report")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text and "http://" not in page.text and "https://" not in page.text
    assert (
        'method="post" action="/report"' in page.text and "Cuckooing" not in page.text.upper()[:0]
    )
    for category in ("cuckooing", "county_lines", "child_exploitation", "cannabis_factory",
                     "card_skimming", "cyber_crime", "adult_exploitation"):  # fmt: skip
        assert f'value="{category}"' in page.text


def test_a_report_reaches_triage_escaped(client: TestClient, casework: Workspace) -> None:
    sent = _report(client, description=PAYLOAD, location='"><script>alert(3)</script>')
    assert sent.status_code == 200 and "Thank you" in sent.text
    view = client.get("/triage", headers=sign_in(client, "analyst"))
    assert view.status_code == 200
    assert "<script" not in view.text and "<img" not in view.text  # shown, never run
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in view.text
    with casework.sessions() as session:
        assert audit.verify(session).ok


def test_mistakes_are_explained_and_the_values_kept(client: TestClient) -> None:
    answer = _report(client, category="parking", description="short")
    assert answer.status_code == 422
    assert "Choose what you are reporting" in answer.text
    assert "at least 10 characters" in answer.text
    assert ">short</textarea>" in answer.text
    answer = _report(client, description='"><script>x</script> long enough text')
    assert answer.status_code == 200
    answer = _report(client, category="x", description='"><script>x</script> long enough text')
    assert answer.status_code == 422 and "<script>x</script>" not in answer.text


def test_no_identifier_of_the_sender_is_kept(client: TestClient, casework: Workspace) -> None:
    assert _report(client, headers=SENDER).status_code == 200
    with casework.engine.connect() as connection:
        for table in ("casework_public_reports", "casework_audit"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).fetchall()
            assert "203.0.113.77" not in str(rows) and "FortressTestAgent" not in str(rows)
    for path in Path(casework.root).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"203.0.113.77" not in data and b"FortressTestAgent" not in data, path


def _every_row(casework: Workspace) -> set[tuple[str, tuple[str, ...]]]:
    """Every row of every table, as text (a datetime in ISO form)."""
    tables = MetaData()
    tables.reflect(casework.engine)
    with casework.engine.connect() as connection:
        return {
            (table.name, tuple(v.isoformat() if isinstance(v, datetime) else str(v) for v in row))
            for table in tables.sorted_tables
            for row in connection.execute(table.select())
        }


def test_a_report_leaves_no_time_finer_than_its_day(
    client: TestClient, casework: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """A probe found each report's arrival audited to the microsecond, readable by
    auditors: a time that could be matched against network logs to find the sender. Now
    no row the report adds or changes holds a time, no log line marks its arrival, and its
    collection is audited in a batch when staff first touch the public's reports."""
    before = _every_row(casework)
    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        assert _report(client).status_code == 200
    added = _every_row(casework) - before
    assert {table for table, _ in added} == {"casework_public_reports", "casework_retention"}
    for _, values in added:
        assert not [v for v in values if TIME_OF_DAY.search(v)], values  # days only
    assert not [r for r in caplog.records if r.name == LOGGER.name]
    with casework.sessions() as session:
        report = session.scalars(select(PublicReport).order_by(PublicReport.id.desc())).first()
        assert report is not None and not report.collection_audited
    assert client.get("/triage", headers=sign_in(client, "analyst")).status_code == 200
    with casework.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2))
        consulted, collected = entries.all()
        assert audit.verify(session).ok
    assert (collected.actor, collected.action, collected.record_type) == (
        "public", "collection", "public_report"
    )  # fmt: skip
    assert str(report.id) in json.loads(collected.record_ids)  # with any others waiting
    assert (consulted.actor, consulted.action) == ("analyst", "consultation")
    assert collected.at == consulted.at or collected.seq == consulted.seq - 1


def test_the_audit_shows_every_report_collected_when_it_is_read(
    client: TestClient, casework: Workspace
) -> None:
    assert _report(client).status_code == 200
    entries = client.get("/api/v1/audit", headers=sign_in(client, "auditor")).json()
    collected = [e for e in entries if (e["actor"], e["action"]) == ("public", "collection")]
    with casework.sessions() as session:
        newest = session.scalar(select(func.max(PublicReport.id)))
    assert collected and str(newest) in json.loads(collected[-1]["record_ids"])


def test_too_many_reports_from_one_sender_are_refused(client: TestClient) -> None:
    for _ in range(10):
        assert _report(client, headers=SENDER).status_code == 200
    refused = _report(client, headers=SENDER)
    assert refused.status_code == 429 and "Too many reports" in refused.text
    dodging = {"X-Forwarded-For": "198.51.100.9"}  # from no trusted proxy: ignored
    assert _report(client, headers=dodging).status_code == 429
    elsewhere = TestClient(client.app, client=("198.51.100.9", 50000))  # the same server
    assert _report(elsewhere).status_code == 200


def test_in_a_real_browser_a_payload_is_shown_never_run(casework: Workspace) -> None:
    """Chromium fills the public form with script and image-tag payloads and sends it; an
    analyst then opens the triage view: no dialog ever opens, the text is shown as typed,
    and nothing is fetched from anywhere but the server."""
    app = create_app(casework.engine)
    with served(app) as base, offline_page(allowed=base) as (page, requested):
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{base}/report")
        page.select_option("#category", "cuckooing")
        page.fill("#description", PAYLOAD)
        page.fill("#location", '"><script>alert(3)</script>')
        page.click("button[type=submit]")
        assert "Thank you" in page.inner_text("h1")
        page.goto(f"{base}/signin")  # an analyst signs in with the page's form
        page.fill("#name", "analyst")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        assert page.url == f"{base}/app/lines"  # an analyst's own work, then triage from it
        page.click("nav >> text=Public reports")
        assert page.url == f"{base}/triage"
        shown = page.inner_text("table")
        assert PAYLOAD in shown and "<script>alert(3)</script>" in shown
        newest = page.locator("form[aria-label^='Grade report']").last  # the payload's
        newest.locator("select[name=source_evaluation]").select_option("2")
        newest.locator("select[name=assessment]").select_option("B")
        newest.locator("select[name=handling_code]").select_option("P")
        newest.locator("select[name=link_type]").first.select_option("address")
        newest.locator("input[name=link_value]").first.fill("4 Example Road")
        newest.locator("button").click()
        assert "graded: it is now intelligence" in page.inner_text("[role=status]")
        assert PAYLOAD not in page.inner_text("table")  # it left the queue
        assert dialogs == []
        assert all(url.startswith(base) for url in requested)
    with casework.sessions() as session:
        graded = session.scalars(select(Intelligence).order_by(Intelligence.id.desc())).first()
    assert graded is not None and graded.text.startswith(PAYLOAD)
    assert (graded.source_evaluation, graded.assessment, graded.handling_code) == ("2", "B", "P")


def _browser_sign_in(client: TestClient, name: str = "analyst") -> str:
    signing_in = {"name": name, "password": PASSWORD, **signin_form(client)}
    answer = client.post("/signin", data=signing_in, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    return re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/triage").text).group(1)  # type: ignore[union-attr]


def test_the_browser_session_reaches_only_the_pages(client: TestClient) -> None:
    csrf = _browser_sign_in(client)
    assert client.get("/triage").status_code == 200
    assert client.get("/api/v1/me").status_code == 401  # the API needs the bearer token
    grade = {"source_evaluation": "2", "assessment": "C", "handling_code": "P"}
    forged = client.post("/triage/1", data=grade, follow_redirects=False)
    assert forged.status_code == 403 and "out of date" in forged.json()["detail"]
    done = client.post("/triage/1", data={**grade, "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/triage?graded=")
    again = client.post("/triage/1", data={**grade, "csrf": csrf})
    assert again.status_code == 422 and "already intelligence" in again.text
    out = client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and client.get("/triage").status_code == 401


def test_a_refused_grade_is_explained_on_the_page(client: TestClient) -> None:
    csrf = _browser_sign_in(client)
    answer = client.post("/triage/1", data={"source_evaluation": "2", "assessment": "C",
                         "handling_code": "C", "csrf": csrf})  # fmt: skip
    assert answer.status_code == 422 and "needs its conditions" in answer.text
    assert "Strangers at number 4" in answer.text  # still waiting


def test_a_sign_in_from_another_site_is_refused(client: TestClient) -> None:
    """Sign-in CSRF (a probe): another site's form could sign a person's browser in as the
    attacker, whose session would then receive what they type. The form now carries a
    value tied to a cookie that only Fortress's own sign-in page sets (SameSite=Strict),
    and a request from another origin is refused."""
    credentials = {"name": "analyst", "password": PASSWORD}
    forged = client.post("/signin", data=credentials, follow_redirects=False)
    assert forged.status_code == 403 and "reload the sign-in page" in forged.text
    assert SESSION_COOKIE not in forged.headers.get("set-cookie", "")
    own = signin_form(client)
    elsewhere = client.post("/signin", data={**credentials, **own}, follow_redirects=False,
                            headers={"Origin": "https://elsewhere.example"})  # fmt: skip
    assert elsewhere.status_code == 403 and SESSION_COOKIE not in client.cookies
    other_value = client.post("/signin", data={**credentials, "csrf": "0" * 32},
                              follow_redirects=False)  # fmt: skip
    assert other_value.status_code == 403
    own = signin_form(client)  # each sign-in page, refusals included, makes a new value
    signed = client.post("/signin", data={**credentials, **own}, follow_redirects=False,
                         headers={"Origin": str(client.base_url)})  # fmt: skip
    assert signed.status_code == 303 and SESSION_COOKIE in client.cookies


def test_a_session_cannot_be_fixed_before_sign_in(client: TestClient) -> None:
    """Session fixation: a session value planted in the browser before sign-in is never
    the one signing in gives, and never works."""
    planted = "attacker-chosen-session-value"
    client.cookies.set(SESSION_COOKIE, planted)
    signing_in = {"name": "analyst", "password": PASSWORD, **signin_form(client)}
    signed = client.post("/signin", data=signing_in, follow_redirects=False)
    assert signed.status_code == 303
    given = [c for c in signed.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    assert len(given) == 1 and planted not in given[0]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, planted)
    assert client.get("/triage", follow_redirects=False).status_code == 401


def test_a_wrong_password_on_the_page_keeps_the_name(client: TestClient) -> None:
    answer = client.post("/signin", data={"name": "ann<b>", "password": "nope",
                                          **signin_form(client)})  # fmt: skip
    assert answer.status_code == 401 and "Wrong name or password." in answer.text
    assert 'value="ann&lt;b&gt;"' in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
