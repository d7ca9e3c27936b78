"""Casework in the browser: triage grades a report with every link given and links to the
intelligence it made, or dismisses it with a reason (audited); intelligence is searched
and read on its own pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from fortress.casework.help_services import STARTING
from fortress.casework.models import AuditEntry, PublicReport
from fortress.store.workspace import Workspace
from helpers.casework import browser_sign_in, sign_in


def _report(client: TestClient, text: str) -> int:
    client.post("/report", data={"category": "county_lines", "description": text})
    waiting = client.get("/api/v1/reports", headers=sign_in(client, "analyst")).json()
    return int(waiting[-1]["id"])


def test_triage_grades_with_every_link_and_links_to_the_intelligence(client: TestClient) -> None:
    report = _report(client, "Texts offering white and brown from 07700 900456.")
    csrf = browser_sign_in(client, "analyst")
    links = {
        "link_type": ["phone", "address", ""],
        "link_value": ["07700 900456", "4 Example Road", ""],
    }
    grade = {"csrf": csrf, "source_evaluation": "2", "assessment": "C", "handling_code": "P",
             **links}  # fmt: skip
    done = client.post(f"/triage/{report}", data=grade)
    assert done.status_code == 200 and f"Report {report} graded" in done.text
    made = re.search(r'<a href="/app/intelligence/(\d+)">intelligence \1</a>', done.text)
    assert made is not None
    item = client.get(f"/app/intelligence/{made.group(1)}")
    assert item.status_code == 200 and "Graded 2/C/P (3x5x2)" in item.text
    assert f"from public report {report}" in item.text
    assert 'href="/app/numbers/%2B447700900456">+447700900456</a>' in item.text
    assert "address: 4 EXAMPLE ROAD" in item.text
    too_many = {**grade, "link_type": ["phone"] * 4, "link_value": ["07700 900456"] * 4}
    refused = client.post(f"/triage/{_report(client, 'Another one, a fourth link.')}",
                          data=too_many)  # fmt: skip
    assert refused.status_code == 422 and "at most 3 links" in refused.text


def test_a_report_is_dismissed_with_its_reason(client: TestClient, casework: Workspace) -> None:
    report = _report(client, "Buy cheap watches at example dot com!!!")
    csrf = browser_sign_in(client, "supervisor")
    bare = client.post(f"/triage/{report}/dismissal", data={"csrf": csrf, "reason": " "})
    assert bare.status_code == 422 and "say why the report is dismissed" in bare.text
    done = client.post(f"/triage/{report}/dismissal", data={"csrf": csrf, "reason": "spam"})
    assert done.status_code == 200 and f"Report {report} dismissed." in done.text
    assert f'action="/triage/{report}"' not in done.text  # it left the queue
    with casework.sessions() as session:
        row = session.get(PublicReport, report)
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)).all()
    assert row is not None and (row.status, row.dismissal) == ("dismissed", "spam")
    assert ("supervisor", "alteration", "public_report", f'["{report}"]') in {
        (e.actor, e.action, e.record_type, e.record_ids) for e in last
    }
    again = client.post(f"/api/v1/reports/{report}/dismissal", json={"reason": "spam again"},
                        headers=sign_in(client, "analyst"))  # fmt: skip
    assert again.status_code == 422 and "already triaged (dismissed)" in again.json()["detail"]


def test_intelligence_is_searched_and_read_on_its_pages(client: TestClient) -> None:
    headers = sign_in(client, "officer")
    found = client.get("/app/intelligence?kind=phone&value=07700+900123", headers=headers)
    assert found.status_code == 200 and "1 report linked to the phone 07700 900123" in found.text
    assert '<a href="/app/intelligence/1">1</a>' in found.text
    assert "Deal line texts customers nightly" in found.text
    text = client.get("/app/intelligence?q=informant", headers=headers)
    assert (
        '<a href="/app/intelligence/2">2</a>' in text.text
        and '/app/intelligence/1"' not in text.text
    )
    item = client.get("/app/intelligence/2", headers=headers)
    assert "handling conditions: Not beyond CPS" in item.text and "Other force" in item.text
    wrong = client.get("/app/intelligence?kind=phone&value=not-a-phone", headers=headers)
    assert wrong.status_code == 422 and "is not a phone number" in wrong.text
    missing = client.get("/app/intelligence/999", headers={**headers, "Accept": "text/html"})
    assert missing.status_code == 404 and "Not found" in missing.text


def test_an_operation_page_shows_its_results_and_press_paragraph(client: TestClient) -> None:
    officer = sign_in(client, "officer")
    for result in ({"kind": "arrest", "count": 2}, {"kind": "cash_seizure", "pounds": "1200.50"},
                   {"kind": "phone_seizure", "number": "07700 900123"}):  # fmt: skip
        assert client.post("/api/v1/operations/1/results", json=result, headers=officer).is_success
    summary = client.get("/api/v1/operations/1/summary", headers=officer).json()
    shown = client.get("/app/operations", headers=officer).text
    assert '<a href="/app/operations/1">1</a>' in shown
    page = client.get("/app/operations/1", headers=officer).text.replace("&#39;", "'")
    assert summary["paragraph"] in page and "£1,200.50" in page
    assert 'href="/app/numbers/%2B447700900123"' in page
    assert "3 results recorded" in page


def test_an_auditor_verifies_the_chain_from_the_log(
    client: TestClient, casework: Workspace
) -> None:
    auditor = sign_in(client, "auditor")
    whole = client.get("/app/audit?verify=true", headers=auditor)
    assert whole.status_code == 200 and "The chain is whole: all " in whole.text
    with casework.engine.begin() as connection:  # someone edits an entry behind the server
        connection.execute(text("UPDATE casework_audit SET actor = 'nobody' WHERE seq = 2"))
    broken = client.get("/app/audit?verify=true", headers=auditor)
    assert "The chain is broken" in broken.text and "entry 2" in broken.text


def test_the_public_help_page_is_kept_by_supervisors(
    client: TestClient, casework: Workspace
) -> None:
    public = client.get("/help")
    assert public.status_code == 200 and "<script" not in public.text
    for name in [entry[0] for entry in STARTING]:
        assert name.replace("'", "&#39;") in public.text
    csrf = browser_sign_in(client, "supervisor")
    added = {"csrf": csrf, "name": "Solent <b>Recovery</b>", "helps": "People in Gosport",
             "contact": "Call 01632 960123"}  # fmt: skip
    assert client.post("/app/help", data=added).status_code == 200  # back on the editor
    shown = client.get("/help").text
    assert "Solent &lt;b&gt;Recovery&lt;/b&gt;" in shown and "Call 01632 960123" in shown
    editor = client.get("/app/help").text
    new_id = re.findall(r'name="entry_id" value="(\d+)"', editor)[-1]
    changed = {**added, "entry_id": new_id, "contact": "Call 01632 960124"}
    client.post("/app/help", data=changed)
    assert "Call 01632 960124" in client.get("/help").text
    empty = client.post("/app/help", data={**changed, "contact": " "})
    assert empty.status_code == 422 and "contact is 1 to 500 characters" in empty.text
    client.post("/app/help", data={**changed, "remove": "yes"})
    assert "Solent" not in client.get("/help").text
    with casework.sessions() as session:
        acts = (
            session.execute(select(AuditEntry.action).where(AuditEntry.record_type == "help_entry"))
            .scalars()
            .all()
        )
    assert acts == ["collection", "alteration", "erasure"]


def test_a_supervisor_reviews_what_is_due(client: TestClient, casework: Workspace) -> None:
    with casework.engine.begin() as connection:  # the seeded records' periods have ended
        ended = "WHERE record_type IN ('intelligence', 'public_report')"
        connection.execute(text(f"UPDATE casework_retention SET review_on = '2020-01-01' {ended}"))
    csrf = browser_sign_in(client, "supervisor")
    queue = client.get("/app/retention").text
    assert 'action="/app/retention/intelligence/1"' in queue and "R v Example" in queue
    kept = client.post("/app/retention/intelligence/1", data={"csrf": csrf, "decision": "retain"})
    assert kept.status_code == 200 and "The intelligence 1 is retained until " in kept.text
    assert 'action="/app/retention/intelligence/1"' not in kept.text  # reviewed: not due
    held = client.post("/app/retention/intelligence/2", data={"csrf": csrf, "decision": "dispose"})
    assert held.status_code == 409 and "legal hold" in held.text
    gone = client.post("/app/retention/public_report/1", data={"csrf": csrf,
                                                               "decision": "dispose"})  # fmt: skip
    assert gone.status_code == 200 and "The public report 1 is disposed of." in gone.text
    with casework.sessions() as session:
        assert session.get(PublicReport, 1) is None


def test_a_supervisor_decides_a_disclosure_on_its_page(
    client: TestClient, casework: Workspace
) -> None:
    csrf = browser_sign_in(client, "supervisor")
    waiting = client.get("/app/disclosures").text
    assert 'action="/app/disclosures/2"' in waiting and 'href="/app/intelligence/2"' in waiting
    bare = client.post("/app/disclosures/2", data={"csrf": csrf, "decision": "approve"})
    assert bare.status_code == 409 and "record the reason" in bare.text
    done = client.post("/app/disclosures/2", data={"csrf": csrf, "decision": "approve",
                                                   "reason": "joint operation agreed"})  # fmt: skip
    assert done.status_code == 200 and "Disclosure 2 to Other force approved." in done.text
    assert 'action="/app/disclosures/2"' not in done.text  # decided: no longer waiting
    again = client.post("/app/disclosures/2", data={"csrf": csrf, "decision": "refuse",
                                                    "reason": "changed my mind"})  # fmt: skip
    assert again.status_code == 409 and "already approved" in again.text
    with casework.sessions() as session:
        last = session.scalars(select(AuditEntry).where(AuditEntry.action == "alteration")
                               .order_by(AuditEntry.seq.desc())).first()  # fmt: skip
    assert last is not None and (last.record_type, last.record_ids) == ("disclosure", '["2"]')


def test_new_intelligence_is_recorded_from_its_page(client: TestClient) -> None:
    csrf = browser_sign_in(client, "officer")
    page = client.get("/app/intelligence")
    assert 'action="/app/intelligence"' in page.text and 'name="text"' in page.text
    report = {"csrf": csrf, "text": "Runner <b>seen</b> at the flat, 07700 900457.",
              "source_evaluation": "2", "assessment": "B", "handling_code": "P",
              "link_type": ["phone", ""], "link_value": ["07700 900457", ""]}  # fmt: skip
    done = client.post("/app/intelligence", data=report, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/app/intelligence/")
    item = client.get(done.headers["location"])
    assert "Graded 2/B/P (3x5x2)" in item.text and "by officer" in item.text
    assert "Runner &lt;b&gt;seen&lt;/b&gt; at the flat" in item.text  # shown, never run
    assert 'href="/app/numbers/%2B447700900457"' in item.text
    refused = client.post("/app/intelligence", data={**report, "handling_code": "X"})
    assert refused.status_code == 422 and "Not recorded:" in refused.text
    assert "Runner &lt;b&gt;seen&lt;/b&gt; at the flat" in refused.text  # what was typed stays
    forged = client.post("/app/intelligence", data={**report, "csrf": "wrong"})
    assert forged.status_code == 403
    client.cookies.clear()


def test_a_disclosure_is_asked_for_from_a_report_page(client: TestClient) -> None:
    csrf = browser_sign_in(client, "analyst")
    report = {"csrf": csrf, "text": "Handling C: only with a supervisor's say.",
              "source_evaluation": "2", "assessment": "B", "handling_code": "C",
              "conditions": "Not to the housing association."}  # fmt: skip
    made = client.post("/app/intelligence", data=report, follow_redirects=False)
    item = made.headers["location"]
    ask = {"csrf": csrf, "recipient": "Children's Services", "purpose": "<i>safeguarding</i>"}
    empty = client.post(f"{item}/disclosures", data={**ask, "recipient": " "})
    assert empty.status_code == 422 and "Not asked: name the recipient" in empty.text
    assert "&lt;i&gt;safeguarding&lt;/i&gt;" in empty.text  # what was typed stays, as text
    asked = client.post(f"{item}/disclosures", data=ask)
    assert asked.status_code == 200
    assert "to Children&#39;s Services: waiting for a supervisor&#39;s decision" in asked.text
    shared = client.post("/app/intelligence", data={**report, "handling_code": "P"},
                         follow_redirects=False).headers["location"]  # fmt: skip
    at_once = client.post(f"{shared}/disclosures", data=ask)
    assert "no one: automatic (handling code P permits sharing)" in at_once.text
    number = item.rsplit("/", 1)[1]
    browser_sign_in(client, "supervisor")
    waiting = client.get("/app/disclosures")
    assert f'href="/app/intelligence/{number}"' in waiting.text
    client.cookies.clear()
